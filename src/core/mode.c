/* mode.c — which mode an apply or a revert takes (mode.h), and the rule
 * that a process takes patches in one mode at a time. The modes' tables
 * are their own files': core/stop.c, core/pt.c. */
#include <stdio.h>
#include <unistd.h>

#include "core/mode.h"
#include "core/session.h"

int ns_mode_choose_apply(struct ns_session *s)
{
	const struct ns_op_opts *o = s->o;
	int fd = ns_op_mem_open(o->pid, s->res), found;

	if (fd < 0)
		return -1;
	if (ns_target_open(&s->target, o->pid, &s->res->err) < 0) {
		close(fd);
		return -1;
	}
	found = o->mode == NS_OPT_MODE_STOP ? 0 :
		ns_rt_find(&s->target, fd, &s->rt, &s->res->err);
	close(fd);
	if (found < 0)
		return -1;
	if (!found && o->mode == NS_OPT_MODE_PER_THREAD)
		return ns_op_fail(s->res, "process %d does not run libnonstop, "
				  "which the per-thread mode needs (link the "
				  "program with -lnonstop, or start it with "
				  "LD_PRELOAD=libnonstop.so)", (int)o->pid);
	s->mode = found == 1 ? &ns_mode_per_thread : &ns_mode_stop;
	s->res->mode = (int)s->mode->rec_mode;
	return 0;
}

int ns_mode_choose_revert(struct ns_session *s, const char *name)
{
	const struct ns_op_opts *o = s->o;
	struct ns_registry reg;
	struct ns_rec_entry *e;
	int fd = ns_op_mem_open(o->pid, s->res), found;
	bool pt, mark;

	if (fd < 0)
		return -1;
	if (ns_registry_read(o->pid, fd, &reg) < 0) {
		close(fd);
		return ns_op_fail(s->res, "cannot read the registry of process %d",
				  (int)o->pid);
	}
	e = ns_registry_find(&reg, name);
	pt = e && e->rec->mode == NS_MODE_PER_THREAD;
	ns_registry_free(&reg);
	/* libnonstop is looked for whatever the mode: the sweep releases
	 * per-thread patches whose time has come (session.h). Not finding
	 * it is a failure only for a per-thread patch. */
	mark = ns_err_mark(&s->res->err);
	found = 0;
	if (ns_target_open(&s->target, o->pid, &s->res->err) == 0)
		found = ns_rt_find(&s->target, fd, &s->rt, &s->res->err);
	close(fd);
	if (pt && found != 1)
		return found < 0 ? -1 :
			ns_err_replace(&s->res->err, "patch '%s' was applied per "
				       "thread, but libnonstop is not running in "
				       "process %d", name ? name : "(last)",
				       (int)o->pid);
	ns_err_forget(&s->res->err, mark);
	s->mode = pt ? &ns_mode_per_thread : &ns_mode_stop;
	s->res->mode = (int)s->mode->rec_mode;
	return 0;
}

int ns_mode_check_mixed(const struct ns_session *s)
{
	const struct ns_registry *reg = &s->reg;

	for (size_t i = 0; i < reg->n; i++) {
		const struct ns_rec *r = reg->v[i].rec;
		if (r->mode == s->mode->rec_mode)
			continue;
		return ns_op_fail(s->res, "patch '%s' is applied to process %d in "
				  "%s mode; a process takes patches in one mode "
				  "at a time (revert it first, or use --mode %s)",
				  r->name, (int)s->o->pid,
				  r->mode == NS_MODE_PER_THREAD ? "per-thread"
								: "stop-the-world",
				  r->mode == NS_MODE_PER_THREAD ? "per-thread"
								: "stop");
	}
	return 0;
}
