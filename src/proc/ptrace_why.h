/* ptrace_why.h — why the kernel refuses this user the ptrace of a
 * process: the cause, named for the message that refusal ends in. */
#ifndef NONSTOP_PROC_PTRACE_WHY_H
#define NONSTOP_PROC_PTRACE_WHY_H
#include <stddef.h>
#include <sys/types.h>

/* Writes into BUF (LEN bytes, NUL-terminated) the likely cause of ERR,
 * an errno of ptrace or of opening /proc/PID/mem, as " (CAUSE)" when ERR
 * is EPERM or EACCES (else ""): Yama's ptrace_scope
 * when it forbids it; another user's process, or another group's; a
 * process that made itself
 * not dumpable (setuid, prctl); else a security module. Looked at by the
 * kernel's own rules, from what it shows of PID (its credentials in
 * /proc/PID/status, the owner of /proc/PID/mem), never from what the process
 * wrote. */
void ns_ptrace_why(pid_t pid, int err, char *buf, size_t len);
#endif
