/* mem.h — reading and writing another process's memory. */
#ifndef NONSTOP_MEM_H
#define NONSTOP_MEM_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Opens /proc/PID/mem for reading and writing. The kernel checks, at open
 * time, that we may ptrace PID (PTRACE_MODE_ATTACH): nonstop never gets more
 * power over a process than ptrace would give. -1 with errno on failure. */
int ns_mem_open(pid_t pid);

/* Reads/writes exactly LEN bytes at ADDR through FD from ns_mem_open().
 * Writes go through the kernel's forced-write path, so they also reach
 * read-only text (as a debugger's breakpoints do). 0, or -1 with errno. */
int ns_mem_read(int fd, uint64_t addr, void *buf, size_t len);
int ns_mem_write(int fd, uint64_t addr, const void *buf, size_t len);
#endif
