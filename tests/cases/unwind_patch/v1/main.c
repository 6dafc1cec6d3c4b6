/* Target of the unwind tests. A worker thread runs jobs: "job N" hands it
 * N, it computes run_job(N) (run_job -> step); "done" prints how many jobs
 * finished, "result" the last result, "parked" whether a job is parked,
 * "release" lets a parked job go on, "worker" prints the worker's thread
 * id, "call N" prints compute(N) (the main thread's own work). The new
 * step() of patch A parks job 7 in a new function park(), which sleeps
 * until "release". Unchanged in every version. */
#include <pthread.h>
#include <unistd.h>

#include "fixture.h"

int run_job(int n);
int compute(int x);

volatile int park_release, parked;
static int job_pipe[2];
static volatile int jobs_done, last_result, worker_tid;

static void *worker(void *arg)
{
	int n;

	(void)arg;
	worker_tid = gettid();
	while (read(job_pipe[0], &n, sizeof(n)) == sizeof(n)) {
		last_result = run_job(n);
		__atomic_add_fetch(&jobs_done, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static int command(const char *line)
{
	const char *arg;

	if ((arg = FIXTURE_ARG(line, "job "))) {
		int n = atoi(arg);

		if (write(job_pipe[1], &n, sizeof(n)) != sizeof(n))
			exit(1);
		return printf("queued\n");
	}
	if (!strcmp(line, "done"))
		return printf("%d\n", jobs_done);
	if (!strcmp(line, "result"))
		return printf("%d\n", last_result);
	if (!strcmp(line, "parked"))
		return printf("%d\n", parked);
	if (!strcmp(line, "release")) {
		park_release = 1;
		return printf("released\n");
	}
	if (!strcmp(line, "worker"))
		return printf("%d\n", worker_tid);
	if ((arg = FIXTURE_ARG(line, "call ")))
		return printf("%d\n", compute(atoi(arg)));
	return 0;
}

int main(void)
{
	pthread_t t;

	fixture_init();
	if (pipe(job_pipe) || pthread_create(&t, NULL, worker, NULL))
		return 1;
	while (!worker_tid)
		usleep(1000);
	printf("ready\n");
	return fixture_loop(command);
}
