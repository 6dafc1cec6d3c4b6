/* borrow.h — choosing a thread of the target and borrowing it for a
 * function call (proc/call.h), for the calls nonstop makes into the
 * target: registering a patch's frames with libgcc (frames.c) and
 * running a patch's hooks (hooks.c).
 *
 * The function runs in the borrowed thread as if called from wherever
 * that thread was stopped (like a signal handler): a thread stopped while
 * holding a lock the function takes would wait for itself forever. So the
 * threads are stopped one at a time and unwound (with libdwfl, as the
 * safety check does), and the first none of whose frames is a hazard is
 * borrowed — first among the threads blocked in a system call, then among
 * the others, and last among those in a nanosleep-like call (poll, futex
 * or nanosleep with a timeout, which only the kernel can continue: a
 * nonstop that dies while such a thread runs the call leaves that call
 * failing with EINTR) — while the other threads keep running (a lock one
 * of them holds gets released). A thread whose stack cannot be unwound is never
 * borrowed. In the per-thread mode the thread is libnonstop's own, which
 * holds no lock: it is borrowed as it is. */
#ifndef NONSTOP_BORROW_H
#define NONSTOP_BORROW_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

#include "proc/remote.h"
#include "proc/tracee.h"
#include "transition/safety.h"

/* A frame callback for ns_safety_frames: nonzero if a thread with the
 * frame of FUNC (in MODULE) may hold a lock of libgcc's unwinder, malloc,
 * the dynamic loader or fork. */
int ns_borrow_hazard(void *arg, uint64_t pc, const char *func,
		     const char *module);

/* A borrowed thread, with the frame that brings it back (RS). */
struct ns_borrow {
	struct ns_tracee *tr;
	struct ns_safety *safety;
	bool              own_safety;
	struct ns_remote  rs;
	bool              begun;
};

/* Chooses a thread of TR none of whose frames HAZARD (a frame callback;
 * NULL: ns_borrow_hazard) flags, within TIMEOUT seconds, and borrows it.
 * SAFETY unwinds the threads (NULL: made here). WHAT completes the
 * message "no thread ... was at a point where it could WHAT". 0, or -1
 * with tr->err; call ns_unborrow() in both cases. */
int ns_borrow(struct ns_borrow *b, struct ns_tracee *tr, struct ns_safety *s,
	      int (*hazard)(void *, uint64_t, const char *, const char *),
	      double timeout, const char *what);

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
