/* replace.h — a cumulative patch taking the place of every patch applied to
 * its module, in one switch (apply --replace; replace.c). */
#ifndef NONSTOP_REPLACE_H
#define NONSTOP_REPLACE_H
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

#include "link/target.h"
#include "proc/remote.h"
#include "proc/tracee.h"
#include "registry/registry.h"
#include "transition/plan.h"
#include "transition/safety.h"

/* A function that only the replaced patches redirect: it gets the
 * program's own entry back. */
struct ns_replace_fn {
	uint64_t addr, size;            /* the function, in the module */
	uint32_t len;                   /* bytes of its entry restored */
	uint8_t  now[NS_SAVED_MAX];     /* its entry now: a replaced patch's jump */
	uint8_t  orig[NS_SAVED_MAX];    /* its entry in the program */
	const char *name;               /* in the replaced record */
};

struct ns_replace {
	struct ns_rec_entry **old;      /* the records replaced, oldest first */
	size_t nold;
	char (*what)[NS_NAME_MAX + 32]; /* per record: "the code of patch 'A'" */
	struct ns_replace_fn *restore;
	size_t nrestore;
	struct ns_gadgets gadgets;      /* to release their memory afterwards */
};

/* Before anything is written, with every thread of TR seized: the records
 * of REG that the patch whose record is REC replaces (every one applied to
 * MOD), and the functions they redirect that REC does not. Reads entries
 * through tr->mem_fd. 0, or -1 with one line in tr->err (a record of MOD that
 * is half applied). RP refers into REG and REC: they must outlive it. */
int ns_replace_plan(struct ns_replace *rp, const struct ns_registry *reg,
		    const struct ns_module *mod, const struct ns_rec *rec,
		    struct ns_tracee *tr);

/* How many places ns_replace_add_places() adds to the switch. */
size_t ns_replace_nplaces(const struct ns_replace *rp);

/* Appends to PLAN, after the new patch's own entries: every restored entry,
 * then every replaced record REVERTING (once no jump to its code is left).
 * 0, or -1 with ERR (PLAN is full). */
int ns_replace_add_places(const struct ns_replace *rp, struct ns_plan *plan,
			  struct ns_err *err);

/* How many busy ranges ns_replace_busy() fills: the code of every replaced
 * patch (a thread in it, or returning into it, blocks the switch) and every
 * restored function. */
size_t ns_replace_nbusy(const struct ns_replace *rp);
void ns_replace_busy(const struct ns_replace *rp, struct ns_range *out);

/* After the switch (TR detached): releases the memory of every replaced
 * patch, borrowing the thread-group leader. 0, or -1 with WARN naming the
 * patches whose memory stays (their records are REVERTING: the next
 * ns_mapping_sweep removes them): a warning, the apply stands. */
int ns_replace_release(struct ns_replace *rp, struct ns_tracee *tr, pid_t pid,
		       char *warn, size_t warnlen);

void ns_replace_free(struct ns_replace *rp);
#endif
