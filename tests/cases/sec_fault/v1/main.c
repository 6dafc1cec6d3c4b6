/* Target for t_sec_fault: a hostile program that forges libnonstop's
 * control block (struct ns_rt of lib/nonstop_rt.h: compile with -I lib),
 * without libnonstop, so that nonstop takes it for a per-thread target
 * and calls its "executor" in one of the program's own threads (a thread
 * asleep in pause(), named "sleeper"). Argument MODE says what that
 * executor is:
 *   segv     0x1000, an unmapped address: the call faults (SIGSEGV)
 *   ill      a function that executes ud2 (SIGILL)
 *   syscall  a function that calls reboot, on which the program's seccomp
 *            filter kills it (SECCOMP_RET_KILL_PROCESS)
 *   kill     a function that kills its own process with SIGSYS
 * Commands:
 *   ping     pong
 *   call N   compute(N), the function the patch changes (old: N + 1)
 *   sleeper  the tid of the sleeper thread */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nonstop_rt.h"

int compute(int x);

struct ns_rt nonstop__rt = { .abi = NS_RT_ABI };

static int trap_fn(const void *plan)
{
	(void)plan;
	__builtin_trap();
}

static int reboot_fn(const void *plan)
{
	(void)plan;
	return (int)syscall(SYS_reboot, 0, 0, 0, 0);
}

/* The signal goes to another thread (this one has them all blocked
 * while nonstop runs it); this one waits for the end. */
static int kill_fn(const void *plan)
{
	(void)plan;
	kill(getpid(), SIGSYS);
	for (;;)
		pause();
}

static int kill_reboot(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_reboot, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(*f), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			    SECCOMP_FILTER_FLAG_TSYNC, &prog);
}

static void *sleeper(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "sleeper", 0, 0, 0);
	__atomic_store_n(&nonstop__rt.tid, (uint32_t)syscall(SYS_gettid),
			 __ATOMIC_RELEASE);
	for (;;)
		pause();
	return NULL;
}

static uint64_t executor(const char *mode)
{
	if (!strcmp(mode, "segv"))
		return 0x1000;
	if (!strcmp(mode, "ill"))
		return (uint64_t)(uintptr_t)trap_fn;
	if (!strcmp(mode, "syscall"))
		return kill_reboot() < 0 ? 0 : (uint64_t)(uintptr_t)reboot_fn;
	if (!strcmp(mode, "kill"))
		return (uint64_t)(uintptr_t)kill_fn;
	return 0;
}

int main(int argc, char **argv)
{
	char line[256];
	pthread_t t;

	/* Under Yama ptrace_scope=1, let nonstop (not our parent) attach. */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	nonstop__rt.exec = argc > 1 ? executor(argv[1]) : 0;
	if (!nonstop__rt.exec) {
		printf("usage: prog segv|ill|syscall|kill (%s)\n", strerror(errno));
		return 2;
	}
	if (pthread_create(&t, NULL, sleeper, NULL)) {
		printf("cannot start threads\n");
		return 1;
	}
	while (!__atomic_load_n(&nonstop__rt.tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	__atomic_store_n(&nonstop__rt.magic, NS_RT_MAGIC, __ATOMIC_RELEASE);
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "ping"))
			printf("pong\n");
		else if (!strncmp(line, "call ", 5))
			printf("%d\n", compute(atoi(line + 5)));
		else if (!strcmp(line, "sleeper"))
			printf("%u\n", __atomic_load_n(&nonstop__rt.tid,
						       __ATOMIC_ACQUIRE));
		else
			printf("unknown command: %s\n", line);
	}
	return 0;
}
