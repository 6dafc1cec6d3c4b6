/* Target of the unwind tests. A worker thread runs jobs: "job N" hands it
 * N, it computes run_job(N) (run_job -> step); "done" prints how many jobs
 * finished, "result" the last result, "parked" whether a job is parked,
 * "release" lets a parked job go on, "worker" prints the worker's thread
 * id, "call N" prints compute(N) (the main thread's own work). The new
 * step() of patch A parks job 7 in a new function park(), which sleeps
 * until "release". Unchanged in every version. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

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

int main(void)
{
	char line[256];
	pthread_t t;

	/* Under Yama ptrace_scope=1, let nonstop (not our parent) attach. */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pipe(job_pipe) || pthread_create(&t, NULL, worker, NULL))
		return 1;
	while (!worker_tid)
		usleep(1000);
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "ping")) {
			printf("pong\n");
		} else if (!strncmp(line, "job ", 4)) {
			int n = atoi(line + 4);

			if (write(job_pipe[1], &n, sizeof(n)) != sizeof(n))
				return 1;
			printf("queued\n");
		} else if (!strcmp(line, "done")) {
			printf("%d\n", jobs_done);
		} else if (!strcmp(line, "result")) {
			printf("%d\n", last_result);
		} else if (!strcmp(line, "parked")) {
			printf("%d\n", parked);
		} else if (!strcmp(line, "release")) {
			park_release = 1;
			printf("released\n");
		} else if (!strcmp(line, "worker")) {
			printf("%d\n", worker_tid);
		} else if (!strncmp(line, "call ", 5)) {
			printf("%d\n", compute(atoi(line + 5)));
		} else {
			printf("unknown command: %s\n", line);
		}
	}
	return 0;
}
