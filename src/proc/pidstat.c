/* pidstat.c — reading /proc/PID/stat (pidstat.h).
 *
 * "PID (COMM) STATE ...": COMM is the process's own choice and may hold
 * spaces, parentheses and newlines, so the file is read whole (it is far
 * shorter than the buffer) and the fields are counted from the last ')'. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc/pidstat.h"

int ns_pidstat_read(pid_t pid, pid_t tid, struct ns_pidstat *out)
{
	char fn[64], buf[1024];
	const char *p;
	ssize_t n;
	int fd;

	if (tid)
		snprintf(fn, sizeof(fn), "/proc/%d/task/%d/stat", (int)pid,
			 (int)tid);
	else
		snprintf(fn, sizeof(fn), "/proc/%d/stat", (int)pid);
	fd = open(fn, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		errno = n < 0 ? errno : EINVAL;
		return -1;
	}
	buf[n] = 0;
	p = strrchr(buf, ')');
	/* After ") ": state is field 3, starttime field 22. */
	if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%*u %*u %*d %*d %*d %*d %*d %*d %llu", &out->state,
			 &out->start) != 2) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
