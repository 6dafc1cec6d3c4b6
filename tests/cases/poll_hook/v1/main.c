/* Target: one thread, an event loop that waits for its commands in
 * poll(stdin, 2 s), the way a small single-threaded daemon does. So every
 * call nonstop makes in the process (a system call, a patch's hook) runs
 * in a thread interrupted in poll — a call that the kernel continues with
 * the time it has left (its restart block), after a stop by anyone. It
 * records what an update must never make it see:
 *   eintr    poll() calls that failed (EINTR or any other error)
 *   early    polls that timed out before their 2 s (CLOCK_MONOTONIC)
 *   timeouts polls that timed out
 *   mxcsr    polls after which the SSE rounding mode was not the one the
 *            program set (the ABI makes it callee-saved: a hook that
 *            changes it must not change it for the program)
 *   answer   answer(), the function the patch changes */
#include <time.h>
#include <unistd.h>

#include "fixture.h"

const char *answer(void);

static unsigned long eintr, early, timeouts, mxcsr_changed;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int command(const char *line)
{
	if (!strcmp(line, "eintr"))
		return printf("%lu\n", eintr);
	if (!strcmp(line, "early"))
		return printf("%lu\n", early);
	if (!strcmp(line, "timeouts"))
		return printf("%lu\n", timeouts);
	if (!strcmp(line, "mxcsr"))
		return printf("%lu\n", mxcsr_changed);
	if (!strcmp(line, "answer"))
		return printf("%s\n", answer());
	return 0;
}

/* Commands arrive one whole line per write. */
static int take_commands(void)
{
	char buf[4096], *start, *nl;
	ssize_t n = read(0, buf, sizeof(buf) - 1);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (start = buf; (nl = strchr(start, '\n')); start = nl + 1) {
		*nl = '\0';
		fixture_answer(start, command);
	}
	return 0;
}

/* MXCSR without its exception flags (sticky: the program's own
 * arithmetic sets them). */
static unsigned mxcsr(void)
{
	unsigned m;

	__asm__ volatile("stmxcsr %0" : "=m"(m));
	return m & ~0x3fu;
}

int main(void)
{
	unsigned mine = mxcsr();

	fixture_init();
	printf("ready\n");
	for (;;) {
		struct pollfd p = { .fd = 0, .events = POLLIN };
		double t0 = now();
		int r = poll(&p, 1, 2000);

		if (mxcsr() != mine) {
			mxcsr_changed++;
			__asm__ volatile("ldmxcsr %0" : : "m"(mine));
		}
		if (r < 0) {
			eintr++;
		} else if (r == 0) {
			timeouts++;
			if (now() - t0 < 1.999)
				early++;
		} else if (take_commands() < 0) {
			return 0;
		}
	}
}
