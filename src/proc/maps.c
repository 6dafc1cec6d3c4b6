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


static int parse_line(char *line, struct ns_map *m)
{
	char perms[8] = "";
	unsigned long long start, end, off, inode;
	unsigned maj, min;
	int pathpos = 0;

	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end,
		   perms, &off, &maj, &min, &inode, &pathpos) < 7)
		return -1;
	m->start = start;
	m->end = end;
	m->offset = off;
	m->dev = makedev(maj, min);
	m->inode = inode;
	m->prot = (perms[0] == 'r' ? PROT_READ : 0) |
		  (perms[1] == 'w' ? PROT_WRITE : 0) |
		  (perms[2] == 'x' ? PROT_EXEC : 0);
	m->shared = perms[3] == 's';
	line[strcspn(line, "\n")] = 0;
	m->path = strdup(pathpos ? line + pathpos : "");
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
