/* revert.c — undoing an applied patch, from its record in the target.
 *
 * One sequence, whatever the mode (core/mode.h): the patch is found, a
 * later patch that also replaces one of its functions must go first, a
 * patch that transformed data needs its untransformers (run in the
 * switch back, core/xform.h); its pre-revert hook runs before the switch
 * back, its post-revert hook after it (core/hooks.h); then the memory is
 * released. How the threads go back — all stopped at once
 * (core/stop.c), or each at its next update point (core/pt_revert.c) —
 * is the mode's. Should nonstop die in between, the next revert carries
 * on from the state the record is in (registry/rec_state.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "core/hooks.h"
#include "core/lock.h"
#include "core/mode.h"
#include "core/revert_op.h"
#include "core/xform.h"
#include "proc/mem.h"
#include "proc/remote.h"
#include "registry/registry.h"

/* A patch that transformed data is reverted only with its untransformers:
 * without one, what the new code did to the variable would be lost. */
static int read_xforms(struct ns_revert_op *r)
{
	const struct ns_rec *rec = r->e->rec;

	if (ns_xform_read(r->s.tr.mem_fd, rec, &r->xforms, &r->s.res->err) < 0)
		return -1;
	for (uint32_t i = 0; i < rec->nxforms; i++)
		if (!r->xforms[i].unfn)
			return ns_op_fail(r->s.res, "patch '%s' cannot be reverted: it "
					  "transformed variable '%s' and gives no "
					  "NONSTOP_UNTRANSFORM to put its state back",
					  rec->name, r->xforms[i].name);
	return 0;
}

/* A later patch redirecting one of our functions must go first. */
static int check_conflicts(struct ns_revert_op *r)
{
	struct ns_rec *me = r->e->rec;

	for (size_t i = 0; i < r->s.reg.n; i++) {
		struct ns_rec *o = r->s.reg.v[i].rec;
		if (o->seq <= me->seq || o->state == NS_REC_PT_RETIRING)
			continue;
		for (uint32_t a = 0; a < me->nfuncs; a++)
			for (uint32_t b = 0; b < o->nfuncs; b++)
				if (me->funcs[a].old_addr == o->funcs[b].old_addr)
					return ns_op_fail(r->s.res, "patch '%s' "
						"cannot be reverted before patch "
						"'%s', which also replaces %s",
						me->name, o->name,
						me->funcs[a].name);
	}
	return 0;
}

/* ---- hooks ---------------------------------------------------------------- */

/* The pre-revert hook, before the switch back, if it is due (hooks.h):
 * non-zero refuses the revert. */
static int pre_revert(struct ns_revert_op *r)
{
	struct ns_hook_run *run = &r->s.res->hooks[NS_HOOK_PRE_REVERT - 1];
	struct ns_err *err = &r->s.res->err;
	char what[NS_ERR_MAX];
	int rc;

	if (ns_hooks_idle(&r->s.tr, r->e->addr) < 0)
		return ns_err_replace(err, "refused: %.900s", ns_err_msg(err));
	if (r->e->rec->state != NS_REC_APPLIED ||
	    !ns_hooks_pre_revert_due(&r->s.tr, r->e->addr))
		return 0;
	rc = ns_hook_veto(&r->s.tr, NULL, r->e->addr, NS_HOOK_PRE_REVERT,
			  r->s.o->timeout, run, NULL, what, sizeof(what));
	if (rc < 0)
		return ns_err_replace(err, "refused: %.900s", ns_err_msg(err));
	if (rc == 1)
		return ns_op_fail(r->s.res, "refused: %.800s; the patch stays "
				  "applied", what);
	return 0;
}

/* ---- end of hooks ---------------------------------------------------------- */

/* No record to revert: says so, or, if the one named is damaged (a value
 * out of range: never acted on), why. */
static void not_found(struct ns_revert_op *r, const char *name)
{
	pid_t pid = r->s.o->pid;

	r->s.res->why = NS_WHY_NOT_APPLIED;
	for (size_t i = 0; name && i < r->s.reg.nbad; i++)
		if (!strcmp(r->s.reg.bad[i].name, name)) {
			ns_op_fail(r->s.res, "the record of patch '%s' in process %d "
				   "is damaged (%s): it is not acted on", name,
				   (int)pid, r->s.reg.bad[i].why);
			return;
		}
	if (name)
		ns_op_fail(r->s.res, "no patch named '%s' is applied to process %d",
			   name, (int)pid);
	else
		ns_op_fail(r->s.res, "no patch is applied to process %d", (int)pid);
}

/* The patch NAME (NULL: the last applied), or why there is none. */
static int find_record(struct ns_revert_op *r, const char *name)
{
	r->e = ns_registry_find(&r->s.reg, name);
	if (!r->e) {
		not_found(r, name);
		return -1;
	}
	snprintf(r->s.res->name, sizeof(r->s.res->name), "%s", r->e->rec->name);
	return 0;
}

static int find_gadgets(struct ns_revert_op *r)
{
	if (ns_remote_find_gadgets(&r->s.tr, &r->gadgets) < 0)
		return -1;
	return 0;
}

int ns_revert(const struct ns_op_opts *o, const char *name,
	      struct ns_op_result *res)
{
	struct ns_revert_op r = { .e = NULL };
	int rc = 1;

	ns_session_init(&r.s, o, res);
	if (ns_session_lock(&r.s) < 0 || ns_mode_choose_revert(&r.s, name) < 0 ||
	    ns_session_hold(&r.s) < 0 || find_record(&r, name) < 0 ||
	    check_conflicts(&r) < 0 || read_xforms(&r) < 0 ||
	    find_gadgets(&r) < 0)
		goto out;
	res->nfuncs = r.e->rec->nfuncs;
	res->nxforms = r.e->rec->nxforms;
	if (pre_revert(&r) < 0 || r.s.mode->switch_back(&r) < 0 ||
	    r.s.mode->release(&r) < 0)
		goto out;
	rc = 0;
out:
	free(r.undo);
	free(r.xforms);
	ns_session_close(&r.s);
	return rc;
}

/* How many patches PID has applied; -1 if its records cannot be read. */
static int applied_count(pid_t pid)
{
	struct ns_registry reg;
	int fd = ns_mem_open(pid), n = -1;

	if (fd < 0)
		return -1;
	if (ns_registry_read(pid, fd, &reg) == 0) {
		n = 0;
		for (size_t i = 0; i < reg.n; i++)
			n += reg.v[i].rec->state != NS_REC_PT_RETIRING;
		ns_registry_free(&reg);
	}
	close(fd);
	return n;
}

int ns_revert_all(const struct ns_op_opts *o,
		  void (*each)(const struct ns_op_result *res, void *arg),
		  void *arg, struct ns_op_result *res)
{
	struct ns_lock lock = NS_LOCK_INIT;
	struct ns_op_opts one = *o;
	int n, first, rc = 1;

	memset(res, 0, sizeof(*res));
	/* One lock for the whole run: no other nonstop in between. */
	if (!o->locked && ns_lock_take(o->pid, &lock, &res->err) != 0)
		return 1;
	one.locked = true;
	first = applied_count(o->pid);
	/* Each revert takes one patch out: as many as there were at first,
	 * at most (records the process rewrites cannot keep us here). */
	for (int done = 0; (n = applied_count(o->pid)) > 0; done++) {
		if (done >= first) {
			ns_op_fail(res, "process %d still has %d patches applied "
				   "after %d were reverted", (int)o->pid, n, done);
			goto out;
		}
		if (ns_revert(&one, NULL, res) != 0)
			goto out;
		each(res, arg);
	}
	if (n < 0) {
		ns_op_fail(res, "cannot read the patches applied to process %d: %s",
			   (int)o->pid, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	ns_lock_drop(&lock);
	return rc;
}
