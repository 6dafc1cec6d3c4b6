/* rt.c — the tool's side of libnonstop: finding its control block in a
 * target and reading the thread registry (lib/nonstop_rt.h).
 *
 * Nothing here stops a thread: the registry and the control block are
 * read through /proc/PID/mem while the program runs, and where a thread
 * is comes from /proc/PID/task/TID/syscall. A registry read races with
 * threads taking and giving back slots; a thread seen in /proc but in no
 * slot counts as not switched, which is the safe side. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "proc/mem.h"
#include "runtime/rt.h"

int ns_rt_refresh(int mem_fd, struct ns_rt_handle *rt)
{
	return ns_mem_read(mem_fd, rt->addr, &rt->blk, sizeof(rt->blk));
}

int ns_rt_find(struct ns_target *t, int mem_fd, struct ns_rt_handle *rt,
	       char *err, size_t errlen)
{
	char why[256];

	memset(rt, 0, sizeof(*rt));
	for (size_t i = 0; i < t->nmods; i++) {
		struct ns_symval sv;
		if (ns_module_lookup(&t->mods[i], "nonstop__rt", NULL, &sv,
				     why, sizeof(why)) < 0 ||
		    sv.type != STT_OBJECT)
			continue;
		rt->addr = sv.addr;
		rt->module = t->mods[i].path;
		if (ns_rt_refresh(mem_fd, rt) < 0) {
			snprintf(err, errlen, "cannot read libnonstop's control "
				 "block in process %d: %s", (int)t->pid,
				 strerror(errno));
			return -1;
		}
		if (rt->blk.abi != NS_RT_ABI) {
			snprintf(err, errlen, "process %d runs libnonstop with "
				 "runtime interface %u; this nonstop speaks %u "
				 "(use the nonstop it was built with)", (int)t->pid,
				 rt->blk.abi, NS_RT_ABI);
			return -1;
		}
		if (rt->blk.magic != NS_RT_MAGIC || !rt->blk.tid) {
			snprintf(err, errlen, "libnonstop in process %d has not "
				 "started (its runtime thread is missing)",
				 (int)t->pid);
			return -1;
		}
		return 1;
	}
	return 0;
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
	case SYS_wait4: return "wait4";
	case SYS_pause: return "pause";
	case SYS_rt_sigtimedwait: return "rt_sigtimedwait";
	case SYS_rt_sigsuspend: return "rt_sigsuspend";
	default: return NULL;
	}
}

/* Where a thread is, without stopping it: in a system call (the kernel
 * shows its number while the thread sleeps in it), or running. */
static bool where(pid_t pid, pid_t tid, char *buf, size_t len)
{
	bool blocked = false;
	char fn[64], line[256];
	FILE *f;
	long nr;

	snprintf(buf, len, "running");
	snprintf(fn, sizeof(fn), "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
	f = fopen(fn, "r");
	if (!f)
		return false;
	if (fgets(line, sizeof(line), f) && sscanf(line, "%ld", &nr) == 1 &&
	    nr >= 0) {
		const char *name = syscall_name(nr);
		blocked = true;
		if (name)
			snprintf(buf, len, "blocked in system call %s", name);
		else
			snprintf(buf, len, "blocked in system call %ld", nr);
	}
	fclose(f);
	return blocked;
}

static void comm(pid_t pid, pid_t tid, char *buf, size_t len)
{
	char fn[64];
	FILE *f;

	buf[0] = 0;
	snprintf(fn, sizeof(fn), "/proc/%d/task/%d/comm", (int)pid, (int)tid);
	f = fopen(fn, "r");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

/* Fills V[i] from the slot of its thread, if it has one. */
static int read_slots(int mem_fd, const struct ns_rt_handle *rt,
		      struct ns_rt_thread *v, size_t n)
{
	uint64_t at = rt->blk.chunks;
	unsigned chunks = 0;

	while (at && chunks++ < 1u << 16) {
		struct ns_rt_chunk c;
		if (ns_mem_read(mem_fd, at, &c, sizeof(c)) < 0)
			return -1;
		for (int s = 0; s < NS_RT_SLOTS; s++) {
			if (!c.slot[s].tid)
				continue;
			for (size_t i = 0; i < n; i++) {
				if (v[i].tid != (pid_t)c.slot[s].tid)
					continue;
				v[i].registered = true;
				v[i].view = c.slot[s].view;
				v[i].scan_gen = c.slot[s].scan_gen;
				v[i].scan_hit = c.slot[s].scan_hit;
				v[i].scan_pc = c.slot[s].scan_pc;
				v[i].switched_ns = c.slot[s].switched_ns;
			}
		}
		at = c.next;
	}
	return 0;
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
		v[n].blocked = where(pid, tid, v[n].where, sizeof(v[n].where));
		n++;
	}
	closedir(d);
	if (read_slots(mem_fd, rt, v, n) < 0) {
		free(v);
		return -1;
	}
	*out = v;
	*nout = n;
	return 0;
}
