/* transition.c — stop-the-world transition: the one place that decides when
 * the code switches.
 *
 * An attempt stops every thread (PTRACE_INTERRUPT), unwinds every stack,
 * and if no thread is in or will return into code that is about to change,
 * calls commit() and releases the threads by detaching from them. Otherwise
 * it resumes them at once and schedules the next attempt after a growing
 * delay (5 ms doubling to 100 ms), during which ptrace events are serviced
 * so that signals reach the program; but a thread found running such
 * code first runs on alone, the others held (runalone.h). The pause — from
 * the first interrupt to the last thread released — is measured for
 * every attempt. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "transition/runalone.h"
#include "transition/transition.h"
#include "util/clock.h"
#include "util/sched.h"

/* Commits behind the gate, if there is one. */
static int commit(struct ns_transition *x)
{
	bool mark = ns_err_mark(x->tr->err);
	int rc;

	if (x->gate && ns_gate_arm(x->gate, x->tr) < 0)
		return -1;
	rc = x->commit(x->arg, x->tr->err);
	if (x->gate && ns_gate_release(x->gate, x->tr) < 0 &&
	    rc == 0) {
		/* The switch stands; the threads left at the gate will find
		 * it decided and return by themselves. Said as a warning: it
		 * is not a failure. */
		snprintf(x->warn, sizeof(x->warn), "%.500s", ns_err_msg(x->tr->err));
		ns_err_forget(x->tr->err, mark);
	}
	return rc < 0 ? -1 : 0;
}

/* The check of one thread, called as soon as it is stopped, while the
 * others may still be stopping (ns_tracee_stop_each): the unwinding of
 * the early ones (the threads asleep stop first) overlaps the stop of the
 * rest, and the process is frozen — every thread stopped at once — for
 * less. The first thread found unsafe is kept in x->blocker. */
static int check_one(void *arg, struct ns_thread *th)
{
	struct ns_transition *x = arg;
	struct ns_blocker b;
	int rc;

	x->last_stop_ns = ns_clock_ns();
	rc = ns_safety_check_thread(x->safety, th, x->busy, x->nbusy, &b);
	th->clear = rc == 0;
	if (rc && !x->unsafe) {
		x->blocker = b;
		x->unsafe = true;
	}
	return 0;
}

/* Lets TH, found in code that changes, run on alone (runalone.h), then
 * loads the registers of the threads it started meanwhile (stopped at
 * birth: the commit gate moves them too). */
static int run_alone(struct ns_transition *x, struct ns_thread *th,
		     uint64_t *run_ns)
{
	size_t before = x->tr->n;

	if (ns_run_alone(x->tr, th, run_ns) < 0)
		return -1;
	ns_safety_forget(x->safety);   /* it ran */
	x->ran_alone++;
	for (size_t i = before; i < x->tr->n; i++) {
		struct ns_thread *born = x->tr->t[i];

		if (!born->gone && born->stopped &&
		    ns_tracee_load_regs(x->tr, born) < 0)
			return -1;
	}
	return 0;
}

/* Every thread stopped, each checked once: a thread found running code
 * that changes, or about to return into it from the function it called
 * (not asleep in a system call: that one is not leaving soon), runs on
 * alone, the others held, and is checked again (runalone.h); within
 * NS_RUN_ALONE_MAX runs and NS_RUN_ALONE_NS. 0 clear, 1 unsafe, -1 error. */
static int check_rest(struct ns_transition *x)
{
	uint64_t run_ns = 0, t0 = ns_clock_ns();

	x->ran_alone = 0;
	for (size_t i = 0; i < x->tr->n; i++) {
		struct ns_thread *th = x->tr->t[i];
		int rc;

		while (!th->clear && !th->gone && th->stopped) {
			rc = ns_safety_check_thread(x->safety, th, x->busy,
						    x->nbusy, &x->blocker);
			if (rc == 0) {
				th->clear = true;
				break;
			}
			if (x->blocker.depth < 0 || x->blocker.depth > 1 ||
			    (int64_t)th->regs.orig_rax >= 0 ||
			    x->ran_alone >= NS_RUN_ALONE_MAX ||
			    ns_clock_ns() - t0 + run_ns > NS_RUN_ALONE_NS)
				return 1;
			if (run_alone(x, th, &run_ns) < 0)
				return -1;
		}
	}
	return 0;
}

/* Stops every thread, checking each as it stops, then the ones found
 * unsafe again. 0 clear, 1 unsafe, -1 error. */
static int stop_and_check(struct ns_transition *x, uint64_t *t_stopped)
{
	x->unsafe = false;
	for (size_t i = 0; i < x->tr->n; i++)
		x->tr->t[i]->clear = false;
	ns_safety_forget(x->safety);   /* threads ran since the last stop */
	if (ns_tracee_stop_each(x->tr, check_one, x) < 0)
		return -1;
	*t_stopped = x->last_stop_ns;
	x->threads = ns_tracee_live(x->tr);
	return x->unsafe ? check_rest(x) : 0;
}

/* One attempt. 0 committed, 1 unsafe, -1 error. The pause's parts: until
 * the last thread stopped (the first ones already checked meanwhile),
 * the rest of the check, the switch, the release. */
static int attempt(struct ns_transition *x)
{
	bool raised = ns_sched_raise();
	uint64_t t0, t1, t2, t3, dt;
	int rc;

	if (x->gate)
		ns_gate_prepare(x->gate, x->tr->pid);
	t0 = t1 = x->last_stop_ns = ns_clock_ns();
	rc = stop_and_check(x, &t1);
	t2 = ns_clock_ns();
	if (rc == 0 && x->before_commit &&
	    x->before_commit(x->arg, x->tr->err) < 0)
		rc = -1;
	if (rc == 0)
		rc = commit(x);
	t3 = ns_clock_ns();
	if (rc == 0)
		ns_tracee_detach(x->tr); /* releases every thread */
	else
		ns_tracee_resume_all(x->tr);
	dt = ns_clock_ns() - t0;
	ns_sched_restore(raised);
	x->phase_ns[0] = t1 - t0;
	x->phase_ns[1] = t2 - t1;
	x->phase_ns[2] = t3 - t2;
	x->phase_ns[3] = t0 + dt - t3;
	if (dt > x->max_pause_ns)
		x->max_pause_ns = dt;
	if (rc == 0)
		x->pause_ns = dt;
	return rc;
}

int ns_transition_run(struct ns_transition *x)
{
	uint64_t deadline = ns_clock_ns() + (uint64_t)(x->timeout * 1e9);
	int delay_ms = 5;

	x->attempts = 0;
	for (;;) {
		int rc;

		x->attempts++;
		rc = attempt(x);
		if (x->gate)
			ns_gate_forget(x->gate);
		if (rc <= 0)
			return rc;
		if (ns_safety_upgrade(x->safety) < 0)
			return -1;
		if (ns_clock_ns() + (uint64_t)delay_ms * 1000000ULL > deadline)
			return 1;
		ns_tracee_pump(x->tr, delay_ms);
		if (x->tr->exited) {
			ns_err_set(x->tr->err, "process %d exited",
				 (int)x->tr->pid);
			return -1;
		}
		if (delay_ms < 100)
			delay_ms *= 2;
	}
}
