/* Target for t_sec_seccomp*: a program that sandboxes every one of its
 * threads (SECCOMP_FILTER_FLAG_TSYNC: libnonstop's own thread too, when it
 * is linked with it) with a seccomp filter that KILLS the process
 * (SECCOMP_RET_KILL_PROCESS) on a call nonstop would make in it. Argument
 * MODE says which:
 *   memfd       memfd_create
 *   exec        mmap, mprotect and pkey_mprotect asking for PROT_EXEC
 *   munmap      munmap (what a revert needs)
 *   membarrier  membarrier (what libnonstop's executor needs)
 *   other       ptrace and reboot: calls nonstop never makes
 *   strict      no filter: the main thread enters seccomp's strict mode
 *               (read, write, _exit and rt_sigreturn only; anything else
 *               kills the thread) and answers with raw read and write
 * A worker thread sleeps in a loop; both pass an update point at every
 * turn when the program runs libnonstop (a weak reference otherwise).
 * Commands:
 *   ping     pong
 *   call N   compute(N), the function the patch changes (old: N + 1) */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

int compute(int x);
void nonstop_update_point(void) __attribute__((weak));

#define KILL(nr)                                                             \
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1), \
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,               \
					      SECCOMP_RET_KILL_PROCESS)

static int sandbox(const char *mode)
{
	struct sock_filter f[32];
	struct sock_fprog prog;
	unsigned short n = 0;

	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					      AUDIT_ARCH_X86_64, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	if (!strcmp(mode, "memfd")) {
		KILL(__NR_memfd_create);
	} else if (!strcmp(mode, "munmap")) {
		KILL(__NR_munmap);
	} else if (!strcmp(mode, "membarrier")) {
		KILL(__NR_membarrier);
	} else if (!strcmp(mode, "other")) {
		KILL(__NR_ptrace);
		KILL(__NR_reboot);
	} else if (!strcmp(mode, "exec")) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						      __NR_mmap, 2, 0);
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						      __NR_mprotect, 1, 0);
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						      __NR_pkey_mprotect, 0, 3);
		/* The low 32 bits of the third argument: prot. */
		f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						      offsetof(struct seccomp_data, args[2]));
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
						      PROT_EXEC, 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						      SECCOMP_RET_KILL_PROCESS);
	} else {
		errno = EINVAL;
		return -1;
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = n;
	prog.filter = f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			    SECCOMP_FILTER_FLAG_TSYNC, &prog);
}

static volatile int done;   /* strict: the input ended */

/* The strict mode's loop: one command a line, with read and write only;
 * at the end of the input, the worker (not in strict mode) ends the
 * process. */
static void strict_loop(void)
{
	char line[64], out[32];
	size_t n = 0;

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) < 0)
		return;
	write(1, "ready\n", 6);
	for (;;) {
		char c;
		int len;

		if (read(0, &c, 1) != 1) {
			done = 1;
			syscall(SYS_exit, 0);
		}
		if (c != '\n' && n < sizeof(line) - 1) {
			line[n++] = c;
			continue;
		}
		line[n] = 0;
		n = 0;
		if (!strcmp(line, "ping"))
			len = snprintf(out, sizeof(out), "pong\n");
		else if (!strncmp(line, "call ", 5))
			len = snprintf(out, sizeof(out), "%d\n", compute(atoi(line + 5)));
		else
			len = snprintf(out, sizeof(out), "unknown command\n");
		write(1, out, (size_t)len);
	}
}

static void update_point(void)
{
	if (nonstop_update_point)
		nonstop_update_point();
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		update_point();
		nanosleep(&ts, NULL);
		if (done)
			exit(0);
	}
	return NULL;
}

static int command(const char *line)
{
	const char *arg;

	if ((arg = FIXTURE_ARG(line, "call ")))
		return printf("%d\n", compute(atoi(arg)));
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t t;

	fixture_init();
	if (argc > 1 && !strcmp(argv[1], "strict")) {
		if (pthread_create(&t, NULL, worker, NULL))
			return 1;
		strict_loop();
		printf("cannot enter seccomp's strict mode: %s\n", strerror(errno));
		return 1;
	}
	if (argc < 2 || sandbox(argv[1]) < 0) {
		printf("usage: prog memfd|exec|munmap|membarrier|other|strict (%s)\n",
		       strerror(errno));
		return 2;
	}
	if (pthread_create(&t, NULL, worker, NULL)) {
		printf("cannot start threads\n");
		return 1;
	}
	printf("ready\n");
	return fixture_poll_loop(command, nonstop_update_point);
}
