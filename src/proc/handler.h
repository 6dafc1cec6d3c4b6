/* handler.h — calling a function in a borrowed thread the way the kernel
 * runs a signal handler, so that the thread comes back by itself if
 * nonstop dies meanwhile.
 *
 * The function is entered with rsp on the thread's signal frame
 * (sigframe.h, pushed by ns_remote_begin*) and ends with an rt_sigreturn
 * on that frame: the restorer's, when the function returns into it (the
 * return address of the frame), or a stub's (call.h). nonstop runs the
 * thread to that rt_sigreturn (ns_remote_run: every system call on the
 * way judged, a fault stopped), lets it run — the kernel restores the
 * thread from the frame: registers, FPU and vector state, signal mask —
 * and holds the thread at its exit, home again, where it can run more
 * work for nonstop or be resumed (ns_remote_end). Were nonstop to die,
 * the same rt_sigreturn brings the thread back.
 *
 * A thread borrowed in a nanosleep-like call (struct ns_remote, by_hand)
 * may instead be brought back without it, by hand: rt_sigreturn makes the
 * kernel forget how to go on with that call, which would fail with EINTR.
 * The rt_sigreturn is then skipped at its entry (and the thread set back
 * on it, so that a death of nonstop still lets it run), and nonstop
 * restores the thread itself: FPU state by ptrace from what it kept,
 * registers and mask at ns_remote_end.
 *
 * Both kinds of function call (libnonstop's plans, and call.c's stub for
 * hooks, frames and transformers) had each their own loop, and now share
 * this one, with one policy:
 *   - a thread kept by hand is brought back by hand, whichever the call
 *     (before, only the stub did it; libnonstop's runtime thread, which
 *     runs the plans, sleeps in pause(), which is not nanosleep-like, so
 *     it goes home through rt_sigreturn as before — t_pt_*);
 *   - a fault or a refused system call fails the call, a signal sent to
 *     the thread meanwhile stays queued for it (run.h);
 *   - one bound, the caller's deadline: a function not at its
 *     rt_sigreturn by then is let go to finish by itself.
 * One difference is the caller's: a deadline that passes once the
 * rt_sigreturn was entered (NS_HANDLER_LATE_BACK) is a late function for
 * libnonstop's plans (let go), a failure for a stub call (whose callers
 * read NS_CALL_LET_GO as "the function may still run", which it does
 * not). */
#ifndef NONSTOP_HANDLER_H
#define NONSTOP_HANDLER_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/user.h>

#include "proc/remote.h"

/* Calls FN(A1, A2) in the borrowed thread the way the kernel runs a signal
 * handler: with rsp on the thread's signal frame, whose return address is
 * the restorer; when FN returns, the thread rt_sigreturns to where it was
 * and nonstop takes it back there. If nonstop dies meanwhile, FN still
 * completes and the thread returns by itself. FN's return value is lost
 * (the restorer loads rax): FN must report through memory. If FN has not
 * returned within TIMEOUT seconds, the thread is let go
 * (ns_remote_let_go) to finish it. 0, or -1 with tr->err. (libnonstop's
 * executor runs its plans so.) */
int ns_remote_call_handler(struct ns_remote *rs, uint64_t fn, uint64_t a1,
			   uint64_t a2, double timeout);

/* Before a function runs in the borrowed thread: whether its filter lets
 * through the rt_sigreturn at BACK (the address after its `syscall`)
 * that ends the call even if nonstop dies, with the argument registers
 * the function leaves; then its FPU state kept, put back if the call
 * stops halfway. 0, or -1 with tr->err. */
int ns_remote_handler_prepare(struct ns_remote *rs, uint64_t back);

enum ns_handler_result {
	NS_HANDLER_OK        = 0,   /* home, held at the exit of the
				       rt_sigreturn, or by hand at its entry */
	NS_HANDLER_FAILED    = -1,  /* tr->err; held for ns_remote_end */
	NS_HANDLER_LET_GO    = -2,  /* not back by DEADLINE: let go
				       (ns_remote_let_go) to finish by
				       itself; the caller says so in tr->err */
	NS_HANDLER_LATE_BACK = -3,  /* DEADLINE passed during the
				       rt_sigreturn: tr->err, the thread runs */
};

/* Runs the borrowed thread (prepared: ns_remote_handler_prepare) from
 * registers R — a function entered with rsp on the frame — until the
 * rt_sigreturn at BACK has brought it home, or, for a thread kept by
 * hand, until that rt_sigreturn is skipped and the thread's FPU state put
 * back. */
enum ns_handler_result ns_remote_run_handler(struct ns_remote *rs,
					     const struct user_regs_struct *r,
					     uint64_t back, double deadline);
#endif
