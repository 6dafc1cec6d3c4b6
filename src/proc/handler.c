/* handler.c — a function run in a borrowed thread as a signal handler,
 * brought back through the rt_sigreturn that ends it, or by hand (see
 * handler.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>

#include "proc/handler.h"
#include "proc/run.h"
#include "util/clock.h"
#include "util/fault.h"

static const char WHAT[] = "the function nonstop called";

int ns_remote_handler_prepare(struct ns_remote *rs, uint64_t back)
{
	struct ns_sc_call c = {
		.name = "rt_sigreturn", .nr = SYS_rt_sigreturn, .ip = back,
		.known = NS_SC_IP,
	};

	if (ns_remote_allowed(rs, &c) < 0 || ns_remote_keep_fpstate(rs) < 0)
		return -1;
	return 0;
}

/* At the entry of the rt_sigreturn of a thread kept by hand: the call is
 * skipped, and at its exit the thread is set back on that `syscall` with
 * rax = rt_sigreturn, so that if nonstop dies from here the thread still
 * returns by itself. Then its FPU state back; ns_remote_end puts back its
 * registers and mask, and the kernel still knows how to go on with its
 * interrupted call. */
static enum ns_handler_result skip_sigreturn(struct ns_remote *rs,
					     double deadline)
{
	struct user_regs_struct r;

	if (ptrace(PTRACE_GETREGS, rs->th->tid, 0, &r) < 0)
		goto fail;
	if (ns_remote_skip_call(rs, deadline) < 0)
		return NS_HANDLER_FAILED;
	r.rip -= 2;
	r.rax = SYS_rt_sigreturn;
	r.orig_rax = (uint64_t)-1;   /* no syscall restart on the way out */
	if (ptrace(PTRACE_SETREGS, rs->th->tid, 0, &r) < 0)
		goto fail;
	if (ns_remote_restore_fpstate(rs) < 0)
		return NS_HANDLER_FAILED;
	return NS_HANDLER_OK;
fail:
	ns_err_set(rs->tr->err, "cannot bring thread %d "
		 "back from the function nonstop called in it: %s", rs->th->tid,
		 strerror(errno));
	return NS_HANDLER_FAILED;
}

enum ns_handler_result ns_remote_run_handler(struct ns_remote *rs,
					     const struct user_regs_struct *r,
					     uint64_t back, double deadline)
{
	const struct ns_trap entry = {
		.op = PTRACE_SYSCALL_INFO_ENTRY, .nr = SYS_rt_sigreturn,
		.ip = back,
	};
	/* The stop after that entry: its exit, the thread home. */
	const struct ns_trap home = { .op = PTRACE_SYSCALL_INFO_EXIT, .nr = -1 };
	struct __ptrace_syscall_info info;

	switch (ns_remote_run(rs, r, &entry, deadline, WHAT, &info)) {
	case NS_RUN_TRAPPED:
		break;
	case NS_RUN_LATE:
		ns_remote_let_go(rs);
		return NS_HANDLER_LET_GO;
	default:
		return NS_HANDLER_FAILED;
	}
	if (rs->by_hand)
		return skip_sigreturn(rs, deadline);
	switch (ns_remote_run(rs, NULL, &home, deadline, WHAT, &info)) {
	case NS_RUN_TRAPPED:
		break;
	case NS_RUN_LATE:
		return NS_HANDLER_LATE_BACK;
	default:
		return NS_HANDLER_FAILED;
	}
	/* rt_sigreturn put back the thread's own signal mask (a next remote
	 * call blocks the signals anew) and FPU state, and made the kernel
	 * forget the restart block of its interrupted call. */
	rs->masked = false;
	rs->sigreturned = true;
	return NS_HANDLER_OK;
}

int ns_remote_call_handler(struct ns_remote *rs, uint64_t fn, uint64_t a1,
			   uint64_t a2, double timeout)
{
	struct user_regs_struct r = rs->saved;
	uint64_t back = rs->g.sigreturn + NS_RESTORER_LEN;
	int tid = rs->th->tid;

	if (!rs->g.sigreturn) {
		ns_err_set(rs->tr->err, "process %d has no "
			 "signal restorer (__restore_rt) to return through",
			 (int)rs->tr->pid);
		return -1;
	}
	if (ns_fault("call a function in the target")) {
		ns_err_set(rs->tr->err, "fault injected");
		return -1;
	}
	if (ns_remote_handler_prepare(rs, back) < 0)
		return -1;
	r.rip = fn;
	r.rsp = rs->sp;     /* [rsp] is the restorer: FN returns into it */
	r.rax = 0;
	r.orig_rax = (uint64_t)-1;
	r.rdi = a1;
	r.rsi = a2;
	switch (ns_remote_run_handler(rs, &r, back, ns_clock_s() + timeout)) {
	case NS_HANDLER_OK:
		return 0;
	case NS_HANDLER_LATE_BACK:
		ns_remote_let_go(rs);
		/* fall through */
	case NS_HANDLER_LET_GO:
		/* What the runner said on the way (a stop that did not
		 * come) is part of this: said as this. */
		ns_err_replace(rs->tr->err, "thread %d did not "
			 "return from the function nonstop called in it within "
			 "%.3g s; it finishes the call by itself", tid, timeout);
		return -1;
	default:
		return -1;
	}
}
