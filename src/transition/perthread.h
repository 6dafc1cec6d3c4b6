/* perthread.h — the per-thread, wait-free transition (processes running
 * libnonstop): no thread that serves the program is ever stopped, and
 * every thread moves to the new code by itself, at its next update point.
 *
 * The life of a per-thread patch P (record fields: registry.h ns_rec_pt):
 *
 *   install   Its dispatchers (dispatch.h) are placed beside the old code;
 *             the runtime (lib/exec.c) points each replaced function's
 *             entry at its dispatcher and moves the target generation to G.
 *             P's range is [G, inf): a thread runs P's code once its view
 *             is G, that is after its next update point.
 *   complete  When every thread has switched, the dispatchers are retired:
 *             each entry jumps straight to P's code (no per-call check):
 *             by the apply that waited, or for a transition it left
 *             pending by the sweep of a later apply or revert, or apply
 *             --complete (core/pt.h: ns_pt_complete_later).
 *   back      Revert: the range becomes [FROM, R) with a new generation R
 *             (FROM is 0 once complete: every thread then ran P's code).
 *             Threads go back to the old code at their next update point.
 *   retire    When none is left in the range, the entries are restored.
 *             P's memory is released once every thread has passed one
 *             more update point (generation Q) and found, looking at its
 *             own stack there, none of P's code on it (a patched event
 *             loop keeps its code alive). Until then P is "retiring".
 *
 * P's generations are three words in its data (rec->pt.gens): FROM and TO,
 * the range its dispatchers send to its code, and the generation it was
 * installed with, which stays when the record's pt.gen and FROM become 0
 * (back, once complete): a thread that has been in one wait since before
 * it (NONSTOP_UPDATE_POINTS=waits) never ran P's code.
 *
 * Every step that changes code is one call of nonstop__rt_exec() on the
 * runtime's own thread (the only thread ptrace ever stops in this mode),
 * with the record's state written in the same call, so that whatever
 * instant the tool dies at, the process runs consistent code and the next
 * nonstop command sees where things stood. */
#ifndef NONSTOP_PERTHREAD_H
#define NONSTOP_PERTHREAD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc/remote.h"
#include "proc/tracee.h"
#include "registry/registry.h"
#include "runtime/rt.h"

struct ns_safety;

struct ns_pt {
	/* in */
	struct ns_tracee *tr;        /* holds the runtime thread only */
	const struct ns_gadgets *g;
	struct ns_rt_handle *rt;
	uint64_t rec_addr;           /* the patch's record in the target */
	struct ns_rec *rec;          /* our copy, kept in step */
	double timeout;              /* seconds to wait for the threads */
	/* Where the unwinder for threads switched asleep (pt_blocked.h) is
	 * kept across the waits of one command (the session's: its owner
	 * frees it); NULL: made and freed by each wait. */
	struct ns_safety **unwinder;
	/* out */
	/* Of the threads that switched at the last wait, how long after the
	 * generation moved the first and the last did (their own clocks) */
	uint64_t switch_ns;
	uint64_t first_ns;
	size_t   threads;            /* threads that had to switch */
	size_t   switched_asleep;    /* of those, switched by nonstop while
					asleep in a system call (pt_blocked.h) */
	size_t   waiting;            /* of them, done by being at an update
					point in a wait (waits mode), not yet
					switched */
	char     blocker[512];       /* who did not switch, and where */
};

/* Whether thread T is done with the transition record R is in (switched
 * to its code while it is being applied, back while it is being
 * reverted: or at an update point in a wait, NONSTOP_UPDATE_POINTS=waits,
 * which it passes before it runs anything of the program's); if not, WHY
 * says where it is. */
bool ns_pt_thread_done(const struct ns_rt_thread *t, const struct ns_rec *r,
		       char *why, size_t len);

/* Adds to L the system calls libnonstop's executor (lib/exec.c) makes on
 * the runtime thread of RT, which nonstop cannot stop halfway. */
void ns_pt_syscalls(const struct ns_rt_handle *rt, struct ns_sc_list *l);

/* The size of the plan area a patch of NFUNCS functions needs. */
size_t ns_pt_plan_size(uint32_t nfuncs);

/* Install: every function's entry to its dispatcher (record funcs[].disp,
 * entry, prev and saved filled; pads already written by the caller for
 * functions not yet redirected), generation rt.gen + 1, record APPLIED.
 * 0, or -1 with err (nothing changed). */
int ns_pt_install(struct ns_pt *x);

/* Waits until every thread runs P's code (view >= rec->pt.gen). 0 all
 * switched; 1 timeout (x->blocker names who did not); -1 error. */
int ns_pt_wait_switched(struct ns_pt *x);

/* Complete: every entry jumps straight to P's code. 0, or -1 with err. */
int ns_pt_complete(struct ns_pt *x);

/* Whether P can be completed as apply completes it: a per-thread patch
 * applied, its dispatchers not retired, and every entry it redirects
 * leading to its dispatcher, read through MEM_FD (no later patch was
 * installed over it: a later patch's dispatcher falls back to P's, which
 * completing P would not change). Whether every thread has switched is
 * the other condition (ns_pt_wait_switched). */
bool ns_pt_completable(int mem_fd, const struct ns_rec *r);

/* Back: P's range ends at a new generation; record PT_BACK. 0, or -1. */
int ns_pt_back(struct ns_pt *x);

/* Waits until no thread runs P's code. 0, 1 timeout (blocker), -1. */
int ns_pt_wait_back(struct ns_pt *x);

/* Retire: entries restored (or pointed at the earlier patch's code),
 * record PT_RETIRING, one more generation with P's memory as the stack
 * check range. 0, or -1 with err. */
int ns_pt_retire(struct ns_pt *x, const struct ns_registry *reg);

/* Whether P (PT_RETIRING) may now be released: every thread passed the
 * grace generation with none of P's code on its stack. 1 yes, 0 not yet
 * (blocker says who), -1 error. */
int ns_pt_released(struct ns_pt *x);

/* Waits until ns_pt_released() says yes. 0, 1 timeout (blocker), -1. */
int ns_pt_wait_released(struct ns_pt *x);

/* Once released (no thread can reach P's memory), before it is unmapped:
 * pads back to nops, stack check off unless another patch retires. 0, or
 * -1 with err. */
int ns_pt_forget(struct ns_pt *x, const struct ns_registry *reg);
#endif
