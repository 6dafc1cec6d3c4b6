/* Target for t_sec_fault: a hostile program that forges libnonstop's
 * control block (struct ns_rt of lib/nonstop_rt.h: compile with -I lib),
 * without libnonstop, so that nonstop takes it for a per-thread target
 * and calls its executor, nonstop__rt_exec, in one of the program's own
 * threads (a thread asleep in pause(), named "sleeper"). The block passes
 * every check nonstop makes of it (its executor is the program's own
 * nonstop__rt_exec); argument MODE says what that executor does:
 *   segv     calls 0x1000, an unmapped address: the call faults (SIGSEGV)
 *   ill      executes ud2 (SIGILL)
 *   syscall  calls reboot, on which the program's seccomp filter kills it
 *            (SECCOMP_RET_KILL_PROCESS)
 *   kill     kills its own process with SIGSYS
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
#include <sys/syscall.h>
#include <unistd.h>

#include "fixture.h"
#include "nonstop_rt.h"

int compute(int x);

struct ns_rt nonstop__rt = { .abi = NS_RT_ABI, .view_tpoff = -8 };

/* Where the block says the thread slots are: none taken. */
static struct ns_rt_chunk slots __attribute__((aligned(64)));

enum mode { SEGV = 1, ILL, SYSCALL, KILL };
static enum mode mode;

/* The executor nonstop calls. KILL: the signal goes to another thread
 * (this one has them all blocked while nonstop runs it); this one waits
 * for the end. */
int nonstop__rt_exec(const struct ns_rt_plan *plan)
{
	(void)plan;
	switch (mode) {
	case SEGV:
		((void (*)(void))(uintptr_t)0x1000)();
		return 0;
	case ILL:
		__builtin_trap();
	case SYSCALL:
		return (int)syscall(SYS_reboot, 0, 0, 0, 0);
	case KILL:
		kill(getpid(), SIGSYS);
		for (;;)
			pause();
	}
	return 0;
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

static enum mode mode_of(const char *arg)
{
	if (!strcmp(arg, "segv"))
		return SEGV;
	if (!strcmp(arg, "ill"))
		return ILL;
	if (!strcmp(arg, "syscall"))
		return kill_reboot() < 0 ? 0 : SYSCALL;
	if (!strcmp(arg, "kill"))
		return KILL;
	return 0;
}

static int command(const char *line)
{
	const char *arg;

	if ((arg = FIXTURE_ARG(line, "call ")))
		return printf("%d\n", compute(atoi(arg)));
	if (!strcmp(line, "sleeper"))
		return printf("%u\n", __atomic_load_n(&nonstop__rt.tid,
						      __ATOMIC_ACQUIRE));
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t t;

	fixture_init();
	mode = argc > 1 ? mode_of(argv[1]) : 0;
	nonstop__rt.exec = (uint64_t)(uintptr_t)nonstop__rt_exec;
	nonstop__rt.chunks = (uint64_t)(uintptr_t)&slots;
	if (!mode) {
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
	return fixture_loop(command);
}
