/* pidstatus.h — the fields of /proc/PID/status nonstop reads: a
 * process's name and its ids. */
#ifndef NONSTOP_PROC_PIDSTATUS_H
#define NONSTOP_PROC_PIDSTATUS_H
#include <sys/types.h>

struct ns_pidstatus {
	char     name[17];   /* Name: the process's own (escape it); the
				kernel escapes a newline in it, so no line
				after it can be forged */
	unsigned uid[3];     /* Uid: real, effective, saved */
	unsigned gid[3];     /* Gid: the same */
	unsigned long long cap_eff;   /* CapEff: its effective capabilities */
};

/* Reads /proc/PID/status into OUT. 0; -1 with errno: ENOENT, no such
 * process; EINVAL, no Uid:, Gid: or CapEff: line understood. */
int ns_pidstatus_read(pid_t pid, struct ns_pidstatus *out);
#endif
