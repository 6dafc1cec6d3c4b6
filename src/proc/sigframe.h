/* sigframe.h — a signal frame that returns a stopped thread to where it was.
 *
 * Whenever nonstop moves a thread of the target away from its own code (to
 * run a system call for us, or to hold it at the commit gate), the thread
 * must be able to get back on its own if nonstop dies at that moment: the
 * kernel then releases every thread at once, with whatever registers it has.
 * So before we move a thread we push, below its red zone, the frame the
 * kernel itself would push for a signal handler (struct rt_sigframe, with
 * the thread's registers, extended FPU state and signal mask). Whatever
 * runs in the thread afterwards ends with rt_sigreturn on that frame, and
 * the kernel restores the thread exactly. */
#ifndef NONSTOP_SIGFRAME_H
#define NONSTOP_SIGFRAME_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/user.h>

#include "proc/maps.h"
#include "proc/tracee.h"

/* Bytes below a frame that stay free for the caller (a string argument of
 * a system call run by the thread), checked to be on the stack too. */
#define NS_SIGFRAME_SCRATCH 512

/* Room for a thread's FPU state as PTRACE_GETREGSET (NT_X86_XSTATE) gives
 * it. */
#define NS_FPSTATE_MAX (16 * 1024)

/* Writes onto the stack of the stopped thread TH a frame that resumes it
 * with registers RESUME (their rsp decides where the stack is), and its
 * current extended state and signal mask. The frame's first word (the
 * return address of a signal handler) is RET. *SP gets the frame's address:
 * run code with rsp = *SP; a `ret` there goes to RET, and rt_sigreturn
 * with rsp = *SP + 8 restores the thread. LINK goes into uc_link, which
 * rt_sigreturn ignores: a note for code that returns the thread without
 * it (the commit gate, gate.h). MAPS (of the target) is used to check that
 * the stack has room. 0, or -1 with tr->err. */
int ns_sigframe_push(struct ns_tracee *tr, struct ns_thread *th,
		     const struct ns_maps *maps,
		     const struct user_regs_struct *resume, uint64_t ret,
		     uint64_t link, uint64_t *sp);
/* The FPU part of a frame for code that saves the thread's state into it
 * itself (the commit gate: XSAVE, and its signal mask with
 * rt_sigprocmask), so that pushing it reads nothing of the thread: the
 * layout of one thread's image (the same in every thread of a process:
 * the features the kernel enabled, less AMX), its content zero. */
struct ns_fp_blank {
	uint8_t *buf;
	size_t   len;
};
int ns_sigframe_blank_read(struct ns_tracee *tr, struct ns_thread *th,
			   struct ns_fp_blank *b);
void ns_sigframe_blank_free(struct ns_fp_blank *b);

/* As ns_sigframe_push(), RET 0, but with the FPU image B and a zero
 * signal mask: the code the thread runs must save both into the frame
 * before rt_sigreturn (gate.c does). */
int ns_sigframe_push_blank(struct ns_tracee *tr, struct ns_thread *th,
			   const struct ns_maps *maps, const struct ns_fp_blank *b,
			   const struct user_regs_struct *resume, uint64_t link,
			   uint64_t *sp);

/* True if TH (stopped, th->regs loaded) sits in a system call interrupted
 * with -ERESTART_RESTARTBLOCK (nanosleep, poll or futex with a timeout,
 * or restart_syscall itself), or about to continue one (rax =
 * restart_syscall at its `syscall`, stopped again before it ran): only
 * the kernel's restart block knows how much of its time is left, and
 * rt_sigreturn forgets it. */
bool ns_regs_in_restart_block(const struct user_regs_struct *r);
/* Turns the registers of a thread stopped in an interrupted, restartable
 * system call into registers that re-issue the call when they are resumed
 * without the kernel's help (AFTER_SIGRETURN, or from a syscall-exit
 * stop): back over the `syscall`, call number reloaded; nanosleep-like
 * calls continue with restart_syscall, or, after rt_sigreturn (which
 * forgets what restart_syscall needs), start over. Other registers are
 * unchanged; orig_rax becomes -1, except for a call left to
 * restart_syscall (which must still be seen as one). */
void ns_regs_restart_syscall(struct user_regs_struct *r, bool after_sigreturn);
#endif
