/* call.h — calling a function of the target, in a borrowed thread, with
 * the same guarantee as the remote system calls (remote.h): if nonstop is
 * killed at any instant, the thread still returns to exactly where it was.
 *
 * The thread runs a stub placed in the patch's own code (ns_call_stub_code
 * copied there): it marks the call started in a slot in the patch's
 * writable memory, calls the function (r12) with up to two arguments,
 * stores rax and marks the call done in the slot, then does rt_sigreturn
 * on the signal frame nonstop pushed (sigframe.h) — which, with nonstop
 * alive, nonstop lets run and holds the thread at its exit, home again
 * (or, for a thread in a nanosleep-like call, skips at its entry: see
 * handler.h), to go on with the thread (more calls, or ns_remote_end).
 * Nothing is written into the program's own code, nothing is allocated
 * in the target.
 *
 * Which thread: the caller chooses (ns_remote_begin_on). The function runs
 * in that thread as if called from wherever it was stopped, with its
 * signals blocked — like a function called from a signal handler. So a
 * function that takes a lock deadlocks if the borrowed thread was stopped
 * while holding that lock (the thread waits for itself), and blocks while
 * another thread holds it that nonstop keeps stopped. Callers choose a
 * thread whose stack shows it cannot hold the locks the function takes
 * (core/frames.c), and keep the other threads running. A call that does
 * not return within the timeout is let go: the thread is released to
 * finish it and return by itself, and the slot tells a later nonstop
 * whether it did. */
#ifndef NONSTOP_CALL_H
#define NONSTOP_CALL_H
#include <stddef.h>
#include <stdint.h>

#include "proc/remote.h"

/* The slot a call reports in (16 bytes, in the target's writable memory):
 * written only by the stub, zeroed by nonstop before a call. */
struct ns_call_slot {
	uint64_t ret;       /* rax after the call */
	uint32_t started;   /* 1 once the stub runs */
	uint32_t done;      /* 1 once the function returned */
};

/* The stub's machine code (position independent) and its size. */
const uint8_t *ns_call_stub_code(size_t *size);

enum ns_call_result {
	NS_CALL_OK      = 0,   /* returned; *ret set */
	NS_CALL_FAILED  = -1,  /* did not run, or was stopped halfway (a
				  fault, a system call the thread's seccomp
				  filter would kill it for): tr->err; the
				  thread waits for ns_remote_end */
	NS_CALL_LET_GO  = -2,  /* started, did not return within the timeout:
				  the thread was released to finish it by
				  itself (tr->err); it is no longer traced */
};

/* Calls FN(A1, A2) in the thread borrowed by RS (ns_remote_begin*, which
 * pushed the frame the stub returns on), through the stub at STUB and the
 * slot at SLOT. Waits TIMEOUT seconds at most. Needs glibc's signal
 * restorer in the target (a frame): without it, NS_CALL_FAILED. */
int ns_remote_call(struct ns_remote *rs, uint64_t stub, uint64_t slot,
		   uint64_t fn, uint64_t a1, uint64_t a2, double timeout,
		   uint64_t *ret);
#endif
