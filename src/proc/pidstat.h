/* pidstat.h — the fields of /proc/PID/stat nonstop reads: a process's or
 * a thread's state, and its start time. */
#ifndef NONSTOP_PROC_PIDSTAT_H
#define NONSTOP_PROC_PIDSTAT_H
#include <sys/types.h>

struct ns_pidstat {
	char state;                  /* field 3: R, S, D, Z, X, t... */
	unsigned long long start;    /* field 22: clock ticks after boot;
					with the pid, it names this process
					and no later one */
};

/* Reads /proc/PID/stat (TID 0) or /proc/PID/task/TID/stat into OUT. 0;
 * -1 with errno: ENOENT or ESRCH, no such process or thread; EINVAL, a
 * line not understood. */
int ns_pidstat_read(pid_t pid, pid_t tid, struct ns_pidstat *out);
#endif
