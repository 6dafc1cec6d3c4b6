/* fault.c — the step counter behind NONSTOP_FAULT_AT (see fault.h).
 *
 * The counter is process-wide on purpose: a step is a step wherever it
 * happens (tracee, remote system call, memory write), and a run of nonstop
 * is one operation. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "util/fault.h"
#include "util/clock.h"

static struct {
	bool     read;       /* environment parsed */
	long     at;         /* step to fail, 0 for none */
	bool     kill;
	bool     log;
	long     sleep_ms;   /* sleep at step `at` instead of failing */
	long     step;       /* steps so far */
} fault;

static void read_env(void)
{
	const char *at = getenv("NONSTOP_FAULT_AT");
	const char *k = getenv("NONSTOP_FAULT_KILL");
	const char *l = getenv("NONSTOP_FAULT_LOG");
	const char *z = getenv("NONSTOP_FAULT_SLEEP_MS");

	fault.read = true;
	fault.at = at ? strtol(at, NULL, 10) : 0;
	fault.kill = k && *k == '1';
	fault.log = l && *l == '1';
	fault.sleep_ms = z ? strtol(z, NULL, 10) : 0;
	if (fault.sleep_ms < 0 || fault.sleep_ms > 600000)
		fault.sleep_ms = 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

bool ns_fault(const char *step)
{
	if (!fault.read)
		read_env();
	if (!fault.at && !fault.log)
		return false;
	fault.step++;
	if (fault.log) {
		uint64_t t = ns_clock_ns();

		fprintf(stderr, "nonstop: step %ld: %s (at %ld.%06ld)\n",
			fault.step, step, (long)(t / 1000000000ULL),
			(long)(t % 1000000000ULL / 1000));
	}
	if (fault.step != fault.at)
		return false;
	if (fault.sleep_ms) {
		fprintf(stderr, "nonstop: sleeping %ld ms at step %ld (%s)\n",
			fault.sleep_ms, fault.step, step);
		sleep_ms(fault.sleep_ms);
		return false;
	}
	if (fault.kill)
		raise(SIGKILL);
	fprintf(stderr, "nonstop: fault injected at step %ld (%s)\n",
		fault.step, step);
	errno = EIO;
	return true;
}

void ns_fault_restart(void)
{
	fault.step = 0;
}
