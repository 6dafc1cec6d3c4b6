/* syscall.c — a system call the borrowed thread runs for nonstop (see
 * remote.h, ns_remote_syscall): judged against its seccomp filter with
 * the rt_sigreturn that would follow it, run at the `syscall; ret` gadget
 * by ns_remote_run (run.h) to the exit of that call, and abandoned at
 * NS_REMOTE_SYSCALL_TIMEOUT. Borrowing the thread and putting it back is
 * remote.c's. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "proc/remote.h"
#include "proc/run.h"
#include "util/clock.h"
#include "util/fault.h"

/* A system call that did not come back in time: the thread is
 * interrupted (the call is abandoned) and held for ns_remote_end to put
 * back. */
static int abandon(struct ns_remote *rs, const char *call)
{
	int status;

	/* The cause, set first: what fails while putting it back does not
	 * replace it (util/err.h). */
	ns_err_set(rs->tr->err, "thread %d did not finish %s within %.3g s",
		   rs->th->tid, call, NS_REMOTE_SYSCALL_TIMEOUT);
	status = ns_remote_interrupt(rs, ns_clock_s() +
				     NS_REMOTE_SYSCALL_TIMEOUT);
	if (status < 0) {
		/* Still in it: left to come back through its frame when
		 * nonstop lets it go. */
		rs->th->gone = true;
		ns_remote_release(rs);
	} else if (status >> 16 == 0 && WSTOPSIG(status) != (SIGTRAP | 0x80)) {
		rs->th->pending_sig = WSTOPSIG(status);
	}
	return -1;
}

/* Whether the thread may run CALL (ARGS, at the gadget), and the
 * rt_sigreturn of its frame after it: what runs if nonstop dies then. */
static int syscall_allowed(struct ns_remote *rs, const char *call, long nr,
			   const uint64_t args[6])
{
	struct ns_sc_call c = {
		.name = call, .nr = (int)nr, .ip = rs->g.syscall + 2,
		.known = NS_SC_ALL,
	};

	memcpy(c.args, args, sizeof(c.args));
	if (ns_remote_allowed(rs, &c) < 0)
		return -1;
	if (!rs->g.sigreturn)
		return 0;
	c.name = "rt_sigreturn";
	c.nr = SYS_rt_sigreturn;
	c.ip = rs->g.sigreturn + NS_RESTORER_LEN;
	return ns_remote_allowed(rs, &c);
}

int ns_remote_syscall(struct ns_remote *rs, long nr, int64_t *ret,
		      uint64_t a1, uint64_t a2, uint64_t a3,
		      uint64_t a4, uint64_t a5, uint64_t a6)
{
	const uint64_t args[6] = { a1, a2, a3, a4, a5, a6 };
	/* The exit of the call made at the gadget, among the first 8 syscall
	 * stops: the kernel says which stop is which, so a stop we did not
	 * expect (a system call of the thread's own being finished) is never
	 * taken for our result. */
	const struct ns_trap at_exit = {
		.op = PTRACE_SYSCALL_INFO_EXIT, .nr = -1,
		.ip = rs->g.syscall + 2, .stops = 8,
	};
	struct __ptrace_syscall_info info;
	struct user_regs_struct r = rs->saved;
	char name[32];
	const char *call = ns_sc_name((int)nr, name, sizeof(name));

	if (ns_fault("run a system call in the target")) {
		ns_err_set(rs->tr->err, "fault injected");
		return -1;
	}
	if (syscall_allowed(rs, call, nr, args) < 0)
		return -1;
	r.rip = rs->g.syscall;
	r.rsp = rs->sp;
	r.rax = (uint64_t)nr;
	r.orig_rax = (uint64_t)-1; /* no restart logic on the way out */
	r.rdi = a1;
	r.rsi = a2;
	r.rdx = a3;
	r.r10 = a4;
	r.r8 = a5;
	r.r9 = a6;
	switch (ns_remote_run(rs, &r, &at_exit,
			      ns_clock_s() + NS_REMOTE_SYSCALL_TIMEOUT,
			      "the system call nonstop ran", &info)) {
	case NS_RUN_TRAPPED:
		*ret = info.exit.rval;
		return 0;
	case NS_RUN_LATE:
		return abandon(rs, call);
	case NS_RUN_MISSED:
		ns_err_set(rs->tr->err, "thread %d did not "
			 "finish the system call nonstop asked of it",
			 rs->th->tid);
		return -1;
	default:
		return -1;
	}
}
