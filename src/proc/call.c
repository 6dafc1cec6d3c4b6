/* call.c — calling a function of the target in a borrowed thread (see
 * call.h for the protocol and which thread).
 *
 * The thread is already borrowed (ns_remote_begin*): stopped, its state in
 * a signal frame on its stack, rs->sp the frame. We point it at the stub
 * with r12 = function, r13 = slot, rdi/rsi = arguments, rsp = the frame,
 * and let it run with PTRACE_SYSCALL, passing over the system calls the
 * function makes, until the stub's rt_sigreturn. That rt_sigreturn is let
 * run: the kernel restores the thread from the frame — registers, FPU and
 * vector state (the function may have used them), signal mask — and we
 * hold the thread at the syscall's exit, home again, where it can run
 * more system calls for us or be resumed (ns_remote_end). The same
 * rt_sigreturn is what brings the thread back if nonstop dies meanwhile.
 *
 * Except for a thread borrowed in a nanosleep-like call (poll, futex or
 * nanosleep with a timeout): rt_sigreturn makes the kernel forget how to
 * go on with it, and the call would fail with EINTR. For that thread the
 * rt_sigreturn is skipped (the thread is held at its entry, and set back
 * on it once skipped, so that a death of nonstop still lets it run), and
 * nonstop restores the thread itself: FPU state by ptrace from what it
 * read when it borrowed the thread, registers and mask at ns_remote_end.
 *
 * Before the call, the stub's rt_sigreturn is judged against the thread's
 * seccomp filter (it ends the call even if nonstop dies), and the
 * thread's FPU state is kept: a function that faults, or is about to make
 * a system call its filter would kill it for, is stopped there
 * (ns_remote_step) and the thread put back by ptrace, FPU state included.
 *
 * Stub (entered with rsp = frame, which is 8 mod 16):
 *     movl $1, 8(%r13)        started
 *     sub  $8, %rsp           16-byte alignment at the call
 *     call *%r12
 *     add  $8, %rsp
 *     mov  %rax, (%r13)       result
 *     movl $1, 12(%r13)       done
 *     add  $8, %rsp           rsp = the ucontext, as a handler's return
 *     mov  $15, %eax          leaves it for the restorer
 *     syscall                 rt_sigreturn
 *     ud2                     (rt_sigreturn does not return) */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>

#include "proc/call.h"
#include "proc/mem.h"
#include "util/clock.h"
#include "util/fault.h"

__asm__(
	".pushsection .rodata.ns_call_stub, \"a\"\n"
	".balign 16\n"
	"ns_call_stub_start:\n"
	"	movl  $1, 8(%r13)\n"
	"	sub   $8, %rsp\n"
	"	call  *%r12\n"
	"	add   $8, %rsp\n"
	"	mov   %rax, (%r13)\n"
	"	movl  $1, 12(%r13)\n"
	"	add   $8, %rsp\n"
	"	mov   $15, %eax\n"
	"	syscall\n"
	"ns_call_stub_sigreturned:\n"
	"	ud2\n"
	"ns_call_stub_end:\n"
	".popsection\n");

extern const uint8_t ns_call_stub_start[], ns_call_stub_sigreturned[],
		     ns_call_stub_end[];

_Static_assert(sizeof(struct ns_call_slot) == 16, "call slot layout");

const uint8_t *ns_call_stub_code(size_t *size)
{
	*size = (size_t)(ns_call_stub_end - ns_call_stub_start);
	return ns_call_stub_start;
}

/* The call did not return in time: release the thread, which finishes
 * the call and rt_sigreturns by itself. From here nonstop does not touch
 * it (it is no longer traced: marked gone for this tracee). */
static int let_go(struct ns_remote *rs, double timeout)
{
	int tid = rs->th->tid;

	ns_remote_let_go(rs);
	snprintf(rs->tr->err, sizeof(rs->tr->err), "thread %d did not return "
		 "from the function nonstop called in it within %.3g s (it "
		 "may be waiting for a lock); it finishes the call by itself",
		 tid, timeout);
	return NS_CALL_LET_GO;
}

static const char WHAT[] = "the function nonstop called";

/* At the entry of the stub's rt_sigreturn of a thread kept by hand (see
 * struct ns_remote): the call is skipped, and at its exit the thread is
 * set back on that `syscall` with rax = rt_sigreturn, so that if nonstop
 * dies from here the thread still returns by itself. The caller then
 * puts its FPU state back and ns_remote_end its registers. */
static int skip_sigreturn(struct ns_remote *rs, double deadline)
{
	struct user_regs_struct r;

	if (ptrace(PTRACE_GETREGS, rs->th->tid, 0, &r) < 0)
		goto fail;
	if (ns_remote_skip_call(rs, deadline) < 0)
		return NS_CALL_FAILED;
	r.rip -= 2;
	r.rax = SYS_rt_sigreturn;
	r.orig_rax = (uint64_t)-1;   /* no syscall restart on the way out */
	if (ptrace(PTRACE_SETREGS, rs->th->tid, 0, &r) < 0)
		goto fail;
	return NS_CALL_OK;
fail:
	snprintf(rs->tr->err, sizeof(rs->tr->err), "cannot bring thread %d "
		 "back from the function nonstop called in it: %s", rs->th->tid,
		 strerror(errno));
	return NS_CALL_FAILED;
}

/* Runs the thread until the stub's rt_sigreturn has restored it (or, for a
 * thread kept by hand, until it is skipped). */
static int run_call(struct ns_remote *rs, uint64_t stub, double deadline,
		    double timeout)
{
	uint64_t sigreturn_at = stub + (uint64_t)(ns_call_stub_sigreturned -
						  ns_call_stub_start);
	struct __ptrace_syscall_info info;
	bool entered = false;
	int k;

	for (;;) {
		k = ns_remote_step(rs, deadline, WHAT, &info);
		if (k == 0)
			return entered ? NS_CALL_FAILED : let_go(rs, timeout);
		if (k < 0)
			return NS_CALL_FAILED;
		if (!entered && info.op == PTRACE_SYSCALL_INFO_ENTRY &&
		    info.entry.nr == SYS_rt_sigreturn &&
		    info.instruction_pointer == sigreturn_at) {
			if (rs->by_hand)
				return skip_sigreturn(rs, deadline);
			entered = true;
		} else if (entered && info.op == PTRACE_SYSCALL_INFO_EXIT) {
			return NS_CALL_OK;
		}
	}
}

/* Whether the stub's rt_sigreturn may run in the thread: it ends every
 * call, even if nonstop dies meanwhile, with the argument registers the
 * function leaves. Then the FPU state, put back if the call stops
 * halfway. */
static int prepare(struct ns_remote *rs, uint64_t stub)
{
	uint64_t at = stub + (uint64_t)(ns_call_stub_sigreturned -
					ns_call_stub_start);
	struct ns_sc_call back = {
		.name = "rt_sigreturn", .nr = SYS_rt_sigreturn, .ip = at,
		.known = NS_SC_IP,
	};

	if (ns_remote_allowed(rs, &back) < 0 || ns_remote_keep_fpstate(rs) < 0)
		return -1;
	return 0;
}

int ns_remote_call(struct ns_remote *rs, uint64_t stub, uint64_t slot,
		   uint64_t fn, uint64_t a1, uint64_t a2, double timeout,
		   uint64_t *ret)
{
	struct user_regs_struct r = rs->saved;
	struct ns_call_slot s = { 0 };
	int rc;

	if (ns_fault("call a function in the target")) {
		snprintf(rs->tr->err, sizeof(rs->tr->err), "fault injected");
		return NS_CALL_FAILED;
	}
	if (!rs->g.sigreturn) {
		snprintf(rs->tr->err, sizeof(rs->tr->err), "process %d has no "
			 "signal restorer (__restore_rt): a function call in it "
			 "could not bring the thread back", rs->tr->pid);
		return NS_CALL_FAILED;
	}
	if (prepare(rs, stub) < 0)
		return NS_CALL_FAILED;
	if (ns_mem_write(rs->tr->mem_fd, slot, &s, sizeof(s)) < 0) {
		snprintf(rs->tr->err, sizeof(rs->tr->err), "cannot write to "
			 "process %d: %s", rs->tr->pid, strerror(errno));
		return NS_CALL_FAILED;
	}
	r.rip = stub;
	r.rsp = rs->sp;
	r.r12 = fn;
	r.r13 = slot;
	r.rdi = a1;
	r.rsi = a2;
	r.rax = 0;
	r.orig_rax = (uint64_t)-1;   /* no syscall restart on the way out */
	r.eflags &= ~(uint64_t)0x400; /* DF clear, as the ABI wants at a call */
	if (ns_remote_set_regs(rs, &r) < 0)
		return NS_CALL_FAILED;
	rc = run_call(rs, stub, ns_clock_s() + timeout, timeout);
	if (rc != NS_CALL_OK)
		return rc;
	if (rs->by_hand) {
		/* Kept by hand: its FPU state back now, its registers and
		 * mask at ns_remote_end; the kernel still knows how to go on
		 * with its interrupted call. */
		if (ns_remote_restore_fpstate(rs) < 0)
			return NS_CALL_FAILED;
	} else {
		/* Home again, mask included: a next remote call blocks the
		 * signals anew. */
		rs->sigreturned = true;
		rs->masked = false;
	}
	if (ns_mem_read(rs->tr->mem_fd, slot, &s, sizeof(s)) < 0 || !s.done) {
		snprintf(rs->tr->err, sizeof(rs->tr->err), "the function "
			 "nonstop called in thread %d did not report back",
			 rs->th->tid);
		return NS_CALL_FAILED;
	}
	*ret = s.ret;
	return NS_CALL_OK;
}
