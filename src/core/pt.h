/* pt.h — the per-thread mode (processes running libnonstop): its
 * operations (mode.h), in pt.c (holding the process), pt_apply.c (what it
 * adds to a patch's image and record, and the switch: install, wait,
 * complete — or withdraw) and pt_revert.c (back, wait, retire, release),
 * each through the steps of transition/perthread.h. */
#ifndef NONSTOP_CORE_PT_H
#define NONSTOP_CORE_PT_H
#include <stddef.h>

#include "core/apply_op.h"
#include "core/core.h"
#include "core/pt_sweep.h"
#include "core/revert_op.h"
#include "proc/remote.h"
#include "proc/tracee.h"
#include "registry/registry.h"
#include "runtime/rt.h"
#include "transition/perthread.h"

/* What the waits of X found, for the result. */
void ns_pt_report(const struct ns_pt *x, struct ns_op_result *res);

/* ---- apply (pt_apply.c) ---- */
/* No --replace; no transformers (threads on the old view would go on
 * using the old variable); a patch with hooks is not left pending (its
 * post-apply hook runs once every thread has switched). */
int ns_pt_refuse(struct ns_apply_op *a);
/* Reads the patchable entry of every function the record replaces and
 * fills its entry, prev and saved bytes; a function redirected by an
 * earlier per-thread patch continues from that patch's code. */
int ns_pt_read_entries(struct ns_apply_op *a);
/* The dispatchers (code), the generation bounds and the plan area
 * (writable data). */
void ns_pt_extra_sizes(const struct ns_apply_op *a, size_t *code,
		       size_t *data);
/* Writes the dispatchers, lays out the data, fills the record's
 * per-thread fields; says in res->note what a loop function's change
 * means. */
int ns_pt_place(struct ns_apply_op *a);
/* Install, wait for every thread; then complete, or on timeout withdraw
 * (or, with --leave-pending, leave it pending: res->pending). */
int ns_pt_apply_switch(struct ns_apply_op *a);
/* The completion of a patch an apply left switching (--leave-pending),
 * later: once every thread has switched — the same wait as the apply's
 * (up to x->timeout; 0: one look) — the same plan (ns_pt_complete),
 * unless a later patch was installed over it (ns_pt_completable). 1
 * completed; 0 not (x->blocker names who has not switched, or is empty:
 * nothing to complete); -1 with err. */
int ns_pt_complete_later(struct ns_pt *x);

/* ---- revert (pt_revert.c) ---- */
/* From wherever the record says the revert stands: back, wait, retire. */
int ns_pt_switch_back(struct ns_revert_op *r);
/* The post-revert hook; the memory released once no thread can be in it,
 * or kept for now (res->retiring). */
int ns_pt_release(struct ns_revert_op *r);

#endif
