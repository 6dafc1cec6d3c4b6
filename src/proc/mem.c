/* mem.c — access to a target's memory through /proc/PID/mem. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "proc/mem.h"
#include "util/fault.h"

int ns_mem_open(pid_t pid)
{
	char fn[64];

	snprintf(fn, sizeof(fn), "/proc/%d/mem", (int)pid);
	return open(fn, O_RDWR | O_CLOEXEC);
}

/* One loop for both directions: /proc/PID/mem may transfer less than asked
 * (page boundaries) or be interrupted. */
static int transfer(int fd, uint64_t addr, void *buf, size_t len, bool write)
{
	char *p = buf;

	while (len) {
		ssize_t n = write ? pwrite(fd, p, len, (off_t)addr)
				  : pread(fd, p, len, (off_t)addr);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EFAULT;
			return -1;
		}
		p += n;
		addr += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int ns_mem_read(int fd, uint64_t addr, void *buf, size_t len)
{
	return transfer(fd, addr, buf, len, false);
}

int ns_mem_write(int fd, uint64_t addr, const void *buf, size_t len)
{
	if (ns_fault("write to the target's memory"))
		return -1;
	return transfer(fd, addr, (void *)buf, len, true);
}
