/* rt_read.c — reading libnonstop's memory in a target (lib/nonstop_rt.h):
 * checking its control block, and the thread registry.
 *
 * Nothing here stops a thread: the registry and the control block are
 * read through /proc/PID/mem while the program runs, and where a thread
 * is comes from /proc/PID/task/TID/syscall. A registry read races with
 * threads taking and giving back slots; a thread seen in /proc but in no
 * slot counts as not switched, which is the safe side. The target can
 * write anything there: the threads are those /proc lists (a slot naming
 * any other tid is not believed), the chunk list is walked a bounded
 * number of steps, each chunk once, and a slot with values out of range
 * counts as no slot. Functions of the tool only (no ptrace, no ELF), so
 * that they link without the rest (fuzz/target_read_fuzz.c). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "proc/mem.h"
#include "runtime/rt.h"

/* The target generation moves by one per transition: beyond this it is
 * not a generation (the tool adds to it). */
#define GEN_MAX_SANE (1u << 31)

int ns_rt_check(pid_t pid, const struct ns_rt *blk, struct ns_err *err)
{
	const char *what = NULL;

	if (blk->abi != NS_RT_ABI) {
		ns_err_set(err, "process %d runs libnonstop with runtime "
			 "interface %u; this nonstop speaks %u (use the nonstop it "
			 "was built with)", (int)pid, blk->abi, NS_RT_ABI);
		return -1;
	}
	if (blk->magic != NS_RT_MAGIC || !blk->tid) {
		ns_err_set(err, "libnonstop in process %d has not started "
			 "(its runtime thread is missing)", (int)pid);
		return -1;
	}
	if (blk->tid > INT_MAX)
		what = "its thread id";
	else if (blk->view_tpoff >= 0 || blk->view_tpoff < -NS_RT_TPOFF_MAX ||
		 blk->view_tpoff % 4)
		what = "the offset of the threads' view";
	else if (blk->gen >= GEN_MAX_SANE)
		what = "its generation";
	else if (blk->sync_core > 1 || blk->waits > 1)
		what = "a flag";
	else if (!blk->chunks || blk->chunks % 8)
		what = "the address of its thread slots";
	else if (!blk->exec)
		what = "the address of its executor";
	if (what) {
		ns_err_set(err, "libnonstop's control block in process %d is "
			 "damaged: %s is out of range", (int)pid, what);
		return -1;
	}
	return 0;
}

bool ns_rt_same_runtime(const struct ns_rt *a, const struct ns_rt *b)
{
	return a->magic == b->magic && a->abi == b->abi && a->tid == b->tid &&
	       a->view_tpoff == b->view_tpoff && a->sync_core == b->sync_core &&
	       a->chunks == b->chunks && a->exec == b->exec &&
	       a->update_point == b->update_point && a->waits == b->waits;
}

static const char *syscall_name(long nr)
{
	switch (nr) {
	case SYS_read: return "read";
	case SYS_write: return "write";
	case SYS_poll: return "poll";
	case SYS_ppoll: return "ppoll";
	case SYS_select: return "select";
	case SYS_pselect6: return "pselect6";
	case SYS_accept: return "accept";
	case SYS_accept4: return "accept4";
	case SYS_recvfrom: return "recvfrom";
	case SYS_recvmsg: return "recvmsg";
	case SYS_sendto: return "sendto";
	case SYS_futex: return "futex";
	case SYS_nanosleep: return "nanosleep";
	case SYS_clock_nanosleep: return "clock_nanosleep";
	case SYS_epoll_wait: return "epoll_wait";
	case SYS_epoll_pwait: return "epoll_pwait";
	case SYS_epoll_pwait2: return "epoll_pwait2";
	case SYS_restart_syscall: return "restart_syscall";
	case SYS_wait4: return "wait4";
	case SYS_pause: return "pause";
	case SYS_rt_sigtimedwait: return "rt_sigtimedwait";
	case SYS_rt_sigsuspend: return "rt_sigsuspend";
	default: return NULL;
	}
}

/* Where a thread is, without stopping it: in a system call (the kernel
 * shows its number while the thread sleeps in it: *NR), or running. */
static bool where(pid_t pid, pid_t tid, char *buf, size_t len, long *nr_out)
{
	bool blocked = false;
	char fn[64], line[256];
	FILE *f;
	long nr;

	*nr_out = -1;
	snprintf(buf, len, "running");
	snprintf(fn, sizeof(fn), "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
	f = fopen(fn, "r");
	if (!f)
		return false;
	if (fgets(line, sizeof(line), f) && sscanf(line, "%ld", &nr) == 1 &&
	    nr >= 0) {
		const char *name = syscall_name(nr);
		blocked = true;
		*nr_out = nr;
		if (name)
			snprintf(buf, len, "blocked in system call %s", name);
		else
			snprintf(buf, len, "blocked in system call %ld", nr);
	}
	fclose(f);
	return blocked;
}

/* The thread's name as the kernel keeps it: any bytes but NUL, a newline
 * too (prctl PR_SET_NAME takes anything), so only the newline /proc adds
 * at the end is taken off. Printed escaped (util/escape.h). */
static void comm(pid_t pid, pid_t tid, char *buf, size_t len)
{
	char fn[64];
	size_t n = 0;
	FILE *f;

	snprintf(fn, sizeof(fn), "/proc/%d/task/%d/comm", (int)pid, (int)tid);
	f = fopen(fn, "re");
	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	if (n && buf[n - 1] == '\n')
		n--;
	buf[n] = 0;
}

/* Whether slot S holds values a runtime writes: a thread id, a stack
 * check result and a wait it knows. */
static bool slot_sane(const struct ns_rt_slot *s)
{
	return s->tid && s->tid <= INT_MAX && s->scan_hit <= NS_RT_SCAN_UNKNOWN &&
	       !(s->wait & ~NS_RT_WAIT_BITS) &&
	       NS_RT_WAIT_KIND(s->wait) <= NS_RT_WAIT_KINDS;
}

const char *ns_rt_wait_name(uint64_t w)
{
	static const char *const names[NS_RT_WAIT_KINDS + 1] = {
		[NS_RT_WAIT_POLL] = "poll",
		[NS_RT_WAIT_PPOLL] = "ppoll",
		[NS_RT_WAIT_SELECT] = "select",
		[NS_RT_WAIT_PSELECT] = "pselect",
		[NS_RT_WAIT_EPOLL_WAIT] = "epoll_wait",
		[NS_RT_WAIT_EPOLL_PWAIT] = "epoll_pwait",
		[NS_RT_WAIT_EPOLL_PWAIT2] = "epoll_pwait2",
	};
	uint32_t k = NS_RT_WAIT_KIND(w);

	return k <= NS_RT_WAIT_KINDS && names[k] ? names[k] : "?";
}

/* Whether system call NR is one the C library's call KIND makes (each
 * may use another of its kin; restart_syscall continues one with a
 * timeout after the thread was stopped). */
static bool wait_syscall(uint32_t kind, long nr)
{
	if (nr == SYS_restart_syscall)
		return true;
	switch (kind) {
	case NS_RT_WAIT_POLL:
	case NS_RT_WAIT_PPOLL:
		return nr == SYS_poll || nr == SYS_ppoll;
	case NS_RT_WAIT_SELECT:
	case NS_RT_WAIT_PSELECT:
		return nr == SYS_select || nr == SYS_pselect6;
	case NS_RT_WAIT_EPOLL_WAIT:
	case NS_RT_WAIT_EPOLL_PWAIT:
	case NS_RT_WAIT_EPOLL_PWAIT2:
		return nr == SYS_epoll_wait || nr == SYS_epoll_pwait ||
		       nr == SYS_epoll_pwait2;
	default:
		return false;
	}
}

bool ns_rt_wait_syscall(long nr)
{
	return nr != SYS_restart_syscall &&
	       (wait_syscall(NS_RT_WAIT_POLL, nr) ||
		wait_syscall(NS_RT_WAIT_SELECT, nr) ||
		wait_syscall(NS_RT_WAIT_EPOLL_WAIT, nr));
}

bool ns_rt_at_wait(const struct ns_rt_thread *th)
{
	return th->registered && NS_RT_WAIT_KIND(th->wait) &&
	       !(th->wait & NS_RT_WAIT_NESTED) && th->blocked &&
	       wait_syscall(NS_RT_WAIT_KIND(th->wait), th->syscall);
}

static int by_tid(const void *a, const void *b)
{
	const struct ns_rt_thread *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* Fills the thread of V (sorted by tid) that slot S names. A slot count
 * and a thread count both in the ten thousands must not multiply: a
 * binary search per slot. */
static void take_slot(const struct ns_rt_slot *s, uint64_t addr,
		      struct ns_rt_thread *v, size_t n)
{
	struct ns_rt_thread key = { .tid = (pid_t)s->tid };
	struct ns_rt_thread *t = bsearch(&key, v, n, sizeof(*v), by_tid);

	if (!t)
		return;
	t->registered = true;
	t->slot_addr = addr;
	t->passes = s->passes;
	t->outside = s->outside <= UINT32_MAX ? (uint32_t)s->outside : 0;
	t->view = s->view;
	t->scan_gen = s->scan_gen;
	t->scan_hit = s->scan_hit;
	t->scan_pc = s->scan_pc;
	t->switched_ns = s->switched_ns;
	t->wait = s->wait;
}

int ns_rt_read_slots(int mem_fd, const struct ns_rt *blk,
		     struct ns_rt_thread *v, size_t n)
{
	uint64_t *seen = malloc(NS_RT_CHUNKS_MAX * sizeof(*seen));
	uint64_t at = blk->chunks;
	size_t chunks = 0;
	int rc = -1;

	if (!seen)
		return -1;
	qsort(v, n, sizeof(*v), by_tid);
	while (at) {
		struct ns_rt_chunk c;

		errno = EBADMSG;
		if (at % 8 || chunks == NS_RT_CHUNKS_MAX)
			goto out;
		for (size_t i = 0; i < chunks; i++)
			if (seen[i] == at)
				goto out;      /* a loop */
		seen[chunks++] = at;
		if (ns_mem_read(mem_fd, at, &c, sizeof(c)) < 0)
			goto out;
		for (int s = 0; s < NS_RT_SLOTS; s++)
			if (slot_sane(&c.slot[s]))
				take_slot(&c.slot[s], at + offsetof(struct ns_rt_chunk,
								    slot) +
					  (uint64_t)s * sizeof(c.slot[0]), v, n);
		at = c.next;
	}
	rc = 0;
out:
	free(seen);
	return rc;
}

int ns_rt_threads(pid_t pid, int mem_fd, const struct ns_rt_handle *rt,
		  struct ns_rt_thread **out, size_t *nout)
{
	char fn[64];
	struct dirent *de;
	struct ns_rt_thread *v = NULL;
	size_t n = 0, cap = 0;
	DIR *d;

	snprintf(fn, sizeof(fn), "/proc/%d/task", (int)pid);
	d = opendir(fn);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		pid_t tid = (pid_t)atoi(de->d_name);
		if (tid <= 0)
			continue;
		if (n == cap) {
			struct ns_rt_thread *nv;
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				closedir(d);
				free(v);
				errno = ENOMEM;
				return -1;
			}
			v = nv;
		}
		memset(&v[n], 0, sizeof(v[n]));
		v[n].tid = tid;
		v[n].runtime = (uint32_t)tid == rt->blk.tid;
		comm(pid, tid, v[n].comm, sizeof(v[n].comm));
		/* Before the slots: a wait word read after /proc showed the
		 * thread asleep in the call's system call tells whether that
		 * sleep is in the wait the word names (ns_rt_at_wait). */
		v[n].blocked = where(pid, tid, v[n].where, sizeof(v[n].where),
				     &v[n].syscall);
		n++;
	}
	closedir(d);
	if (ns_rt_read_slots(mem_fd, &rt->blk, v, n) < 0) {
		free(v);
		return -1;
	}
	*out = v;
	*nout = n;
	return 0;
}
