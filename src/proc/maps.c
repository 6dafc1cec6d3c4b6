/* maps.c — reading /proc/PID/maps into a list of mappings (maps.h);
 * searching that list is maps_list.c's. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

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

/* The memo of one operation's preparation (ns_maps_memo_begin): the
 * first maps of PID read since, kept for the readers after it. Process-
 * wide, as the readers are many and far apart (the registry, the linker,
 * the stack check, the module files), and one operation runs at a time in
 * a process of nonstop's. */
static struct {
	bool on, have;
	pid_t pid;
	struct ns_maps m;
} memo;

static int copy_maps(const struct ns_maps *from, struct ns_maps *to)
{
	memset(to, 0, sizeof(*to));
	to->v = calloc(from->n ? from->n : 1, sizeof(*to->v));
	if (!to->v)
		return -1;
	for (; to->n < from->n; to->n++) {
		to->v[to->n] = from->v[to->n];
		to->v[to->n].path = strdup(from->v[to->n].path);
		if (!to->v[to->n].path) {
			ns_maps_free(to);
			errno = ENOMEM;
			return -1;
		}
	}
	return 0;
}

void ns_maps_memo_begin(pid_t pid)
{
	ns_maps_memo_end();
	memo.on = true;
	memo.pid = pid;
}

void ns_maps_memo_forget(void)
{
	if (memo.have)
		ns_maps_free(&memo.m);
	memo.have = false;
}

void ns_maps_memo_end(void)
{
	if (memo.have)
		ns_maps_free(&memo.m);
	memset(&memo, 0, sizeof(memo));
}

/* Reads /proc/PID/maps whole, with read(2) into one buffer (stdio read
 * it 1 KiB at a time), then parses it line by line. At most MAPS_MAX
 * bytes: the kernel allows 65530 mappings of a process, each line at
 * most a few hundred bytes but for its path; a target cannot make us
 * hold more. */
#define MAPS_MAX (64u << 20)

static int read_text(pid_t pid, char **text, size_t *len)
{
	char fn[64];
	size_t cap = 16384;
	char *buf = malloc(cap + 1);
	int fd, e;

	*len = 0;
	if (!buf)
		return -1;
	snprintf(fn, sizeof(fn), "/proc/%d/maps", (int)pid);
	fd = open(fn, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	for (;;) {
		ssize_t r;

		if (*len == cap) {
			char *nb;

			if (cap >= MAPS_MAX) {
				errno = EFBIG;
				goto fail;
			}
			nb = realloc(buf, cap * 2 + 1);
			if (!nb)
				goto fail;
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + *len, cap - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		*len += (size_t)r;
	}
	close(fd);
	buf[*len] = 0;
	*text = buf;
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	free(buf);
	errno = e;
	return -1;
}

static int read_fresh(pid_t pid, struct ns_maps *out)
{
	char *text, *line, *next;
	size_t len, alloc = 0;

	memset(out, 0, sizeof(*out));
	if (read_text(pid, &text, &len) < 0)
		return -1;
	for (line = text; line < text + len; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : text + len;
		if (next > line && next[-1] == '\n')
			next[-1] = 0;
		if (out->n == alloc) {
			size_t na = alloc ? alloc * 2 : 64;
			struct ns_map *nv = realloc(out->v, na * sizeof(*nv));

			if (!nv) {
				free(text);
				ns_maps_free(out);
				errno = ENOMEM;
				return -1;
			}
			out->v = nv;
			alloc = na;
		}
		if (parse_line(line, &out->v[out->n]) == 0)
			out->n++;
	}
	free(text);
	return 0;
}

int ns_maps_read(pid_t pid, struct ns_maps *out)
{
	if (memo.on && memo.have && memo.pid == pid)
		return copy_maps(&memo.m, out);
	if (read_fresh(pid, out) < 0)
		return -1;
	if (memo.on && !memo.have && memo.pid == pid &&
	    copy_maps(out, &memo.m) == 0)
		memo.have = true;
	return 0;
}
