/* Target for t_hyg_waitpid_parent: two threads call compute() without
 * pause (checking every result), a third sleeps in nanosleep(), and the
 * main thread reads commands on stdin:
 *   ping     pong
 *   call N   compute(N)
 *   errors   results that were neither old (x + 1) nor new (x + 2)
 * It is started by parent.c, whose waitpid() must see nothing of an update. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

int compute(int x);

static atomic_ulong errors;

static void *worker(void *arg)
{
	unsigned x = (unsigned)(long)arg * 7919u;

	for (;;) {
		int in = (int)(++x & 0xffff);
		int v = compute(in);

		if (v != in + 1 && v != in + 2)
			atomic_fetch_add(&errors, 1);
		for (volatile int i = 0; i < 500; i++)
			;
	}
	return NULL;
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
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
	if (pthread_create(&t, NULL, worker, (void *)1L) ||
	    pthread_create(&t, NULL, worker, (void *)2L) ||
	    pthread_create(&t, NULL, sleeper, NULL)) {
		printf("cannot start threads\n");
		return 1;
	}
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "ping"))
			printf("pong\n");
		else if (!strncmp(line, "call ", 5))
			printf("%d\n", compute(atoi(line + 5)));
		else if (!strcmp(line, "errors"))
			printf("%lu\n", atomic_load(&errors));
		else
			printf("unknown command: %s\n", line);
	}
	return 0;
}
