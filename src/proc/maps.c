/* maps.c — reading /proc/PID/maps into a list of mappings (maps.h);
 * searching that list is maps_list.c's. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>

#include "proc/maps.h"


/* A hexadecimal (BASE 16) or decimal number at *P, ended by END (a
 * character, or 0 for any non-digit); *P moves past END. -1 if there is
 * no number or it is not ended so. */
static int number(const char **p, int base, char end, unsigned long long *v)
{
	char *e;

	errno = 0;
	*v = strtoull(*p, &e, base);
	if (e == *p || errno || (end && *e != end))
		return -1;
	*p = end ? e + 1 : e;
	return 0;
}

/* One line of /proc/PID/maps: "start-end perms offset maj:min inode
 * [path]". Parsed by hand rather than by sscanf: a host-wide apply reads
 * the maps of every process, several times each, and sscanf was the
 * largest part of that. */
static int parse_line(char *line, struct ns_map *m)
{
	const char *p = line, *perms;
	unsigned long long start, end, off, maj, min, inode;

	if (number(&p, 16, '-', &start) < 0 || number(&p, 16, ' ', &end) < 0)
		return -1;
	perms = p;
	if (strlen(perms) < 5 || perms[4] != ' ')
		return -1;
	p += 5;
	if (number(&p, 16, ' ', &off) < 0 || number(&p, 16, ':', &maj) < 0 ||
	    number(&p, 16, ' ', &min) < 0 || number(&p, 10, 0, &inode) < 0)
		return -1;
	while (*p == ' ')
		p++;
	m->start = start;
	m->end = end;
	m->offset = off;
	m->dev = makedev((unsigned)maj, (unsigned)min);
	m->inode = inode;
	m->prot = (perms[0] == 'r' ? PROT_READ : 0) |
		  (perms[1] == 'w' ? PROT_WRITE : 0) |
		  (perms[2] == 'x' ? PROT_EXEC : 0);
	m->shared = perms[3] == 's';
	line[strcspn(line, "\n")] = 0;
	m->path = strdup(p);
	return m->path ? 0 : -1;
}

int ns_maps_read(pid_t pid, struct ns_maps *out)
{
	char fn[64], *line = NULL;
	size_t cap = 0, alloc = 0;
	FILE *f;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	snprintf(fn, sizeof(fn), "/proc/%d/maps", (int)pid);
	f = fopen(fn, "re");
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		if (out->n == alloc) {
			size_t na = alloc ? alloc * 2 : 64;
			struct ns_map *nv = realloc(out->v, na * sizeof(*nv));
			if (!nv)
				goto out;
			out->v = nv;
			alloc = na;
		}
		if (parse_line(line, &out->v[out->n]) == 0)
			out->n++;
	}
	rc = 0;
out:
	free(line);
	fclose(f);
	if (rc)
		ns_maps_free(out);
	return rc;
}
