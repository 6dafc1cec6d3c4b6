/* call.c — calling a function of the target in a borrowed thread through
 * a stub (see call.h for the protocol and which thread).
 *
 * The thread is already borrowed (ns_remote_begin*): stopped, its state in
 * a signal frame on its stack, rs->sp the frame. We zero the slot and
 * point the thread at the stub with r12 = function, r13 = slot, rdi/rsi =
 * arguments, rsp = the frame; the stub is then run as a signal handler
 * whose rt_sigreturn is its own (handler.h: the stub's rt_sigreturn judged
 * against the thread's seccomp filter and the FPU state kept before; every
 * system call of the function judged, a fault stopped, on the way; the
 * thread home through that rt_sigreturn, or by hand for a thread in a
 * nanosleep-like call). This file owns the stub and its slot: the
 * function's result, and whether it started and returned, which a later
 * nonstop reads if this one died or let the call go.
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
#include <stdio.h>
#include <string.h>
#include <sys/user.h>

#include "proc/call.h"
#include "proc/handler.h"
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

int ns_remote_call(struct ns_remote *rs, uint64_t stub, uint64_t slot,
		   uint64_t fn, uint64_t a1, uint64_t a2, double timeout,
		   uint64_t *ret)
{
	struct user_regs_struct r = rs->saved;
	struct ns_call_slot s = { 0 };
	uint64_t back = stub + (uint64_t)(ns_call_stub_sigreturned -
					  ns_call_stub_start);
	int tid = rs->th->tid;

	if (ns_fault("call a function in the target")) {
		ns_err_set(rs->tr->err, "fault injected");
		return NS_CALL_FAILED;
	}
	if (!rs->g.sigreturn) {
		ns_err_set(rs->tr->err, "process %d has no "
			 "signal restorer (__restore_rt): a function call in it "
			 "could not bring the thread back", rs->tr->pid);
		return NS_CALL_FAILED;
	}
	if (ns_remote_handler_prepare(rs, back) < 0)
		return NS_CALL_FAILED;
	if (ns_mem_write(rs->tr->mem_fd, slot, &s, sizeof(s)) < 0) {
		ns_err_set(rs->tr->err, "cannot write to "
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
	switch (ns_remote_run_handler(rs, &r, back, ns_clock_s() + timeout)) {
	case NS_HANDLER_OK:
		break;
	case NS_HANDLER_LET_GO:
		/* Released: it finishes the call and rt_sigreturns by
		 * itself; nonstop no longer touches it. */
		/* What the runner said on the way (a stop that did not
		 * come) is part of this: said as this. */
		ns_err_replace(rs->tr->err, "thread %d did not "
			 "return from the function nonstop called in it within "
			 "%.3g s (it may be waiting for a lock); it finishes the "
			 "call by itself", tid, timeout);
		return NS_CALL_LET_GO;
	default:
		return NS_CALL_FAILED;
	}
	if (ns_mem_read(rs->tr->mem_fd, slot, &s, sizeof(s)) < 0 || !s.done) {
		ns_err_set(rs->tr->err, "the function "
			 "nonstop called in thread %d did not report back",
			 rs->th->tid);
		return NS_CALL_FAILED;
	}
	*ret = s.ret;
	return NS_CALL_OK;
}
