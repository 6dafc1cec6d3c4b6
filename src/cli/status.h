/* status.h — what `nonstop status` prints, from what it has read: the
 * text and the JSON forms (status_print.c), apart from reading them
 * (status.c), so that they can be run on a registry read from anywhere
 * (fuzz/target_read_fuzz.c feeds them forged memory). Every string that
 * comes from the target is escaped (util/escape.h). */
#ifndef NONSTOP_STATUS_H
#define NONSTOP_STATUS_H
#include <stdbool.h>
#include <stddef.h>

#include "registry/registry.h"
#include "runtime/rt.h"

/* The threads of a process with per-thread patches, and which of them
 * are not done with a transition. */
struct ns_status_threads {
	struct ns_rt_handle rt;
	struct ns_rt_thread *v;
	size_t n;
	bool *done;
	char (*why)[256];
	size_t pending;
};

/* Where the dispatchers of a per-thread patch being applied stand
 * (transition/perthread.h: install, complete). */
enum ns_status_disp {
	NS_DISP_NONE = 0,     /* not a per-thread patch being applied */
	NS_DISP_SWITCHING,    /* a thread has not switched (or not known) */
	NS_DISP_TO_RETIRE,    /* every thread switched: the next apply or
				 revert retires them (core/pt_sweep.h) */
	NS_DISP_UNDER_LATER,  /* every thread switched, but a later patch
				 was installed over this one's */
	NS_DISP_RETIRED,      /* the entries jump straight to the new code */
};

/* What status shows of process PID. */
struct ns_status {
	int pid;
	int mem_fd;                          /* reads the hooks' call slots */
	const struct ns_registry *reg;
	size_t threads;                      /* in /proc/PID/task */
	const struct ns_status_threads *t;   /* per-thread mode, or NULL */
	/* Of each record of reg, for the per-thread ones being applied
	 * whose dispatchers are in place: whether every thread has switched,
	 * and whether a later patch was installed over them. NULL: not
	 * known (a record then reads as retired or switching). */
	const enum ns_status_disp *disp;
};

/* On stdout: text, one patch a paragraph (damaged records last, with
 * why); or one JSON object and a newline. */
void ns_status_text(const struct ns_status *s);
void ns_status_json(const struct ns_status *s);

/* status waits for nothing; its deadline is ns_guard_deadline of this
 * (a process's, with --all-processes). */
#define NS_STATUS_TIMEOUT 5.0

/* Prints the status of PID, as text or (JSON) one JSON object. 0, or -1
 * with why in ERR and nothing printed. */
int ns_status_pid(int pid, bool json, char *err, size_t errlen);

/* "2024-05-01 12:00:00" (local time) for a record's applied_at, or
 * "unknown time" if T is out of range (registry/rec_check.h) or has no
 * local time: into BUF. */
const char *ns_status_when(uint64_t t, char *buf, size_t len);
#endif
