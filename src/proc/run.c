/* run.c — running a borrowed thread to a trap (see run.h): the stepping
 * from one syscall stop to the next, the judgment of every system call
 * the thread enters, faults, and what happens at a deadline.
 *
 * The kernel says which stop is which (PTRACE_GET_SYSCALL_INFO: entry or
 * exit, the call, the address), so a stop nonstop did not expect (a
 * system call of the thread's own being finished, one a function makes)
 * can never be taken for the trap. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "proc/maps.h"
#include "proc/run.h"
#include "proc/seccomp.h"
#include "util/clock.h"

/* ---- seccomp ------------------------------------------------------------- */

/* The call the borrowed thread stopped at the entry of (INFO). */
static struct ns_sc_call entry_call(const struct __ptrace_syscall_info *info)
{
	struct ns_sc_call c = {
		.nr = (int)info->entry.nr, .ip = info->instruction_pointer,
		.known = NS_SC_ALL, .arch = info->arch,
	};

	for (int i = 0; i < 6; i++)
		c.args[i] = info->entry.args[i];
	return c;
}

/* Calls the kernel shows a filter in place of one skipped at its entry:
 * the first this thread's filter lets through without harm. (Setting
 * orig_rax to -1, the usual way to skip, is a call -1 to the filter.) */
static const struct { int nr; int64_t fd; } SKIP_AS[] = {
	{ -1, 0 }, { SYS_getpid, 0 }, { SYS_gettid, 0 }, { SYS_sched_yield, 0 },
	{ SYS_getppid, 0 }, { SYS_read, -1 }, { SYS_write, -1 }, { SYS_close, -1 },
};

int ns_remote_skip_call(struct ns_remote *rs, double deadline)
{
	/* One stop, which must be the exit of the call skipped. */
	static const struct ns_trap at_exit = {
		.op = PTRACE_SYSCALL_INFO_EXIT, .nr = -1, .stops = 1,
	};
	struct ns_seccomp *sc = ns_remote_seccomp(rs);
	struct __ptrace_syscall_info info;
	struct user_regs_struct r;
	size_t i;
	int k;

	if (!sc)
		return -1;
	if (ptrace(PTRACE_GETREGS, rs->th->tid, 0, &r) < 0) {
		ns_err_set(rs->tr->err, "cannot read the "
			 "registers of thread %d: %s", rs->th->tid, strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(SKIP_AS) / sizeof(*SKIP_AS); i++) {
		struct ns_sc_call c = {
			.nr = SKIP_AS[i].nr, .ip = r.rip, .known = NS_SC_ALL,
			.args = { SKIP_AS[i].fd ? (uint64_t)SKIP_AS[i].fd : r.rdi,
				  r.rsi, r.rdx, r.r10, r.r8, r.r9 },
		};

		if (!ns_seccomp_harms(sc, &c))
			break;
	}
	if (i == sizeof(SKIP_AS) / sizeof(*SKIP_AS)) {
		ns_err_set(rs->tr->err, "the seccomp filter of "
			 "process %d lets no call through harmlessly: thread %d "
			 "cannot be brought back", (int)rs->tr->pid, rs->th->tid);
		return -1;
	}
	r.orig_rax = (uint64_t)(int64_t)SKIP_AS[i].nr;
	if (SKIP_AS[i].fd)
		r.rdi = (uint64_t)SKIP_AS[i].fd;
	if (ptrace(PTRACE_SETREGS, rs->th->tid, 0, &r) < 0) {
		ns_err_set(rs->tr->err, "cannot write the "
			 "registers of thread %d: %s", rs->th->tid, strerror(errno));
		return -1;
	}
	k = ns_remote_run(rs, NULL, &at_exit, deadline, "a system call skipped",
			  &info);
	if (k == NS_RUN_TRAPPED)
		return 0;
	if (k != NS_RUN_FAILED)
		ns_err_set(rs->tr->err, "thread %d did not "
			 "come back from a system call it was made to skip",
			 rs->th->tid);
	return -1;
}

/* ---- stepping ------------------------------------------------------------- */

/* Whether a signal-delivery stop for SIG is a fault of the code the
 * thread runs (the kernel raised it there), not a signal sent to it. */
static bool is_fault(pid_t tid, int sig, siginfo_t *si)
{
	if (sig != SIGSEGV && sig != SIGBUS && sig != SIGILL && sig != SIGFPE &&
	    sig != SIGSYS && sig != SIGTRAP)
		return false;
	if (ptrace(PTRACE_GETSIGINFO, tid, 0, si) < 0)
		return true;   /* cannot tell: the safe side is to stop */
	return si->si_code > 0;
}

/* The work the thread was doing stops at a fault or a refused call: its
 * FPU state back (its registers and mask: ns_remote_end). */
static int stop_work(struct ns_remote *rs)
{
	ns_remote_restore_fpstate(rs);   /* its failure does not replace the
					    cause, set already (util/err.h) */
	return -1;
}

static int fault(struct ns_remote *rs, int sig, const siginfo_t *si,
		 const char *what)
{
	struct user_regs_struct r;
	uint64_t at = 0;
	const char *name = sigabbrev_np(sig);

	if (sig == SIGSEGV || sig == SIGBUS)
		at = (uint64_t)(uintptr_t)si->si_addr;
	else if (ptrace(PTRACE_GETREGS, rs->th->tid, 0, &r) == 0)
		at = r.rip;
	ns_err_set(rs->tr->err, "thread %d faulted (SIG%s "
		 "at 0x%llx) in %s", rs->th->tid, name ? name : "?",
		 (unsigned long long)at, what);
	return stop_work(rs);
}

/* At a syscall entry: 0 if the call may be made, -1 (stopped, tr->err)
 * if the filter would kill the thread for it, signal it, or hold it. */
static int check_entry(struct ns_remote *rs, double deadline, const char *what,
		       const struct __ptrace_syscall_info *info)
{
	struct ns_sc_call c = entry_call(info);
	struct ns_seccomp *sc = ns_remote_seccomp(rs);
	struct ns_err why = { 0 };
	char name[32];

	if (!sc)
		return -1;
	if (!ns_seccomp_harms(sc, &c))
		return 0;
	ns_seccomp_allows(sc, &c, &why);
	if (ns_remote_skip_call(rs, deadline) < 0)
		return -1;
	ns_err_set(rs->tr->err, "thread %d was stopped in %s "
		 "before %s: %s", rs->th->tid, what,
		 ns_sc_name(c.nr, name, sizeof(name)), why.msg);
	return stop_work(rs);
}

/* Event stops (group stop, interrupt) the thread may make between two
 * syscall stops, at most: a thread stopped again and again is not
 * followed for ever. */
#define EVENT_STOPS_MAX 10000

/* Resumes the borrowed thread to its next syscall stop before DEADLINE,
 * and says which (*INFO); an entry is judged (check_entry). Signals sent
 * to it meanwhile are kept for later; a fault stops the work. 1 at a
 * syscall stop, 0 at the deadline (the thread still runs), -1 (tr->err).
 * The one place that waits for a syscall stop of a target thread. */
static int step(struct ns_remote *rs, double deadline, const char *what,
		struct __ptrace_syscall_info *info)
{
	struct ns_thread *th = rs->th;

	for (int events = 0; events < EVENT_STOPS_MAX; events++) {
		siginfo_t si;
		int status, sig;

		if (ptrace(PTRACE_SYSCALL, th->tid, 0, 0) < 0) {
			ns_err_set(rs->tr->err, "cannot resume "
				 "thread %d: %s", th->tid, strerror(errno));
			return -1;
		}
		th->stopped = false;
		status = ns_tracee_wait_one(rs->tr, th, deadline);
		if (status == NS_WAIT_TIMEOUT)
			return 0;
		if (status < 0)
			return -1;
		sig = WSTOPSIG(status);
		if (status >> 16 == 0 && sig == (SIGTRAP | 0x80)) {
			if (ptrace(PTRACE_GET_SYSCALL_INFO, th->tid,
				   (void *)sizeof(*info), info) <= 0) {
				ns_err_set(rs->tr->err, "cannot "
					 "inspect the system call of thread %d: %s",
					 th->tid, strerror(errno));
				return -1;
			}
			if (info->op == PTRACE_SYSCALL_INFO_ENTRY &&
			    check_entry(rs, deadline, what, info) < 0)
				return -1;
			return 1;
		}
		if (status >> 16 == 0) {
			if (is_fault(th->tid, sig, &si))
				return fault(rs, sig, &si, what);
			th->pending_sig = sig;   /* delivered when resumed */
		}
		/* PTRACE_EVENT_STOP and others: go on. */
	}
	ns_err_set(rs->tr->err, "thread %d kept stopping "
		 "while it ran %s", th->tid, what);
	return -1;
}

static bool at_trap(const struct ns_trap *trap,
		    const struct __ptrace_syscall_info *info)
{
	if (info->op != trap->op)
		return false;
	if (trap->ip && info->instruction_pointer != trap->ip)
		return false;
	return trap->op != PTRACE_SYSCALL_INFO_ENTRY || trap->nr < 0 ||
	       (long)info->entry.nr == trap->nr;
}

enum ns_run_result ns_remote_run(struct ns_remote *rs,
				 const struct user_regs_struct *regs,
				 const struct ns_trap *trap, double deadline,
				 const char *what,
				 struct __ptrace_syscall_info *info)
{
	ns_maps_memo_forget();   /* the code it runs may map or unmap */
	if (regs && ns_remote_set_regs(rs, regs) < 0)
		return NS_RUN_FAILED;
	for (unsigned n = 0; !trap->stops || n < trap->stops; n++) {
		int k = step(rs, deadline, what, info);

		if (k <= 0)
			return k == 0 ? NS_RUN_LATE : NS_RUN_FAILED;
		if (at_trap(trap, info))
			return NS_RUN_TRAPPED;
	}
	return NS_RUN_MISSED;
}

/* ---- deadlines ------------------------------------------------------------ */

int ns_remote_interrupt(struct ns_remote *rs, double deadline)
{
	int status;

	if (ptrace(PTRACE_INTERRUPT, rs->th->tid, 0, 0) < 0) {
		ns_err_set(rs->tr->err, "cannot stop thread "
			 "%d: %s", rs->th->tid, strerror(errno));
		return -1;
	}
	status = ns_tracee_wait_one(rs->tr, rs->th, deadline);
	return status < 0 ? -1 : status;
}

void ns_remote_let_go(struct ns_remote *rs)
{
	struct ns_thread *th = rs->th;

	/* PTRACE_DETACH needs it stopped; one that will not stop stays
	 * traced until nonstop exits, which lets it go too. */
	if (ns_remote_interrupt(rs, ns_clock_s() + 1.0) >= 0)
		ptrace(PTRACE_DETACH, th->tid, 0, 0);
	th->gone = true;
	th->stopped = false;
	ns_remote_release(rs);
}
