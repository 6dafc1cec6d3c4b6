/* eintr.h — system calls that our stop cut short with EINTR, set to run
 * again.
 *
 * Most blocking calls interrupted by PTRACE_INTERRUPT come back with an
 * -ERESTART* code, and the kernel re-issues them when the thread resumes.
 * A few never restart (epoll_wait, semop, io_getevents, and socket calls
 * under SO_RCVTIMEO/SO_SNDTIMEO): the interrupt alone makes them fail with
 * EINTR, which the program would see although it got no signal. For those
 * calls, at a stop where no signal is waiting to be delivered (then the
 * EINTR is ours alone), we back the thread up over its `syscall` so that
 * it re-issues the call, as the kernel does for the others. */
#ifndef NONSTOP_EINTR_H
#define NONSTOP_EINTR_H
#include <stddef.h>
#include <sys/types.h>
#include <sys/user.h>
#include "util/err.h"

/* Thread TID of process PID is stopped with registers R: rewinds it (R
 * and the thread's registers both) if it sits on an EINTR that our stop
 * caused. 0, or -1 with ERR (registers not written). It knows nothing of
 * the tracee (tracee.c calls it at each stop). */
int ns_eintr_rewind(pid_t pid, pid_t tid, struct user_regs_struct *regs,
		    struct ns_err *err);
#endif
