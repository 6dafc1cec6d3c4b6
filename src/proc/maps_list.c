/* maps_list.c — a list of mappings as maps.c read it (maps.h): freeing
 * it, the mapping an address is in, a free address range. Pure functions
 * of the list, apart from reading /proc, so that the target-reader fuzzer
 * (fuzz/target_read_fuzz.c) runs them as they are and fakes only the
 * reading. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc/maps.h"

#define PAGE 4096ULL

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
