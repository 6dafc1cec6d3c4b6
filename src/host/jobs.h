/* jobs.h — running one operation per process in parallel, in worker
 * processes (children of nonstop, fork), at most PARALLEL of them, each
 * taking one job after the other.
 *
 * Processes, not threads: an operation holds process-wide state (the
 * ptrace attachments of the one tracer, its alarm deadline, its SIGBUS
 * handler), and a worker that dies (its deadline, a bug) takes nothing
 * else with it: its job is reported by the DIED callback and a new worker
 * goes on with the rest. What the parent prepared before the jobs — the
 * patch read and verified once, the places of the gadgets — the workers
 * share, copy-on-write. Each job's record (REC_SIZE bytes) comes back
 * through its worker's pipe to the DONE callback. */
#ifndef NONSTOP_HOST_JOBS_H
#define NONSTOP_HOST_JOBS_H
#include <stddef.h>

struct ns_jobs {
	size_t n;                 /* jobs: 0 .. n - 1 */
	unsigned parallel;        /* at most this many at once (>= 1) */
	size_t rec_size;          /* bytes of a record */
	unsigned deadline_s;      /* a job not done within this many seconds
				     (its worker's own deadline has failed:
				     a wait the kernel does not interrupt)
				     is stopped: its worker is killed; 0:
				     none */
	void  *arg;
	/* In the child: does job I, fills REC (zeroed, rec_size bytes). */
	void (*run)(size_t i, void *rec, void *arg);
	/* In the parent: job I's record. */
	void (*done)(size_t i, const void *rec, void *arg);
	/* In the parent: job I's worker ended without its record (STATUS as
	 * waitpid gives it), or it could not be given (STATUS -1), or it was
	 * killed for taking longer than deadline_s (NS_JOB_LATE). */
	void (*died)(size_t i, int status, void *arg);
};

#define NS_JOB_LATE (-2)

/* Runs every job of J. 0, or -1 with errno if the pipes or the polling
 * failed (the jobs started are waited for either way). */
int ns_jobs_run(const struct ns_jobs *j);
#endif
