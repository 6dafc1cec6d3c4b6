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

/* Reads /proc/PID/maps. 0, or -1 with errno set. Between
 * ns_maps_memo_begin(PID) and ns_maps_memo_end, a copy of the first maps
 * of PID read since. */
int ns_maps_read(pid_t pid, struct ns_maps *out);

/* The preparation of an operation on PID and the mapping of its patch
 * (core/apply.c): what is read of the maps there (the registry, the
 * linker, the stack check's modules, the code nonstop borrows, the stack
 * of the thread it borrows) comes from one read, the first. Its threads
 * run meanwhile, so each reader's own read was already a moment's
 * picture; one moment for all of them is no less true. Code the target
 * runs for nonstop (its system calls: the mapping) makes the next read
 * fresh (ns_maps_memo_forget), and the switch reads them after
 * ns_maps_memo_end, once every thread is stopped. */
void ns_maps_memo_begin(pid_t pid);
void ns_maps_memo_end(void);
/* The target ran code of nonstop's (proc/run.h), which may have changed
 * its maps: the next read is fresh, and the memo from then on. */
void ns_maps_memo_forget(void);
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
