/* remote.h — a thread of the target borrowed to run nonstop's work: its
 * system calls here, functions in handler.h and call.h, all of it run by
 * ns_remote_run (run.h). */
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
				      frame (handler.h): the kernel forgot
				      the restart block of its interrupted
				      call */
	/* A thread in a nanosleep-like call (ns_regs_in_restart_block) is
	 * brought back from a function call without rt_sigreturn, which
	 * would make that call fail with EINTR (handler.h): BY_HAND. */
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
 * call, for every kind of remote work (ns_remote_run). 0, or -1 with
 * tr->err. */
int ns_remote_set_regs(struct ns_remote *rs, const struct user_regs_struct *r);

/* The borrowed thread's seccomp state, read on first need (it is
 * stopped); NULL with tr->err if it cannot be read. */
struct ns_seccomp *ns_remote_seccomp(struct ns_remote *rs);

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
