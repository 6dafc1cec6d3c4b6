/* Target: the main thread sleeps in nanosleep(2 s) in a loop; another
 * thread blocks in plain read() on stdin. (The sleeper is the main thread
 * because a thread nonstop borrows to run calls is, in the per-thread
 * mode, the first one, and otherwise one blocked in a system call: both
 * choose the sleeper, whose interrupted nanosleep must then restart
 * without losing time.) Both record what an update must never make them
 * see:
 *   eintr   reads that failed (EINTR or any other error)
 *   short   reads that returned part of a line (every command is written in
 *           one write of a whole line, so a read returns whole lines)
 *   sleeps  nanosleep calls completed
 *   early   sleeps that returned an error or lasted less than 2 s
 *           (CLOCK_MONOTONIC)
 *   answer  answer(), the function the patch changes */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

const char *answer(void);

static atomic_ulong read_errors, short_reads, sleeps, early;

static void sleep_forever(void)
{
	for (;;) {
		struct timespec req = { .tv_sec = 2 }, a, b;
		int r;

		clock_gettime(CLOCK_MONOTONIC, &a);
		r = nanosleep(&req, NULL);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (r != 0 || (b.tv_sec - a.tv_sec) * 1000000000L +
			      (b.tv_nsec - a.tv_nsec) < 2000000000L)
			atomic_fetch_add(&early, 1);
		atomic_fetch_add(&sleeps, 1);
	}
}

static int command(const char *line)
{
	if (!strcmp(line, "eintr"))
		return printf("%lu\n", atomic_load(&read_errors));
	if (!strcmp(line, "short"))
		return printf("%lu\n", atomic_load(&short_reads));
	if (!strcmp(line, "sleeps"))
		return printf("%lu\n", atomic_load(&sleeps));
	if (!strcmp(line, "early"))
		return printf("%lu\n", atomic_load(&early));
	if (!strcmp(line, "answer"))
		return printf("%s\n", answer());
	return 0;
}

static void *reader(void *arg)
{
	char buf[4096];
	size_t have = 0;

	(void)arg;
	for (;;) {
		ssize_t n = read(0, buf + have, sizeof(buf) - 1 - have);
		char *start, *nl;

		if (n < 0) {
			atomic_fetch_add(&read_errors, 1);
			continue;
		}
		if (n == 0)
			exit(0);
		have += (size_t)n;
		if (buf[have - 1] != '\n')
			atomic_fetch_add(&short_reads, 1);
		buf[have] = '\0';
		start = buf;
		while ((nl = strchr(start, '\n'))) {
			*nl = '\0';
			fixture_answer(start, command);
			start = nl + 1;
		}
		have = strlen(start);
		memmove(buf, start, have);
		if (have == sizeof(buf) - 1)
			have = 0;
	}
}

int main(void)
{
	pthread_t t;

	fixture_init();
	printf("ready\n");
	if (pthread_create(&t, NULL, reader, NULL)) {
		printf("cannot start the reader\n");
		return 1;
	}
	sleep_forever();
}
