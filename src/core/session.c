/* session.c — opening and closing a process for one apply or revert
 * (session.h): the steps both take, in one order. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "core/mapping.h"
#include "core/mode_ops.h"
#include "core/pt_sweep.h"
#include "core/session.h"

void ns_session_init(struct ns_session *s, const struct ns_op_opts *o,
		     struct ns_op_result *res)
{
	memset(res, 0, sizeof(*res));
	memset(s, 0, sizeof(*s));
	s->o = o;
	s->res = res;
	s->lock = (struct ns_lock)NS_LOCK_INIT;
	s->tr.mem_fd = -1;
	s->tr.err = &res->err;   /* the operation's one error value */
}

int ns_session_lock(struct ns_session *s)
{
	pid_t pid = s->o->pid;

	if (kill(pid, 0) < 0 && errno == ESRCH) {
		s->res->why = NS_WHY_GONE;
		return ns_op_fail(s->res, "no process %d", (int)pid);
	}
	if (!s->o->locked && ns_lock_take(pid, &s->lock, &s->res->err) != 0)
		return -1;
	return 0;
}

int ns_session_hold(struct ns_session *s)
{
	struct ns_op_result *res = s->res;
	pid_t pid = s->o->pid;

	if (s->mode->attach(s) < 0) {
		if (s->tr.refused)
			res->why = NS_WHY_NOT_PERMITTED;
		return -1;
	}
	if (ns_lock_same_process(&s->lock, pid, &res->err) < 0 ||
	    s->mode->check_syscalls(s) < 0)
		return -1;
	if (ns_registry_read(pid, s->tr.mem_fd, &s->reg) < 0)
		return ns_op_fail(res, "cannot read the registry of process %d",
				  (int)pid);
	/* Leftovers of an earlier nonstop: per-thread patches whose time to
	 * go has come (whatever the mode of this operation), those left
	 * switching whose threads have all switched since (completed: by a
	 * per-thread operation, which holds libnonstop's thread; apply
	 * --complete does it itself), then every mapping no patch runs from
	 * (core/mapping.h). */
	if (s->rt.addr &&
	    ns_pt_sweep(&s->tr, NULL, &s->rt, &s->reg,
			s->mode->rec_mode == NS_MODE_PER_THREAD &&
			!s->o->complete) < 0)
		return -1;
	return ns_mapping_sweep(&s->tr, &s->reg);
}

void ns_session_close(struct ns_session *s)
{
	ns_safety_free(s->safety);
	s->safety = NULL;
	ns_tracee_close(&s->tr);
	ns_registry_free(&s->reg);
	ns_target_close(&s->target);
	ns_lock_drop(&s->lock);
}
