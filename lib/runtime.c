/* runtime.c — libnonstop's start: the control block the tool finds, and the
 * runtime thread that hosts the tool's calls.
 *
 * The per-thread transition never stops a thread that serves the program.
 * The tool needs one thread of the target to run its few system calls
 * (mapping the patch) and the plan that writes the redirections
 * (exec.c); this thread is that one. It has every signal blocked and
 * sleeps in pause() for the life of the process: the tool interrupts it
 * with ptrace, borrows it, and puts it back to sleep. It holds no lock
 * when interrupted, so whatever the tool has it call cannot deadlock on
 * its own state. */
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/membarrier.h>

#include "nonstop_rt.h"
#include "rt_internal.h"

struct ns_rt nonstop__rt __attribute__((visibility("default"))) = {
	.abi = NS_RT_ABI,
};

static void *runtime_thread(void *arg)
{
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	/* The hooks nonstop runs here may wait: never an update point. */
	ns_rt_wait_exempt();
	__atomic_store_n(&nonstop__rt.tid, (uint32_t)syscall(SYS_gettid),
			 __ATOMIC_RELEASE);
	for (;;)
		pause();
	return NULL;
}

/* Starts the runtime thread; its signals are blocked from birth, so no
 * signal meant for the program is ever delivered to it. */
static int start_thread(void)
{
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t t;
	int rc;

	if (pthread_attr_init(&attr))
		return -1;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = ns_rt_real_pthread_create(&t, &attr, runtime_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc)
		return -1;
	pthread_setname_np(t, "nonstop-rt");
	return 0;
}

/* Cross-modifying code: after the runtime writes an instruction, every
 * thread must serialise its instruction stream before it can be sent to
 * the new code (exec.c). The kernel does that for registered processes. */
static void register_membarrier(void)
{
	long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);

	if (cmds > 0 &&
	    (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE) &&
	    syscall(SYS_membarrier,
		    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0) == 0)
		nonstop__rt.sync_core = 1;
}

/* In a fork()ed child only the forking thread exists: it gets a runtime
 * thread of its own, and a registry with itself alone. Its view and the
 * generation stay what they were: the child runs the same code. */
static void after_fork_child(void)
{
	nonstop__rt.tid = 0;
	ns_rt_registry_after_fork();
	start_thread();
}

__attribute__((constructor)) static void ns_rt_init(void)
{
	const char *up = getenv("NONSTOP_UPDATE_POINTS");

	nonstop__rt.view_tpoff = ns_rt_view_tpoff();
	nonstop__rt.exec = (uint64_t)(uintptr_t)nonstop__rt_exec;
	nonstop__rt.update_point = (uint64_t)(uintptr_t)nonstop_update_point;
	register_membarrier();
	if (ns_rt_registry_init() < 0)
		return;
	/* Read once: the wrappers (waits.c) only forward unless it is set. */
	nonstop__rt.waits = up && !strcmp(up, "waits");
	ns_rt_waits_init((int)nonstop__rt.waits);
	/* The thread that loads libnonstop (the main thread, for a program
	 * linked with it or started with LD_PRELOAD) takes its slot now, as
	 * pthread_create's threads do at their start: nonstop can then
	 * switch it while it sleeps in a system call without ever passing
	 * an update point (src/transition/pt_blocked.h). */
	ns_rt_thread_start();
	pthread_atfork(NULL, NULL, after_fork_child);
	if (start_thread() < 0)
		return;
	/* Ready: the tool uses the runtime only once it sees the magic. */
	__atomic_store_n(&nonstop__rt.magic, NS_RT_MAGIC, __ATOMIC_RELEASE);
}
