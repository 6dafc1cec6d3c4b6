/* revert.c — undoing an applied patch, from its record in the target.
 *
 * The entry jumps are replaced by the bytes they overwrote while every
 * thread is stopped and none is in the patch's code; the record is marked
 * "reverting" in the same stop. Once the threads run again, nothing can
 * enter the patch, and its mapping is removed outside the pause. Should
 * nonstop die in between, the next revert finds the record "reverting" and
 * only removes the mapping. A patch whose functions a later patch also
 * replaces cannot be reverted before that later one. A patch that
 * transformed data runs its untransformers in the same stop, right before
 * the switch back (core/xform.h), and is refused without them. A
 * per-thread patch is reverted by core/pt_revert.c, holding only
 * libnonstop's thread. A patch's pre-revert hook runs before the switch
 * back (in both modes), its post-revert hook after it (core/hooks.h). */
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "core/hooks.h"
#include "core/lock.h"
#include "core/mapping.h"
#include "core/pt.h"
#include "core/recheck.h"
#include "core/syscalls.h"
#include "core/xform.h"
#include "link/target.h"
#include "proc/mem.h"
#include "proc/remote.h"
#include "proc/tracee.h"
#include "registry/rec_state.h"
#include "registry/registry.h"
#include "transition/redirect.h"
#include "transition/transition.h"
#include "util/sched.h"

struct revert {
	const struct ns_op_opts *o;
	struct ns_op_result *res;
	struct ns_tracee tr;
	struct ns_registry reg;
	struct ns_rec_entry *e;
	struct ns_gadgets gadgets;
	struct ns_gate_entry *undo;
	struct ns_target target;      /* per-thread: to find libnonstop */
	struct ns_rt_handle rt;
	bool pt;                      /* the patch to revert is per-thread */
	struct ns_rec_xform *xforms;  /* its state transformers, if any */
	struct ns_rec_step step;      /* its record REVERTING */
};

/* A patch that transformed data is reverted only with its untransformers:
 * without one, what the new code did to the variable would be lost. */
static int read_xforms(struct revert *r)
{
	const struct ns_rec *rec = r->e->rec;

	if (ns_xform_read(r->tr.mem_fd, rec, &r->xforms, r->res->err,
			  sizeof(r->res->err)) < 0)
		return -1;
	for (uint32_t i = 0; i < rec->nxforms; i++)
		if (!r->xforms[i].unfn)
			return ns_op_fail(r->res, "patch '%s' cannot be reverted: it "
					  "transformed variable '%s' and gives no "
					  "NONSTOP_UNTRANSFORM to put its state back",
					  rec->name, r->xforms[i].name);
	return 0;
}

/* Every thread stopped, none in the patch: puts the state of the
 * transformed variables back into the program's. */
static int untransform(void *arg, char *err, size_t errlen)
{
	struct revert *r = arg;
	int let_go;

	return ns_xform_run(&r->tr, &r->gadgets, r->e->addr, r->e->rec, r->xforms,
			    r->e->rec->nxforms, 1, r->o->timeout, &let_go, err, errlen);
}

/* A later patch redirecting one of our functions must go first. */
static int check_conflicts(struct revert *r)
{
	struct ns_rec *me = r->e->rec;

	for (size_t i = 0; i < r->reg.n; i++) {
		struct ns_rec *o = r->reg.v[i].rec;
		if (o->seq <= me->seq || o->state == NS_REC_PT_RETIRING)
			continue;
		for (uint32_t a = 0; a < me->nfuncs; a++)
			for (uint32_t b = 0; b < o->nfuncs; b++)
				if (me->funcs[a].old_addr == o->funcs[b].old_addr)
					return ns_op_fail(r->res, "patch '%s' cannot be reverted "
						    "before patch '%s', which also "
						    "replaces %s", me->name,
						    o->name, me->funcs[a].name);
	}
	return 0;
}

/* Every thread stopped, none in the patch: restore the entries, unmap. */
static int commit(void *arg, char *err, size_t errlen)
{
	struct revert *r = arg;
	struct ns_rec *rec = r->e->rec;
	int fd = r->tr.mem_fd;
	uint32_t i;

	if (ns_rec_step_write(fd, &r->step) < 0)
		goto fail;
	for (i = 0; i < rec->nfuncs; i++)
		if (ns_mem_write(fd, rec->funcs[i].old_addr, rec->funcs[i].saved,
				 rec->funcs[i].saved_len) < 0)
			goto undo;
	return 0;
undo:
	while (i-- > 0) {
		uint8_t jmp[NS_JMP_LEN];
		ns_redirect_encode(rec->funcs[i].old_addr, rec->funcs[i].new_addr,
				   jmp);
		ns_mem_write(fd, rec->funcs[i].old_addr, jmp, NS_JMP_LEN);
	}
	ns_rec_step_undo(fd, &r->step);
fail:
	snprintf(err, errlen, "cannot write to process %d: %s",
		 (int)r->tr.pid, strerror(errno));
	return -1;
}

/* What the gate restores if nonstop dies during the switch: every entry
 * jump of this patch, and the record's state as it was. */
static struct ns_gate_entry *undo_plan(const struct revert *r)
{
	const struct ns_rec *rec = r->e->rec;
	struct ns_gate_entry *e = calloc(rec->nfuncs + 1, sizeof(*e));
	uint32_t i;

	if (!e)
		return NULL;
	for (i = 0; i < rec->nfuncs; i++) {
		e[i].addr = rec->funcs[i].old_addr;
		e[i].len = NS_JMP_LEN;
		ns_redirect_encode(rec->funcs[i].old_addr, rec->funcs[i].new_addr,
				   e[i].bytes);
	}
	e[i].addr = r->step.addr;
	e[i].len = sizeof(r->step.from);
	memcpy(e[i].bytes, &r->step.from, sizeof(r->step.from));
	return e;
}

static int switch_back(struct revert *r)
{
	struct ns_rec *rec = r->e->rec;
	struct ns_range busy = { rec->code_start, rec->code_end, NULL };
	char name[NS_NAME_MAX + 32];
	struct ns_transition x = {
		.tr = &r->tr, .timeout = r->o->timeout, .busy = &busy,
		.nbusy = 1, .commit = commit, .arg = r,
		.before_commit = rec->nxforms ? untransform : NULL,
	};
	int rc;

	struct ns_gate gate = {
		.code = rec->gate, .journal = rec->journal, .n = rec->nfuncs + 1,
	};

	if (ns_rec_move_revert(rec->state, r->e->addr, &r->step, r->res->err,
			       sizeof(r->res->err)) < 0)
		return -1;
	snprintf(name, sizeof(name), "the code of patch '%s'", rec->name);
	busy.name = name;
	if (rec->gate && rec->journal_cap >= NS_GATE_JOURNAL_SIZE(gate.n)) {
		gate.e = r->undo = undo_plan(r);
		if (!gate.e)
			return ns_op_fail(r->res, "out of memory");
		x.gate = &gate;
	}
	x.safety = ns_safety_new(&r->tr, r->res->err, sizeof(r->res->err));
	if (!x.safety)
		return -1;
	rc = ns_transition_run(&x);
	ns_safety_free(x.safety);
	r->res->pause_ns = x.pause_ns;
	r->res->max_pause_ns = x.max_pause_ns;
	r->res->attempts = x.attempts;
	memcpy(r->res->phase_ns, x.phase_ns, sizeof(x.phase_ns));
	r->res->threads = x.threads;
	if (rc == 1)
		return ns_op_fail(r->res, "refused: %s; no safe moment within %.3g s "
			    "(--timeout)", x.blocker.what, r->o->timeout);
	if (rc < 0)
		return ns_op_fail(r->res, "%s", x.err);
	return 0;
}

/* ---- hooks ---------------------------------------------------------------- */

/* The pre-revert hook, before the switch back, if it is due (hooks.h):
 * non-zero refuses the revert. */
static int pre_revert(struct revert *r)
{
	struct ns_hook_run *run = &r->res->hooks[NS_HOOK_PRE_REVERT - 1];
	char err[sizeof(r->res->err)], what[sizeof(r->res->err)];
	int rc;

	if (ns_hooks_idle(&r->tr, r->e->addr, err, sizeof(err)) < 0)
		return ns_op_fail(r->res, "refused: %.900s", err);
	if (r->e->rec->state != NS_REC_APPLIED ||
	    !ns_hooks_pre_revert_due(&r->tr, r->e->addr))
		return 0;
	rc = ns_hook_run(&r->tr, NULL, r->e->addr, NS_HOOK_PRE_REVERT,
			 r->o->timeout, run, err, sizeof(err));
	if (rc < 0)
		return ns_op_fail(r->res, "refused: %.900s", err);
	if (rc == 1 || !run->ret)
		return 0;
	ns_hook_describe(run, what, sizeof(what));
	return ns_op_fail(r->res, "refused: %.800s; the patch stays applied", what);
}

/* The post-revert hook, every thread back on the old code (the tracee
 * holding every thread: one is chosen to run it). Its failure is a
 * warning: the revert stands. -1 if it could not be run (the memory is
 * kept for the next nonstop, which runs it). */
static int post_revert(struct revert *r)
{
	struct ns_hook_run *run = &r->res->hooks[NS_HOOK_POST_REVERT - 1];
	char err[512], what[600];

	if (ns_hooks_post_revert(&r->tr, NULL, r->e->addr, r->o->timeout, run,
				 err, sizeof(err)) < 0)
		return ns_op_fail(r->res, "patch '%s' is reverted, but %.800s",
				  r->e->rec->name, err);
	if (run->kind && run->ret) {
		ns_hook_describe(run, what, sizeof(what));
		snprintf(r->res->warn, sizeof(r->res->warn), "patch '%s' is "
			 "reverted, but %s", r->e->rec->name, what);
	}
	return 0;
}

/* ---- end of hooks ---------------------------------------------------------- */

/* Removes the patch's mapping. The switch detached every thread; attach
 * to the leader alone and borrow it for the munmap (attaching to all would
 * mean stopping all again to detach) — unless a post-revert hook is to
 * run: then to every thread, to choose one. */
static int release(struct revert *r)
{
	struct ns_rec *rec = r->e->rec;
	bool hooks = ns_rec_hooks(rec) != NULL;
	char err[sizeof(r->res->err)];

	ns_tracee_close(&r->tr);
	if ((hooks ? ns_tracee_attach(&r->tr, r->o->pid) :
		     ns_tracee_attach_leader(&r->tr, r->o->pid)) < 0)
		return ns_op_fail(r->res, "patch '%s' is reverted, but its memory could "
			    "not be released: %s", rec->name, r->tr.err);
	if (ns_rec_recheck(r->tr.mem_fd, r->o->pid, rec, NS_REC_REVERTING,
			   err, sizeof(err)) < 0)
		return ns_op_fail(r->res, "patch '%s' is reverted, but %.900s",
				  rec->name, err);
	if (hooks && post_revert(r) < 0)
		return -1;
	if (ns_mapping_remove(&r->tr, rec->base, rec->size, &r->gadgets, false,
			      r->res->err, sizeof(r->res->err)) < 0)
		return -1;
	return 0;
}

/* Whether the patch to revert is per-thread: then libnonstop's thread is
 * the only one nonstop holds. Read without ptrace (the record says), and
 * found again once attached. */
static int choose_mode(struct revert *r, const char *name)
{
	struct ns_registry reg;
	struct ns_rec_entry *e;
	int fd = ns_op_mem_open(r->o->pid, r->res), found;

	if (fd < 0)
		return -1;
	if (ns_registry_read(r->o->pid, fd, &reg) < 0) {
		close(fd);
		return ns_op_fail(r->res, "cannot read the registry of process %d",
				  (int)r->o->pid);
	}
	e = ns_registry_find(&reg, name);
	r->pt = e && e->rec->mode == NS_MODE_PER_THREAD;
	ns_registry_free(&reg);
	found = 0;
	if (ns_target_open(&r->target, r->o->pid, r->res->err,
			   sizeof(r->res->err)) == 0)
		found = ns_rt_find(&r->target, fd, &r->rt, r->res->err,
				   sizeof(r->res->err));
	close(fd);
	if (r->pt && found != 1)
		return found < 0 ? -1 :
			ns_op_fail(r->res, "patch '%s' was applied per thread, but "
				   "libnonstop is not running in process %d",
				   name ? name : "(last)", (int)r->o->pid);
	r->res->err[0] = 0;
	if (r->pt)
		ns_sched_background();
	return 0;
}

static int attach(struct revert *r)
{
	int rc = r->pt ? ns_tracee_attach_thread(&r->tr, r->o->pid,
						 (pid_t)r->rt.blk.tid)
		       : ns_tracee_attach(&r->tr, r->o->pid);

	if (rc < 0)
		return ns_op_fail(r->res, "%s", r->tr.err);
	/* Before anything changes: the seccomp filters let the revert's
	 * system calls through (core/syscalls.h). */
	return ns_syscalls_check(&r->tr, r->pt ? &r->rt : NULL, r->res->err,
				 sizeof(r->res->err));
}

/* No record to revert: says so, or, if the one named is damaged (a value
 * out of range: never acted on), why. */
static void not_found(struct revert *r, const char *name)
{
	pid_t pid = r->o->pid;

	for (size_t i = 0; name && i < r->reg.nbad; i++)
		if (!strcmp(r->reg.bad[i].name, name)) {
			ns_op_fail(r->res, "the record of patch '%s' in process %d "
				   "is damaged (%s): it is not acted on", name,
				   (int)pid, r->reg.bad[i].why);
			return;
		}
	if (name)
		ns_op_fail(r->res, "no patch named '%s' is applied to process %d",
			   name, (int)pid);
	else
		ns_op_fail(r->res, "no patch is applied to process %d", (int)pid);
}

int ns_revert(const struct ns_op_opts *o, const char *name,
	      struct ns_op_result *res)
{
	struct revert r = { .o = o, .res = res };
	struct ns_lock lock = NS_LOCK_INIT;
	int rc = 1;

	memset(res, 0, sizeof(*res));
	r.tr.mem_fd = -1;
	if (kill(o->pid, 0) < 0 && errno == ESRCH) {
		ns_op_fail(res, "no process %d", (int)o->pid);
		goto out;
	}
	if (!o->locked && ns_lock_take(o->pid, &lock, res->err,
				       sizeof(res->err)) != 0)
		goto out;
	if (choose_mode(&r, name) < 0 || attach(&r) < 0 ||
	    ns_lock_same_process(&lock, o->pid, res->err, sizeof(res->err)) < 0)
		goto out;
	if (ns_registry_read(o->pid, r.tr.mem_fd, &r.reg) < 0) {
		ns_op_fail(res, "cannot read the registry of process %d", (int)o->pid);
		goto out;
	}
	if ((r.rt.addr && ns_pt_sweep(&r.tr, NULL, &r.rt, &r.reg, res->err,
				      sizeof(res->err)) < 0) ||
	    ns_mapping_sweep(&r.tr, &r.reg, res->err, sizeof(res->err)) < 0)
		goto out;
	r.e = ns_registry_find(&r.reg, name);
	if (!r.e) {
		not_found(&r, name);
		goto out;
	}
	snprintf(res->name, sizeof(res->name), "%s", r.e->rec->name);
	if (check_conflicts(&r) < 0 || read_xforms(&r) < 0)
		goto out;
	if (ns_remote_find_gadgets(&r.tr, &r.gadgets) < 0) {
		ns_op_fail(res, "%s", r.tr.err);
		goto out;
	}
	res->nfuncs = r.e->rec->nfuncs;
	res->nxforms = r.e->rec->nxforms;
	if (pre_revert(&r) < 0)
		goto out;
	if (r.pt) {
		if (ns_pt_revert(o, &r.tr, &r.gadgets, &r.rt, &r.reg, r.e, res) < 0)
			goto out;
	} else if (switch_back(&r) < 0 || release(&r) < 0) {
		goto out;
	}
	rc = 0;
out:
	ns_tracee_close(&r.tr);
	ns_target_close(&r.target);
	ns_registry_free(&r.reg);
	free(r.undo);
	free(r.xforms);
	ns_lock_drop(&lock);
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
	if (!o->locked && ns_lock_take(o->pid, &lock, res->err,
				       sizeof(res->err)) != 0)
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
