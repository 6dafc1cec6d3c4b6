/* guard.c — the whole-command limits of guard.h. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/guard.h"

/* What the signal handlers print: made before they can run (a handler may
 * only write(2) and _exit). Global because a handler has no argument. */
static char deadline_msg[256], bus_msg[256];
static void (*last_words)(const char *line);

void ns_guard_last_words(void (*fn)(const char *line))
{
	last_words = fn;
}

static void say_and_exit(const char *msg)
{
	ssize_t rc;

	if (last_words)
		last_words(msg);
	rc = write(STDERR_FILENO, msg, strlen(msg));

	(void)rc;
	_exit(1);
}

static void on_alarm(int sig)
{
	(void)sig;
	say_and_exit(deadline_msg);
}

static void on_bus(int sig)
{
	(void)sig;
	say_and_exit(bus_msg);
}

/* Every wait of a step is bounded by TIMEOUT, and an apply has a handful
 * of such steps (frames, hooks, the switch, the post-apply hook): six of
 * them and a minute more is far past what a command that works takes. */
unsigned ns_guard_deadline(double timeout)
{
	return (unsigned)(6 * timeout) + 60;
}

void ns_guard_cap_data(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_DATA, &rl) == 0 &&
	    (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > NS_GUARD_DATA_MAX)) {
		rl.rlim_cur = NS_GUARD_DATA_MAX;
		(void)setrlimit(RLIMIT_DATA, &rl);
	}
}

void ns_guard_target_command(const char *cmd, double timeout)
{
	struct sigaction sa;
	unsigned secs = ns_guard_deadline(timeout);

	snprintf(deadline_msg, sizeof(deadline_msg), "nonstop %s: not done "
		 "within %u s: stopped (the process is left as a killed nonstop "
		 "leaves it: whole, old code or new; the next nonstop command "
		 "cleans up)\n", cmd, secs);
	snprintf(bus_msg, sizeof(bus_msg), "nonstop %s: a file the process "
		 "maps shrank while nonstop read it (SIGBUS): stopped (the process "
		 "is left as a killed nonstop leaves it)\n", cmd);
	unsetenv("DEBUGINFOD_URLS");
	ns_guard_cap_data();
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_bus;
	sigaction(SIGBUS, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(secs);
}
