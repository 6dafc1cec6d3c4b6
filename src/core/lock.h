/* lock.h — one nonstop at a time per target process.
 *
 * apply and revert let go of a process and take it again between their
 * steps (the switch detaches every thread; the release re-attaches to one).
 * A second nonstop slipping in between would act on a record the first
 * one is about to act on (a revert unmapping the memory of a concurrent
 * apply's patch). So each operation holds, from before it reads anything
 * until it is done, an exclusive flock on a lock file named for the
 * process: its pid and its start time (a pid the kernel gives to another
 * process later gets another lock). The kernel drops a flock when the
 * file's last descriptor closes, however its holder died: a killed
 * nonstop never leaves the lock held.
 *
 * The lock files live in a directory that only the user running nonstop
 * can write: /run/nonstop for root, else
 * $XDG_RUNTIME_DIR/nonstop, else /tmp/nonstop-UID. Two users running
 * nonstop on one process (root and its owner) use two directories; the
 * kernel's ptrace then keeps the second one out. */
#ifndef NONSTOP_CORE_LOCK_H
#define NONSTOP_CORE_LOCK_H
#include <stddef.h>
#include <sys/types.h>
#include "util/err.h"

struct ns_lock {
	int  fd;                      /* -1: not held */
	unsigned long long start;     /* the process's start time */
	char path[512];
};

#define NS_LOCK_INIT { .fd = -1 }

/* Takes the lock of process PID, without waiting. PID must be a process
 * (a thread group's leader): another thread's id would name another lock.
 * 0; 1 if another nonstop holds it; -1 if it cannot be taken (ERR says why
 * in each case: "another nonstop (pid M) is working on process N"). */
int ns_lock_take(pid_t pid, struct ns_lock *l, struct ns_err *err);

/* Once nonstop has seized the process (its pid cannot be reused while it
 * is held): 0 if PID is still the process whose lock L is, else -1 with
 * ERR (it exited, and its pid is another process's now). 0 if L is not
 * held (a caller under another's lock). */
int ns_lock_same_process(const struct ns_lock *l, pid_t pid, struct ns_err *err);

/* Releases it (removes the file). Idempotent. */
void ns_lock_drop(struct ns_lock *l);
#endif
