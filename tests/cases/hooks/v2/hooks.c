/* The patch's hooks: each counts its runs in the program's own state,
 * notes what value() returns at that moment (old code 1, new code 2) and
 * the thread it runs in, and returns what the test asked for, with a
 * message when that is not 0 — or faults, or waits (FAULT, HANG). */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nonstop.h"

int value(void);
extern volatile int hook_runs[5], hook_saw[5], hook_tid[5], hook_fail[5];

/* hook_fail: FAULT makes the hook fault, HANG makes it wait until the
 * test sets another value (then it returns 0). */
#define FAULT 1000
#define HANG  1001

static int run(int kind, const char *name)
{
	int rc = hook_fail[kind];

	if (rc == FAULT)
		__builtin_trap();       /* ud2: SIGILL */
	while (rc == HANG && (rc = hook_fail[kind]) == HANG)
		;
	if (rc == HANG || rc == FAULT)
		rc = 0;
	hook_runs[kind]++;
	hook_saw[kind] = value();
	hook_tid[kind] = (int)syscall(SYS_gettid);
	if (rc) {
		snprintf(nonstop_hook_msg, NONSTOP_HOOK_MSG_MAX,
			 "%s hook told to fail", name);
		/* A call into stdio: the hook's code may take stdio's locks,
		 * so it never runs in the command thread (inside fgets),
		 * which must stay free to end a HANG. */
		fflush(stdout);
	}
	return rc;
}

static int check_ready(void) { return run(NONSTOP_HOOK_PRE_APPLY, "pre-apply"); }
static int start_new(void) { return run(NONSTOP_HOOK_POST_APPLY, "post-apply"); }
static int stop_new(void) { return run(NONSTOP_HOOK_PRE_REVERT, "pre-revert"); }
static int cleanup(void) { return run(NONSTOP_HOOK_POST_REVERT, "post-revert"); }

NONSTOP_PRE_APPLY(check_ready);
NONSTOP_POST_APPLY(start_new);
NONSTOP_PRE_REVERT(stop_new);
NONSTOP_POST_REVERT(cleanup);
