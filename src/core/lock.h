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

struct ns_lock {
	int  fd;                      /* -1: not held */
	char path[512];
};

#define NS_LOCK_INIT { .fd = -1 }

/* Takes the lock of process PID, without waiting. 0; 1 if another nonstop
 * holds it; -1 if it cannot be taken (ERR says why in each case: "another
 * nonstop (pid M) is working on process N"). */
int ns_lock_take(pid_t pid, struct ns_lock *l, char *err, size_t errlen);

/* Releases it (removes the file). Idempotent. */
void ns_lock_drop(struct ns_lock *l);
#endif
