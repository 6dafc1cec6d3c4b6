/* remote.h — system calls run by a thread of the target on our behalf. */
#ifndef NONSTOP_REMOTE_H
#define NONSTOP_REMOTE_H
#include <stdbool.h>
#include <stdint.h>

#include <sys/ptrace.h>

#include "proc/gadgets.h"
#include "proc/seccomp.h"
#include "proc/tracee.h"

struct ns_remote {
	struct ns_tracee *tr;
	struct ns_thread *th;      /* the borrowed thread, stopped */
	struct user_regs_struct saved; /* its registers, restored at the end */
	struct ns_gadgets g;
	uint64_t sp;               /* rsp during our calls: the frame that
				      restores the thread (sigframe.h) */
	bool     ran;              /* a call ran: registers were changed */
	bool     masked;           /* its signals blocked while it runs ours */
	uint64_t mask;             /* its own signal mask */
	bool     sigreturned;      /* it went through rt_sigreturn on the
				      frame (call.c): the kernel forgot the
				      restart block of its interrupted call */
	/* A thread in a nanosleep-like call (ns_regs_in_restart_block) is
	 * brought back from a function call without rt_sigreturn, which
	 * would make that call fail with EINTR (call.c): BY_HAND. */
	bool     by_hand;
	/* Its FPU state as it was when borrowed: kept for a thread by hand
	 * (put back by ptrace after each call), and before any function
	 * call (put back if the call is stopped halfway: a fault). */
	uint8_t *fpstate;          /* NULL unless kept */
	size_t   fpstate_len;
	bool     fpstate_legacy;   /* PTRACE_GETFPREGS (no XSAVE) */
	struct ns_seccomp *sc;     /* its seccomp filters, read on first
				      need (proc/seccomp.h) */
};

/* Seconds a system call nonstop runs in the target may take: the calls
 * it runs (memfd_create, ftruncate, mmap, mprotect, munmap, close of its
 * memfd) never block, so a thread not back by then is stuck (in
 * uninterruptible sleep, or held by a seccomp supervisor). */
#define NS_REMOTE_SYSCALL_TIMEOUT 10.0

/* Stops one thread of TR (if not stopped already) and prepares it to run
 * system calls with gadgets G (NULL: find them now). From here until
 * ns_remote_end, if nonstop dies, the thread returns by itself to where it
 * was: our calls run at `syscall; ret` with rsp on a signal frame whose
 * return address is the restorer. 0, or -1 with tr->err. */
int ns_remote_begin(struct ns_remote *rs, struct ns_tracee *tr,
		    const struct ns_gadgets *g);

/* The same with thread TH of TR (the caller chose it: see call.h). */
int ns_remote_begin_on(struct ns_remote *rs, struct ns_tracee *tr,
		       struct ns_thread *th, const struct ns_gadgets *g);

/* Points the borrowed thread at registers R (their rsp on the frame) and,
 * with a frame, blocks its signals: what ns_remote_syscall does before a
 * call, for the other kinds of remote work of src/proc/ (call.c). 0, or -1
 * with tr->err. */
int ns_remote_set_regs(struct ns_remote *rs, const struct user_regs_struct *r);

/* 0 if the borrowed thread's seccomp filter lets C through
 * (proc/seccomp.h); -1 with tr->err naming the call, the process and
 * the filter's action. */
int ns_remote_allowed(struct ns_remote *rs, const struct ns_sc_call *c);

/* Runs system call NR with up to six arguments in the target, once its
 * seccomp filter is known to let it through, and the rt_sigreturn that
 * would follow it if nonstop died then. *RET gets the raw result (-errno
 * on failure). 0 if the call ran, -1 if it could not be run (tr->err
 * says why; the thread is then where ns_remote_end can put it back).
 * Bounded by NS_REMOTE_SYSCALL_TIMEOUT. */
int ns_remote_syscall(struct ns_remote *rs, long nr, int64_t *ret,
		      uint64_t a1, uint64_t a2, uint64_t a3,
		      uint64_t a4, uint64_t a5, uint64_t a6);

/* Adds to L the rt_sigreturn that brings a borrowed thread back through
 * its frame (at the restorer, or a call's stub), which runs by itself if
 * nonstop dies, with whatever argument registers were left. */
void ns_remote_syscalls(struct ns_sc_list *l);

/* Resumes the borrowed thread, which runs nonstop's work (WHAT: "the
 * function nonstop called"), to its next syscall stop before DEADLINE,
 * and says which (PTRACE_GET_SYSCALL_INFO). Signals sent to it meanwhile
 * are kept for later. A synchronous fault (SIGSEGV, SIGBUS, SIGILL,
 * SIGFPE, SIGSYS, a SIGTRAP not ours), or the entry of a system call its
 * seccomp filter would kill it for (or hold it in), stops the work at
 * once: the signal is never delivered, the call is never made, the
 * thread's FPU state is put back (if kept), and -1 with tr->err ("thread
 * N faulted (SIGSEGV at 0x1000) in the function nonstop called");
 * ns_remote_end then puts back its registers and mask. 1 at a syscall
 * stop, 0 at the deadline (the thread still runs nonstop's work), -1. */
int ns_remote_step(struct ns_remote *rs, double deadline, const char *what,
		   struct __ptrace_syscall_info *info);

/* At the entry stop of a system call of the borrowed thread: lets it go
 * through without the call being made (the thread then stops at its
 * exit, its registers as they were, but rax). The kernel still shows the
 * filter a call there: one the filter lets through harmlessly is put in
 * its place. 0, or -1 with tr->err. */
int ns_remote_skip_call(struct ns_remote *rs, double deadline);

/* Releases the borrowed thread, which runs nonstop's work, to finish it
 * by itself and come back through its frame (a function call that does
 * not return in time). It is no longer traced: marked gone. */
void ns_remote_let_go(struct ns_remote *rs);

/* Calls FN(A1, A2) in the borrowed thread the way the kernel runs a signal
 * handler: with rsp on the thread's signal frame, whose return address is
 * the restorer; when FN returns, the thread rt_sigreturns to where it was
 * and nonstop takes it back there. If nonstop dies meanwhile, FN still
 * completes and the thread returns by itself. FN's return value is lost
 * (the restorer loads rax): FN must report through memory. If FN has not
 * returned within TIMEOUT seconds, the thread is let go
 * (ns_remote_let_go) to finish it. 0, or -1 with tr->err. */
int ns_remote_call_handler(struct ns_remote *rs, uint64_t fn, uint64_t a1,
			   uint64_t a2, double timeout);

/* Keeps the FPU state of the borrowed thread (before a function call),
 * unless kept already. 0, or -1 with tr->err. */
int ns_remote_keep_fpstate(struct ns_remote *rs);

/* Puts back the FPU state the borrowed thread had when it was kept
 * (rs->fpstate; nothing if none). 0, or -1 with tr->err. */
int ns_remote_restore_fpstate(struct ns_remote *rs);

/* Frees what RS holds (kept FPU state, seccomp filters) without touching
 * the thread: for a thread gone or let go (ns_remote_end does it). */
void ns_remote_release(struct ns_remote *rs);

/* Restores the borrowed thread exactly as it was (an interrupted blocking
 * system call is restarted, not failed with EINTR) and resumes it, unless
 * KEEP_STOPPED (it is then released with the others). */
int ns_remote_end(struct ns_remote *rs, bool keep_stopped);
#endif
