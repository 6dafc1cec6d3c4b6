/* safety.h — is it safe to switch code now? Unwinds every stopped thread
 * with DWARF CFI (libdwfl) and looks for code that is about to change. */
#ifndef NONSTOP_SAFETY_H
#define NONSTOP_SAFETY_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "util/err.h"

#include "proc/tracee.h"

/* Code that must not be active: [start, end), named for messages. */
struct ns_range {
	uint64_t start, end;
	const char *name;
};

/* Why it is not safe. */
struct ns_blocker {
	pid_t tid;
	int   depth;       /* the frame found in a range; -1: no such frame
			      (a stack that does not unwind) */
	char  what[256];   /* "thread 123 is in function foo (frame #0)" */
};

struct ns_safety;

/* Prepares unwinding of TR's threads (reads the modules' CFI). Call before
 * stopping the threads: this is the slow part. NULL with tr->err on failure. */
struct ns_safety *ns_safety_new(struct ns_tracee *tr);
void ns_safety_free(struct ns_safety *s);

/* With every thread of the tracee stopped: 0 if no thread is executing in,
 * or will return into, any of the N ranges; 1 if one is (B says which
 * thread and where); a thread whose stack cannot be unwound counts as
 * unsafe. */
int ns_safety_check(struct ns_safety *s, const struct ns_range *r, size_t n,
		    struct ns_blocker *b);

/* The same for one stopped thread TH (a thread born while held, or gone,
 * is clear). Memory read is kept between calls: call ns_safety_forget()
 * once threads have run. */
int ns_safety_check_thread(struct ns_safety *s, struct ns_thread *th,
			   const struct ns_range *r, size_t n,
			   struct ns_blocker *b);
void ns_safety_forget(struct ns_safety *s);

/* After a check found a stack it could not unwind without the modules'
 * separate debug info (which is not read at first: see safety.c),
 * prepares the unwinding again with it. Call with the threads running:
 * it is slow. Nothing to do otherwise. 0, or -1 with the tracee's err. */
int ns_safety_upgrade(struct ns_safety *s);

/* Calls CB for each frame of the stopped thread TH, innermost first, with
 * the frame's pc (a return address less one), the name of its function
 * and the path of its module (either may be NULL). A nonzero return of
 * CB ends the walk and is returned; else 0 when the whole stack was
 * walked, -1 if it could not be (unknown frames). */
int ns_safety_frames(struct ns_safety *s, struct ns_thread *th,
		     int (*cb)(void *arg, uint64_t pc, const char *func,
			       const char *module),
		     void *arg);
#endif
