/* maps.c — parsing /proc/PID/maps and finding free address ranges in it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>

#include "proc/maps.h"

#define PAGE 4096ULL

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

void ns_maps_free(struct ns_maps *maps)
{
	for (size_t i = 0; i < maps->n; i++)
		free(maps->v[i].path);
	free(maps->v);
	memset(maps, 0, sizeof(*maps));
}

/* A binary search: the kernel lists mappings in address order, without
 * overlaps, and a target can have tens of thousands of them (checking a
 * record looks up every one of its functions). */
const struct ns_map *ns_maps_find(const struct ns_maps *maps, uint64_t addr)
{
	size_t lo = 0, hi = maps->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ns_map *m = &maps->v[mid];

		if (addr < m->start)
			hi = mid;
		else if (addr >= m->end)
			lo = mid + 1;
		else
			return m;
	}
	return NULL;
}

/* Considers the gap [gs, ge) and updates the best candidate. */
static void consider_gap(uint64_t gs, uint64_t ge, uint64_t lo, uint64_t hi,
			 uint64_t size, uint64_t near, uint64_t *best,
			 uint64_t *bestdist)
{
	uint64_t s, e, cand, dist;

	gs += PAGE; /* guard pages: never glue onto a neighbour */
	if (ge < PAGE)
		return;
	ge -= PAGE;
	s = gs > lo ? gs : lo;
	e = ge < hi ? ge : hi;
	if (e <= s || e - s < size)
		return;
	/* The start closest to NEAR within [s, e - size]. */
	if (near <= s)
		cand = s;
	else if (near >= e - size)
		cand = e - size;
	else
		cand = near;
	cand &= ~(PAGE - 1);
	if (cand < s)
		cand += PAGE;
	if (cand + size > e)
		return;
	dist = cand > near ? cand - near : near - cand;
	if (dist < *bestdist) {
		*bestdist = dist;
		*best = cand;
	}
}

int ns_maps_find_hole(const struct ns_maps *maps, uint64_t lo, uint64_t hi,
		      uint64_t size, uint64_t near, uint64_t *addr)
{
	uint64_t prev_end = 0x10000, best = 0, bestdist = UINT64_MAX;

	size = (size + PAGE - 1) & ~(PAGE - 1);
	if (lo < 0x10000)
		lo = 0x10000; /* below vm.mmap_min_addr */
	for (size_t i = 0; i <= maps->n; i++) {
		uint64_t next = i < maps->n ? maps->v[i].start : 0x7ffffffff000ULL;
		if (next > prev_end)
			consider_gap(prev_end, next, lo, hi, size, near, &best,
				     &bestdist);
		if (i < maps->n && maps->v[i].end > prev_end)
			prev_end = maps->v[i].end;
	}
	if (bestdist == UINT64_MAX) {
		errno = ENOMEM;
		return -1;
	}
	*addr = best;
	return 0;
}
