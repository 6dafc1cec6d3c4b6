/* remote.h — system calls run by a thread of the target on our behalf. */
#ifndef NONSTOP_REMOTE_H
#define NONSTOP_REMOTE_H
#include <stdbool.h>
#include <stdint.h>

#include "proc/tracee.h"

/* Code that already exists in the target and that we borrow: nothing is
 * ever written to the target's code. */
struct ns_gadgets {
	uint64_t syscall;          /* `syscall; ret` */
	uint64_t sigreturn;        /* glibc's __restore_rt (`mov $15, %rax;
				      syscall`), 0 if none */
};

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
	 * would make that call fail with EINTR (call.c): its FPU state,
	 * kept here, is then put back by ptrace. */
	uint8_t *fpstate;          /* NULL unless so */
	size_t   fpstate_len;
	bool     fpstate_legacy;   /* PTRACE_GETFPREGS (no XSAVE) */
};

/* Finds the gadgets in the target's executable memory (the vDSO first). */
int ns_remote_find_gadgets(struct ns_tracee *tr, struct ns_gadgets *g);

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

/* Runs system call NR with up to six arguments in the target. *RET gets the
 * raw result (-errno on failure). 0 if the call ran, -1 if it could not be
 * run (tr->err says why). */
int ns_remote_syscall(struct ns_remote *rs, long nr, int64_t *ret,
		      uint64_t a1, uint64_t a2, uint64_t a3,
		      uint64_t a4, uint64_t a5, uint64_t a6);

/* Bytes of glibc's restorer, up to and with its `syscall`. */
#define NS_RESTORER_LEN 9

/* Calls FN(A1, A2) in the borrowed thread the way the kernel runs a signal
 * handler: with rsp on the thread's signal frame, whose return address is
 * the restorer; when FN returns, the thread rt_sigreturns to where it was
 * and nonstop takes it back there. If nonstop dies meanwhile, FN still
 * completes and the thread returns by itself. FN's return value is lost
 * (the restorer loads rax): FN must report through memory. 0, or -1 with
 * tr->err. */
int ns_remote_call_handler(struct ns_remote *rs, uint64_t fn, uint64_t a1,
			   uint64_t a2);

/* Puts back the FPU state the borrowed thread had when it was borrowed
 * (kept only for a thread in a nanosleep-like call: rs->fpstate). 0, or
 * -1 with tr->err. */
int ns_remote_restore_fpstate(struct ns_remote *rs);

/* Forgets the kept FPU state (ns_remote_end does it). */
void ns_remote_drop_fpstate(struct ns_remote *rs);

/* Restores the borrowed thread exactly as it was (an interrupted blocking
 * system call is restarted, not failed with EINTR) and resumes it, unless
 * KEEP_STOPPED (it is then released with the others). */
int ns_remote_end(struct ns_remote *rs, bool keep_stopped);
#endif
