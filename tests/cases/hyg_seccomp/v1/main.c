/* Target for t_hyg_seccomp: a program that sandboxes itself with a seccomp
 * filter (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER)) before it starts its
 * threads, so every thread has it. Argument MODE says what it denies, with
 * SECCOMP_RET_ERRNO(EPERM):
 *   memfd   memfd_create
 *   exec    mmap, mprotect and pkey_mprotect asking for PROT_EXEC
 *   all     both
 * Commands:
 *   ping     pong
 *   call N   compute(N), the function the patch changes (old: N + 1)
 *   probe    tries both itself: "memfd=R exec=R", R "denied" (EPERM),
 *            "allowed" or "error" */
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

static int sandbox(int deny_memfd, int deny_exec)
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
	if (deny_memfd) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						      __NR_memfd_create, 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						      SECCOMP_RET_ERRNO | EPERM);
	}
	if (deny_exec) {
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
						      SECCOMP_RET_ERRNO | EPERM);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = n;
	prog.filter = f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

static const char *verdict(long r)
{
	return r >= 0 ? "allowed" : errno == EPERM ? "denied" : "error";
}

static void probe(void)
{
	long fd = syscall(SYS_memfd_create, "probe", 0);
	const char *m = verdict(fd);
	void *p;

	if (fd >= 0)
		close((int)fd);
	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	printf("memfd=%s exec=%s\n", m, verdict(p == MAP_FAILED ? -1 : 0));
	if (p != MAP_FAILED)
		munmap(p, 4096);
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static int command(const char *line)
{
	const char *arg;

	if ((arg = FIXTURE_ARG(line, "call ")))
		return printf("%d\n", compute(atoi(arg)));
	if (!strcmp(line, "probe")) {
		probe();
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	pthread_t t;
	int m = !strcmp(mode, "memfd") || !strcmp(mode, "all");
	int x = !strcmp(mode, "exec") || !strcmp(mode, "all");

	fixture_init();
	if (!m && !x) {
		printf("usage: prog memfd|exec|all\n");
		return 2;
	}
	if (sandbox(m, x) < 0) {
		printf("cannot install the seccomp filter: %s\n", strerror(errno));
		return 1;
	}
	if (pthread_create(&t, NULL, worker, NULL)) {
		printf("cannot start threads\n");
		return 1;
	}
	printf("ready\n");
	return fixture_loop(command);
}
