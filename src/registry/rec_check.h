/* rec_check.h — what a record read back from a target must satisfy before
 * nonstop believes a byte of it.
 *
 * nonstop often runs as root against a process of a less trusted user,
 * and that process can write anything into a "nonstop:" mapping, or make
 * its own (memfd_create("nonstop:evil")). So every field of a record is
 * checked here, once, where the registry reads it (registry.c), before
 * anything uses it: counts against fixed maxima and against the mapping;
 * every address nonstop writes to, reads from, calls or jumps to against
 * the part of the patch's memory it must lie in; enums against their
 * values; strings terminated within their field.
 *
 * Two verdicts besides "valid" (and why):
 *   not ours  no magic of ours, or a record that names another place as
 *             its own (a copy): ignored, as any mapping that is not a
 *             record. A "nonstop:" mapping still all zeros is a leftover
 *             of a nonstop that died (registry.h: orphans).
 *   damaged   our magic at its own place, but a value out of range: the
 *             record is listed (status shows it, with why) and never acted
 *             on: nothing of it is written, called, released or read
 *             further. A record nonstop wrote never fails these checks; one
 *             that does was written by someone else, and believing any of
 *             it could have nonstop write outside the patch's memory, read
 *             unbounded amounts, or crash.
 *
 * The patch's memory, as laid out by link.h and apply (core/apply.c):
 *   [base, code_start)       the record: header, funcs, syms, hooks block,
 *                            then the table of state transformers
 *   [code_start, code_end)   code: new functions, stubs, commit gate or
 *                            dispatchers, the remote-call stub
 *   [code_end, base + size)  data: CFI, the journal or the per-thread
 *                            bounds and plans, call slots, libgcc's object,
 *                            hook slots and message, new variables
 * and base/size are the memfd's whole mapping in /proc/PID/maps. */
#ifndef NONSTOP_REC_CHECK_H
#define NONSTOP_REC_CHECK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proc/maps.h"
#include "registry/record.h"

#define NS_REC_FUNCS_MAX  100000
#define NS_REC_SYMS_MAX   100000
#define NS_REC_XFORMS_MAX 4096
/* Bytes a variable or a function may span (a state transformer's old
 * variable, a replaced function): beyond that a value is not a size. */
#define NS_REC_OBJECT_MAX (1ULL << 32)
/* applied_at: a unix time up to the end of year 9999; beyond, or 0, it
 * is printed as unknown (nothing decides on it, so it does not make a
 * record damaged). */
#define NS_REC_TIME_MAX   253402300799ULL

enum ns_rec_verdict {
	NS_REC_VALID = 0,
	NS_REC_NOT_OURS,
	NS_REC_DAMAGED,
};

/* Where a record lives: the "nonstop:" memfd mapping whose offset 0 is at
 * START, as /proc/PID/maps shows it. */
struct ns_rec_home {
	uint64_t start;
	uint64_t first_end;        /* end of its first line: the record's
				      pages, where the record must fit */
	uint64_t end;              /* end of the lines of the same memfd
				      that follow it, each at its offset */
	const struct ns_maps *maps; /* the target's, for the program's code */
};

/* Whether M is a "nonstop:" memfd mapping's first line (offset 0). */
bool ns_rec_is_mapping(const struct ns_map *m);

/* The home of a record at START in MAPS: false if no "nonstop:" mapping
 * starts there. */
bool ns_rec_home_find(const struct ns_maps *maps, uint64_t start,
		      struct ns_rec_home *home);

/* The bytes a record with header HDR takes in the target (any version:
 * ns_rec_total_size for 3 and 4), 0 if HDR has no magic of ours. The
 * counts must have been checked (ns_rec_check_header). */
size_t ns_rec_disk_size(const struct ns_rec *hdr);

/* Before a record is read whole: its header HDR (read at HOME->start).
 * NS_REC_VALID when its counts are within their maxima and its size fits
 * the record's pages; else the verdict and WHY. */
enum ns_rec_verdict ns_rec_check_header(const struct ns_rec *hdr,
					const struct ns_rec_home *home,
					char *why, size_t whylen);

/* The whole record REC (version 2 converted to version 3's layout),
 * whose header passed ns_rec_check_header: every field. */
enum ns_rec_verdict ns_rec_check(const struct ns_rec *rec,
				 const struct ns_rec_home *home,
				 char *why, size_t whylen);

/* The N entries of REC's table of state transformers X (core/xform.h),
 * read from the target at REC->xforms: 0, or -1 with WHY. */
int ns_rec_check_xforms(const struct ns_rec *rec, const struct ns_rec_xform *x,
			uint32_t n, char *why, size_t whylen);

/* Whether applied_at T is a time (1 to NS_REC_TIME_MAX). */
bool ns_rec_time_known(uint64_t t);
#endif
