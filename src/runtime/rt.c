/* rt.c — the tool's side of libnonstop: finding its control block in a
 * target (lib/nonstop_rt.h), by the runtime's symbols in the target's
 * modules, and reading it again. What it says is checked (rt_read.c:
 * ns_rt_check) and matched against what the target's files and /proc say:
 * the runtime thread must be one of the target's, the executor
 * libnonstop's own function. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "proc/mem.h"
#include "runtime/rt.h"

/* Whether TID is a thread of PID: /proc/PID/task lists only its own, so
 * a control block cannot name a thread of another process. */
static bool own_thread(pid_t pid, uint32_t tid)
{
	char fn[64];
	struct stat st;

	snprintf(fn, sizeof(fn), "/proc/%d/task/%u", (int)pid, tid);
	return stat(fn, &st) == 0;
}

int ns_rt_refresh(int mem_fd, struct ns_rt_handle *rt)
{
	struct ns_rt blk;
	struct ns_err why = { 0 };

	if (ns_mem_read(mem_fd, rt->addr, &blk, sizeof(blk)) < 0)
		return -1;
	if (ns_rt_check(0, &blk, &why) < 0 ||
	    !ns_rt_same_runtime(&blk, &rt->blk)) {
		errno = EBADMSG;
		return -1;
	}
	rt->blk = blk;
	return 0;
}

/* Checks the control block RT->blk of module M of T (as ns_rt_find). */
static int check_found(struct ns_target *t, struct ns_module *m,
		       const struct ns_rt_handle *rt, struct ns_err *err)
{
	struct ns_symval exec;
	struct ns_err absent = { 0 };   /* said below, with what it means */

	if (ns_rt_check(t->pid, &rt->blk, err) < 0)
		return -1;
	if (!own_thread(t->pid, rt->blk.tid)) {
		ns_err_set(err, "libnonstop's control block in process %d "
			 "names thread %u, which is not one of its threads",
			 (int)t->pid, rt->blk.tid);
		return -1;
	}
	if (ns_module_lookup(m, "nonstop__rt_exec", NULL, &exec, &absent) < 0 || exec.addr != rt->blk.exec) {
		ns_err_set(err, "libnonstop's control block in process %d "
			 "names an executor at 0x%llx that is not its "
			 "nonstop__rt_exec in %s", (int)t->pid,
			 (unsigned long long)rt->blk.exec, m->path);
		return -1;
	}
	return 0;
}

int ns_rt_find(struct ns_target *t, int mem_fd, struct ns_rt_handle *rt,
	       struct ns_err *err)
{
	struct ns_err why = { 0 };

	memset(rt, 0, sizeof(*rt));
	for (size_t i = 0; i < t->nmods; i++) {
		struct ns_symval sv;
		if (ns_module_lookup(&t->mods[i], "nonstop__rt", NULL, &sv,
				     &why) < 0 ||
		    sv.type != STT_OBJECT)
			continue;
		rt->addr = sv.addr;
		rt->module = t->mods[i].path;
		if (ns_mem_read(mem_fd, rt->addr, &rt->blk, sizeof(rt->blk)) < 0) {
			ns_err_set(err, "cannot read libnonstop's control "
				 "block in process %d: %s", (int)t->pid,
				 strerror(errno));
			return -1;
		}
		return check_found(t, &t->mods[i], rt, err) < 0 ? -1 : 1;
	}
	return 0;
}
