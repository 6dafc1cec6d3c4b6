/* transition.h — stop-the-world switch between code versions. */
#ifndef NONSTOP_TRANSITION_H
#define NONSTOP_TRANSITION_H
#include <stdint.h>
#include "util/err.h"

#include "proc/tracee.h"
#include "transition/gate.h"
#include "transition/safety.h"

struct ns_transition {
	/* in */
	struct ns_tracee *tr;
	struct ns_safety *safety;
	const struct ns_range *busy;  /* code no thread may be in */
	size_t nbusy;
	double timeout;               /* seconds to wait for a safe moment */
	/* Called with every thread stopped and the check passed: writes the
	 * switch. Must leave the target as it was if it fails. */
	int (*commit)(void *arg, struct ns_err *err);
	/* If set, called like commit() just before it (every thread
	 * stopped, the check passed), outside the commit gate: the state
	 * transformers run there (core/xform.h). Must leave every thread
	 * stopped as it was; a failure fails the transition. */
	int (*before_commit)(void *arg, struct ns_err *err);
	void *arg;
	/* If set, every thread waits at this gate during commit(), so that
	 * the switch is all or nothing even if nonstop dies (gate.h). */
	struct ns_gate *gate;
	/* out */
	uint64_t pause_ns;            /* stop of the attempt that switched */
	uint64_t max_pause_ns;        /* longest stop of any attempt */
	uint64_t phase_ns[4];         /* last attempt: until the last thread
					 stopped (each checked as it stopped),
					 the rest of the check, commit (with
					 before_commit), release */
	unsigned attempts;
	unsigned ran_alone;           /* runs of a busy thread alone in the
					 last attempt (runalone.h) */
	size_t   threads;             /* threads stopped in the last attempt */
	struct ns_blocker blocker;    /* why the last attempt was unsafe */
	/* private */
	bool unsafe;                  /* a thread was found unsafe */
	uint64_t last_stop_ns;        /* when the last thread was seen stopped */
	char warn[512];               /* committed, but: one line, or empty
					 (the caller reports it) */
};

/* Stops every thread, checks, commits, and resumes every thread by
 * detaching from it; retries, with the threads running in between, until
 * the timeout. Returns 0 when committed (the tracee is then detached), 1 if
 * never safe before the timeout (x->blocker names the thread and function;
 * the tracee stays attached and running), -1 on error (x->err). */
int ns_transition_run(struct ns_transition *x);
#endif
