/* borrow.h — choosing a thread of the target and borrowing it for a
 * function call (proc/call.h), for the calls nonstop makes into the
 * target: registering a patch's frames with libgcc (frames.c) and
 * running a patch's hooks (hooks.c).
 *
 * The function runs in the borrowed thread as if called from wherever
 * that thread was stopped (like a signal handler): a thread stopped while
 * holding a lock the function takes would wait for itself forever. The
 * caller says which locks the function may take, by class (patch.h: enum
 * ns_lock_class; for a hook, what the generator found in its code). The
 * threads are stopped one at a time and, if the function may take a lock,
 * unwound (with libdwfl, as the safety check does); the first none of
 * whose frames may hold one of those is borrowed — first among the
 * threads blocked in a system call, then among the others (not for a
 * function that may spin on a lock taken in place, which a thread stopped
 * outside a system call may hold), and last among those in a
 * nanosleep-like call (poll, futex or nanosleep with a timeout, which
 * only the kernel can continue: a nonstop that dies while such a thread
 * runs the call leaves that call failing with EINTR) — while the other
 * threads keep running (a lock one of them holds gets released). A thread
 * whose stack cannot be unwound is never borrowed for a function that may
 * take a lock; a function that takes none runs in any thread. In the
 * per-thread mode the thread is libnonstop's own, which holds no lock: it
 * is borrowed as it is. */
#ifndef NONSTOP_BORROW_H
#define NONSTOP_BORROW_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

#include "proc/remote.h"
#include "proc/tracee.h"
#include "transition/safety.h"

/* What a thread with a frame of FUNC (in MODULE) may hold: the classes of
 * patch.h's enum ns_lock_class (the unwinder's and the loader's are
 * NS_LOCK_OTHER; fork's, all of them). */
uint32_t ns_borrow_frame_locks(const char *func, const char *module);

/* A borrowed thread, with the frame that brings it back (RS). */
struct ns_borrow {
	struct ns_tracee *tr;
	struct ns_safety *safety;
	bool              own_safety;
	struct ns_remote  rs;
	bool              begun;
};

/* Chooses a thread of TR that may run a call taking LOCKS (patch.h: enum
 * ns_lock_class; NS_LOCKS_ALL: any lock) within TIMEOUT seconds, and
 * borrows it: one none of whose frames may hold one of LOCKS, and with
 * NS_LOCK_SPIN one stopped in a system call. SAFETY unwinds the threads
 * (NULL: made here, if LOCKS needs it). WHAT completes the message "no
 * thread ... was at a point where it could WHAT". 0, or -1 with tr->err
 * (-2: no thread was at such a point); call ns_unborrow() in every case. */
int ns_borrow(struct ns_borrow *b, struct ns_tracee *tr, struct ns_safety *s,
	      uint32_t locks, double timeout, const char *what);

/* Borrows thread TH of TR as it is (libnonstop's own thread). */
int ns_borrow_thread(struct ns_borrow *b, struct ns_tracee *tr,
		     struct ns_thread *th);

/* Whether some thread of TR is in [AT, AT + LEN): on a call's stub, about
 * to run a call (a nonstop died right after pointing it there). Stops
 * each thread for a moment. */
bool ns_borrow_thread_in(struct ns_tracee *tr, uint64_t at, uint64_t len);

/* Puts the borrowed thread back (unless a call let it go) and frees what
 * ns_borrow() took. 0, or -1 with tr->err (after an earlier failure,
 * that one stays the cause: util/err.h). */
int ns_unborrow(struct ns_borrow *b);
#endif
