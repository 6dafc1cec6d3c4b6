/* plan.h — what a switch writes: the places, in the order they are
 * written, each with what it holds before and after.
 *
 * One list serves three purposes, so that they cannot disagree: commit()
 * writes every place's new bytes in order; a failed write puts back the old
 * bytes of those already written, newest first; and the commit gate's
 * journal (gate.h) holds the old bytes of every place, also newest first,
 * so that a place written twice (a record's state: LOADED, then APPLYING,
 * then APPLIED) ends up with its oldest content. */
#ifndef NONSTOP_PLAN_H
#define NONSTOP_PLAN_H
#include <stddef.h>
#include <stdint.h>

#include "registry/rec_state.h"
#include "transition/gate.h"

struct ns_place {
	uint64_t addr;
	uint32_t len;                           /* <= NS_GATE_BYTES_MAX */
	uint8_t  before[NS_GATE_BYTES_MAX];
	uint8_t  after[NS_GATE_BYTES_MAX];
};

struct ns_plan {
	struct ns_place *v;
	size_t n;
	size_t cap;      /* fixed: the journal was laid out for this many */
};

/* Room for CAP places. 0, or -1 (out of memory). */
int ns_plan_init(struct ns_plan *p, size_t cap);
void ns_plan_free(struct ns_plan *p);

/* Appends a place of LEN bytes at ADDR. -1 if the plan is full or LEN too
 * long (a caller that counted its places wrong). */
int ns_plan_add(struct ns_plan *p, uint64_t addr, const void *before,
		const void *after, uint32_t len);

/* Appends the write of a record's state that makes move S
 * (registry/rec_state.h). 0, or -1 if the plan is full. */
int ns_plan_add_step(struct ns_plan *p, const struct ns_rec_step *s);

/* Writes every place in order through MEM_FD (every thread stopped). On a
 * failed write, puts back what was written and returns -1 with errno of
 * the failure. */
int ns_plan_write(const struct ns_plan *p, int mem_fd);

/* The gate's undo list: every place's old bytes, newest place first.
 * p->n entries, malloc'd; NULL if out of memory. */
struct ns_gate_entry *ns_plan_undo(const struct ns_plan *p);
#endif
