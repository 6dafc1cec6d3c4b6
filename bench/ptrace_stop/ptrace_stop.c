/* ptrace_stop.c — what one ptrace round trip costs on this machine: the
 * floor under every operation nonstop makes a target do.
 *
 * A child calls getppid() in a loop; the tracer resumes it with
 * PTRACE_SYSCALL and waits for its next syscall stop, N times. Each stop
 * is a round trip: the child stops and wakes the tracer, the tracer
 * resumes it and sleeps. nonstop pays one per stop it waits for (an
 * interrupt, each of the two stops of a system call it runs in the
 * target), so the per-process time of apply --all-processes is bounded
 * below by (stops per process) x (this figure) / (jobs).
 *
 * Usage: ptrace_stop CHILD_CPU TRACER_CPU [N]   (a CPU of -1: not pinned,
 * placed by the scheduler as nonstop and its targets are). Prints the
 * mean microseconds per stop. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int pin(int cpu)
{
	cpu_set_t s;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	return sched_setaffinity(0, sizeof(s), &s);
}

static int run(pid_t child, int tracer_cpu, long n)
{
	int status;
	double t0;

	if (pin(tracer_cpu) < 0 ||
	    ptrace(PTRACE_SEIZE, child, 0, PTRACE_O_TRACESYSGOOD) < 0 ||
	    ptrace(PTRACE_INTERRUPT, child, 0, 0) < 0 ||
	    waitpid(child, &status, __WALL) != child) {
		fprintf(stderr, "ptrace_stop: %s\n", strerror(errno));
		return -1;
	}
	t0 = now();
	for (long i = 0; i < n; i++) {
		if (ptrace(PTRACE_SYSCALL, child, 0, 0) < 0 ||
		    waitpid(child, &status, __WALL) != child) {
			fprintf(stderr, "ptrace_stop: %s\n", strerror(errno));
			return -1;
		}
	}
	printf("%.1f\n", (now() - t0) / (double)n * 1e6);
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 3 ? atol(argv[3]) : 20000;
	pid_t child;
	int rc;

	if (argc < 3 || n <= 0) {
		fprintf(stderr, "usage: ptrace_stop CHILD_CPU TRACER_CPU [N]\n");
		return 2;
	}
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		if (pin(atoi(argv[1])) < 0)
			_exit(1);
		for (;;)
			syscall(SYS_getppid);
	}
	usleep(10000);   /* the child pinned before it is seized */
	rc = run(child, atoi(argv[2]), n);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return rc < 0 ? 1 : 0;
}
