/* Target for the hook tests (t_hooks, t_hooks_pt, t_hooks_kill_steps,
 * t_hooks_pt_kill_steps).
 * Built plain (stop-the-world) or linked with libnonstop (per-thread: every
 * thread passes update points; nonstop_update_point is weak, so the plain
 * build needs no libnonstop).
 *
 * The program's own state that the patch's hooks (v2/hooks.c) act on: per
 * hook kind (NONSTOP_HOOK_*), how many times it ran, what value() returned
 * inside it (1 old code, 2 new), the thread it ran in, and what it must
 * return (set by the test). v3 (value() 3) is built on v2, keeping its
 * hooks.c: a patch from v2 to v3 has no hooks of its own. Two workers
 * call value() between update points and sleep; the command thread polls
 * stdin with a timeout (per-thread) or waits in fgets. "ready" once
 * libnonstop's thread (if linked with it) sleeps. Commands:
 *   v            old, new or v3: the version of value() the program runs
 *   runs         pre_apply=N post_apply=N pre_revert=N post_revert=N
 *   saw          the same with what value() returned in each hook's last run
 *   tid KIND     the thread the hook of KIND (1..4) last ran in
 *   fail KIND N  the hook of KIND returns N from now on (0: succeeds;
 *                1000: it faults; 1001: it waits until N changes)
 *   ping         pong */
#include <dirent.h>
#include <pthread.h>
#include <unistd.h>

#include "fixture.h"
#include "nonstop.h"

#pragma weak nonstop_update_point

int value(void);

/* Indexed by NONSTOP_HOOK_*; written by the patch's hooks. */
volatile int hook_runs[5], hook_saw[5], hook_tid[5], hook_fail[5];

static void update_point(void)
{
	if (nonstop_update_point)
		nonstop_update_point();
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		update_point();
		if (value() < 1)
			abort();
		usleep(1000);
	}
	return NULL;
}

/* Whether libnonstop's thread (linked with it) sleeps in pause(): it
 * has announced itself by then, and nonstop finds the runtime ready. */
static int runtime_asleep(void)
{
	struct dirent *de;
	int found = 0;
	DIR *d = opendir("/proc/self/task");

	while (d && !found && (de = readdir(d))) {
		char fn[300], buf[512], *st;
		FILE *f;

		snprintf(fn, sizeof(fn), "/proc/self/task/%s/comm", de->d_name);
		if (!(f = fopen(fn, "r")))
			continue;
		if (!fgets(buf, sizeof(buf), f) || strcmp(buf, "nonstop-rt\n")) {
			fclose(f);
			continue;
		}
		fclose(f);
		snprintf(fn, sizeof(fn), "/proc/self/task/%s/stat", de->d_name);
		if (!(f = fopen(fn, "r")))
			continue;
		found = fgets(buf, sizeof(buf), f) && (st = strrchr(buf, ')')) &&
			st[1] == ' ' && st[2] == 'S';
		fclose(f);
	}
	if (d)
		closedir(d);
	return found;
}

static int print4(volatile int *v)
{
	return printf("pre_apply=%d post_apply=%d pre_revert=%d post_revert=%d\n",
		      v[1], v[2], v[3], v[4]);
}

static int command(const char *line)
{
	int k, n;

	if (!strcmp(line, "v"))
		return printf("%s\n", value() == 3 ? "v3" : value() == 2 ? "new" :
			      value() == 1 ? "old" : "?");
	if (!strcmp(line, "runs"))
		return print4(hook_runs);
	if (!strcmp(line, "saw"))
		return print4(hook_saw);
	if (sscanf(line, "tid %d", &k) == 1 && k >= 1 && k <= 4)
		return printf("%d\n", hook_tid[k]);
	if (sscanf(line, "fail %d %d", &k, &n) == 2 && k >= 1 && k <= 4) {
		hook_fail[k] = n;
		return printf("ok\n");
	}
	return 0;
}

int main(void)
{
	pthread_t t;

	fixture_init();
	for (int i = 0; i < 2; i++)
		pthread_create(&t, NULL, worker, NULL);
	for (int i = 0; nonstop_update_point && !runtime_asleep() && i < 5000; i++)
		usleep(1000);
	printf("ready\n");
	/* Per-thread, this thread passes update points; otherwise it waits
	 * in fgets, where it holds stdin's lock: nonstop never borrows it
	 * for a hook (t_hooks makes one wait). */
	if (nonstop_update_point)
		return fixture_poll_loop(command, nonstop_update_point);
	return fixture_loop(command);
}
