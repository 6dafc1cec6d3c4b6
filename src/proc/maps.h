/* maps.h — the memory map of a process, read from /proc/PID/maps. */
#ifndef NONSTOP_MAPS_H
#define NONSTOP_MAPS_H
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

struct ns_map {
	uint64_t start, end, offset;
	unsigned prot;          /* PROT_READ | PROT_WRITE | PROT_EXEC */
	bool     shared;
	uint64_t dev;           /* of the mapped file: makedev(major, minor) */
	uint64_t inode;
	char    *path;          /* "" for anonymous mappings */
};

struct ns_maps {
	struct ns_map *v;
	size_t n;
};

/* Reads /proc/PID/maps. 0, or -1 with errno set. */
int ns_maps_read(pid_t pid, struct ns_maps *out);
void ns_maps_free(struct ns_maps *maps);

/* The mapping containing ADDR, or NULL (MAPS in address order, as the
 * kernel lists them). */
const struct ns_map *ns_maps_find(const struct ns_maps *maps, uint64_t addr);

/* Finds a free, page-aligned range of SIZE bytes lying entirely inside
 * [LO, HI), as close to NEAR as possible, leaving a guard page on both sides.
 * 0 and *ADDR on success, -1 if there is none. */
int ns_maps_find_hole(const struct ns_maps *maps, uint64_t lo, uint64_t hi,
		      uint64_t size, uint64_t near, uint64_t *addr);
#endif
