/* run.h — the one way a borrowed thread runs code for nonstop: from
 * registers nonstop gives it to a system-call stop nonstop names (the
 * trap), before a deadline.
 *
 * Every piece of work nonstop makes a thread of the target do goes
 * through ns_remote_run: its system calls (remote.c), the functions it
 * calls there (handler.c: libnonstop's plans; call.c: hooks, frames,
 * transformers), and a system call the thread is made to skip. It is
 * CRIU compel's parasite_run and parasite_trap in one: the thread runs
 * under PTRACE_SYSCALL, so the kernel stops it at the entry and the exit
 * of every system call it makes, and the run ends at the first of them
 * that is the trap. On the way, whatever code the thread runs:
 *   - every system call it enters is judged at its entry stop (which the
 *     kernel reports before it runs the filter) against its seccomp
 *     filter: one the filter would kill it for, signal it or hold it for
 *     is skipped, never made, and the run fails;
 *   - a synchronous fault (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGSYS, a
 *     SIGTRAP not ours) fails the run: the signal is never delivered (the
 *     program did not cause it);
 *   - a signal sent to it is kept, delivered when it is resumed;
 *   - a thread that stops again and again without a system call (group
 *     stops, interrupts) is not followed for ever.
 * The one bound in time is the caller's deadline (a system call's
 * NS_REMOTE_SYSCALL_TIMEOUT, a function's timeout): the run ends there,
 * the thread still running nonstop's work, for the caller to interrupt
 * or let go. A trap's count of stops is no bound in time: it says where
 * the trap must be (the exit of a call made at the gadget comes within
 * its first stops, that of a call skipped at the next).
 * A run that fails puts back the thread's FPU state (if kept: struct
 * ns_remote); its registers and mask are put back by ns_remote_end.
 *
 * Only this file's stepping waits for a syscall stop of a target thread
 * (ns_tracee_wait_one, the wait for one thread, is called from here
 * only). */
#ifndef NONSTOP_RUN_H
#define NONSTOP_RUN_H
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#include "proc/remote.h"

/* Where a run ends: a syscall stop at the entry (of call NR) or the exit
 * of a system call made at IP. */
struct ns_trap {
	int      op;        /* PTRACE_SYSCALL_INFO_ENTRY or _EXIT */
	long     nr;        /* at an entry, the call; -1: any */
	uint64_t ip;        /* the address after its `syscall`; 0: any */
	unsigned stops;     /* syscall stops the run looks at, the trap
			       included; 0: no limit */
};

enum ns_run_result {
	NS_RUN_TRAPPED = 1,  /* held at the trap; *INFO describes it */
	NS_RUN_LATE    = 0,  /* the deadline came first: the thread still
				runs nonstop's work (tr->err) */
	NS_RUN_FAILED  = -1, /* tr->err: a fault, a refused call, the thread
				or its process gone, ptrace failed; a thread
				not gone is held for ns_remote_end */
	NS_RUN_MISSED  = -2, /* TRAP.stops syscall stops came and none was
				the trap: held at the last (*INFO) */
};

/* Runs the thread borrowed by RS (WHAT names its work for messages: "the
 * function nonstop called") from registers REGS (ns_remote_set_regs:
 * their rsp on the frame, its signals blocked; NULL: from where it is
 * held) until TRAP or DEADLINE (ns_clock_s() time). *INFO gets the last
 * syscall stop (PTRACE_GET_SYSCALL_INFO). */
enum ns_run_result ns_remote_run(struct ns_remote *rs,
				 const struct user_regs_struct *regs,
				 const struct ns_trap *trap, double deadline,
				 const char *what,
				 struct __ptrace_syscall_info *info);

/* At the entry stop of a system call of the borrowed thread: lets it go
 * through without the call being made (the thread then stops at its
 * exit, its registers as they were, but rax). The kernel still shows the
 * filter a call there: one the filter lets through harmlessly is put in
 * its place. 0, or -1 with tr->err. */
int ns_remote_skip_call(struct ns_remote *rs, double deadline);

/* Interrupts the borrowed thread, which runs nonstop's work, and waits
 * until DEADLINE for the stop that follows. The wait status of that stop
 * (the thread is held there), or -1 with tr->err. */
int ns_remote_interrupt(struct ns_remote *rs, double deadline);

/* Releases the borrowed thread, which runs nonstop's work, to finish it
 * by itself and come back through its frame (a function call that does
 * not return in time). It is no longer traced: marked gone. */
void ns_remote_let_go(struct ns_remote *rs);
#endif
