/* hooks.h — running a patch's hooks (NONSTOP_PRE_APPLY ..., nonstop.h)
 * inside the target, and telling from the patch's record, whenever a
 * nonstop died, which hook stage was in progress and how it ended.
 *
 * When they run (apply.c, revert.c, pt_apply.c, pt_revert.c):
 *   pre-apply    the patch mapped (and its frames registered), before the
 *                switch. Non-zero: nothing is left of the patch.
 *   post-apply   after the switch (per-thread: once every thread has
 *                switched). Non-zero: the patch is rolled back, as a
 *                revert whose pre-revert hook is not run.
 *   pre-revert   before the switch back. Non-zero: the revert is refused.
 *   post-revert  after the switch back, before the memory is released.
 *                Non-zero: a warning.
 * Pre-apply pairs with post-revert, post-apply with pre-revert: each hook
 * runs at most once per application, and the second of a pair runs only
 * if the first returned 0 (or does not exist). So a post-revert hook runs
 * whenever the patch's memory is released after its pre-apply hook
 * succeeded (also when the apply then fails, or was killed), and after
 * every switch back; a pre-revert hook, only after a successful post-apply
 * one; a post-apply hook never twice. A vetoing pre-revert hook runs again
 * at the next revert; one that returned 0 does not.
 *
 * Which thread: in the per-thread mode libnonstop's own (the only one the
 * tracee holds; it holds no lock); otherwise one chosen as for the frames'
 * calls (borrow.h), also outside stdio, while the others run. Never while
 * threads are stopped. */
#ifndef NONSTOP_HOOKS_H
#define NONSTOP_HOOKS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

#include "core/core.h"
#include "link/link.h"
#include "patch/patch.h"
#include "proc/tracee.h"
#include "registry/registry.h"
#include "transition/safety.h"

/* What a hook that faulted counts as having returned. */
#define NS_HOOK_FAULTED INT32_MIN

/* Whether patch P has hooks (its record is then a version 4 one). */
bool ns_hooks_any(const struct ns_patch *p);

/* After relocation: REC's hooks block (REC has one: ns_hooks_any). */
void ns_hooks_record(struct ns_rec *rec, const struct ns_patch *p,
		     const struct ns_image *img);

/* Runs hook KIND of the patch whose record is at BASE, unless it has none
 * (1) or it already ran and returned 0 (1, RUN filled with that). SAFETY
 * unwinds TR's threads to choose one (NULL: made here). 0 when it ran:
 * RUN->ret is its result, RUN->msg its message; -1 if it could not be
 * run, or did not return within TIMEOUT seconds (tr->err; then it goes on in
 * the target, and the record says so), or if the record cannot be read.
 * WHY: what the patch says the hook's code may lock (ns_patch.hook_why),
 * for the message when no thread may run it; NULL if not at hand. */
int ns_hook_run(struct ns_tracee *tr, struct ns_safety *safety, uint64_t base,
		uint32_t kind, double timeout, struct ns_hook_run *run,
		const char *why);

/* A pre-apply or pre-revert hook (KIND), run as ns_hook_run runs it: its
 * veto. 0: go on (no hook, or it returned 0, now or before); 1: vetoed,
 * WHAT says so (ns_hook_describe); -1: it could not be run (tr->err
 * says why). */
int ns_hook_veto(struct ns_tracee *tr, struct ns_safety *safety, uint64_t base,
		 uint32_t kind, double timeout, struct ns_hook_run *run,
		 const char *why, char *what, size_t len);

/* -1 with tr->err if a hook of the patch at BASE is running in the target
 * (a call let go, or set up by a nonstop that died): nothing may be done
 * to the patch until it returns; or if its record (one with hooks) cannot
 * be read. 0 otherwise. */
int ns_hooks_idle(struct ns_tracee *tr, uint64_t base);

/* Whether a revert of the patch at BASE runs its pre-revert hook: it has
 * one, its post-apply hook returned 0 (or it has none), and it did not
 * already return 0 at an earlier attempt. */
bool ns_hooks_pre_revert_due(struct ns_tracee *tr, uint64_t base);

/* Runs the post-revert hook of the patch at BASE if it is due (the patch
 * was switched back, or never switched to after its pre-apply hook
 * returned 0) and has not run: after a switch back, and before any
 * release of a patch's memory (ns_mapping_remove). RUN (may be NULL)
 * gets what it did (kind 0: nothing). 0 when the memory may go, -1 with
 * tr->err when it must stay (a hook is running, or the post-revert hook could
 * not be run). */
int ns_hooks_post_revert(struct ns_tracee *tr, struct ns_safety *safety,
		     uint64_t base, double timeout, struct ns_hook_run *run);

/* One line on hook KIND of REC (read by `status`, no thread stopped;
 * core/hook_state.c):
 * "returned 0", "faulted", "running", "not started" (set up, not started:
 * about to, or its nonstop died first), "not run". */
const char *ns_hook_state(int mem_fd, struct ns_rec *rec, uint32_t kind,
			  char *buf, size_t len);

/* "the pre-apply hook 'f' returned 3: why" (": why" if it left a message). */
void ns_hook_describe(const struct ns_hook_run *run, char *buf, size_t len);
#endif
