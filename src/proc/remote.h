/* remote.h — system calls run by a thread of the target on our behalf. */
#ifndef NONSTOP_REMOTE_H
#define NONSTOP_REMOTE_H
#include <stdbool.h>
#include <stdint.h>

#include "proc/tracee.h"

struct ns_remote {
	struct ns_tracee *tr;
	struct ns_thread *th;      /* the borrowed thread, stopped */
	struct user_regs_struct saved; /* its registers, restored at the end */
	uint64_t gadget;           /* address of a `syscall` instruction */
	bool     ran;              /* a call ran: registers were changed */
};

/* Finds an existing `syscall` instruction in the target's executable
 * memory (the vDSO first): nothing is ever written to the target's code. */
int ns_remote_find_gadget(struct ns_tracee *tr, uint64_t *addr);

/* Stops one thread of TR (if not stopped already) and prepares it to run
 * system calls at GADGET (0: find one now). 0, or -1 with tr->err. */
int ns_remote_begin(struct ns_remote *rs, struct ns_tracee *tr, uint64_t gadget);

/* Runs system call NR with up to six arguments in the target. *RET gets the
 * raw result (-errno on failure). 0 if the call ran, -1 if it could not be
 * run (tr->err says why). */
int ns_remote_syscall(struct ns_remote *rs, long nr, int64_t *ret,
		      uint64_t a1, uint64_t a2, uint64_t a3,
		      uint64_t a4, uint64_t a5, uint64_t a6);

/* Restores the borrowed thread exactly as it was (an interrupted blocking
 * system call is restarted, not failed with EINTR) and resumes it, unless
 * KEEP_STOPPED (it is then released with the others). */
int ns_remote_end(struct ns_remote *rs, bool keep_stopped);
#endif
