/* replace.c — apply --replace: a cumulative patch takes the place of every
 * patch applied to its module, in the one switch that applies it (Linux
 * livepatch's "atomic replace"). This file owns the planning of that: which
 * records are replaced, which functions go back to the program's own code,
 * what the switch writes for them, what must not be busy, and releasing the
 * replaced patches' memory afterwards. apply.c does the rest, as for any
 * patch.
 *
 * The cumulative patch P is built against the original binary and checked
 * against the original code (verify.c), and the entries it saves are the
 * original ones, so that reverting P gives the program back. In the switch,
 * after P's own entry jumps (written over whatever jump is there), each
 * function only old patches redirect gets its original entry back (the
 * bytes the oldest patch redirecting it saved), and then each old record is
 * marked REVERTING. That order keeps every prefix of the switch safe for a
 * later sweep (ns_mapping_sweep removes REVERTING and LOADED patches): no
 * record is REVERTING while a jump to its code is left. The whole switch is
 * behind P's commit gate: if nonstop dies in it, every place goes back to
 * what it held, the old patches applied and P LOADED, never a mix.
 *
 * A thread in an old patch's code, or returning into it, blocks the switch
 * as a thread in a changed function does: once the threads run again
 * nothing can enter that code, and its mapping is removed outside the
 * pause, as revert does. Only APPLIED records of P's module are replaced;
 * patches of other modules (libraries) stay. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mapping.h"
#include "core/recheck.h"
#include "core/replace.h"
#include "core/verify.h"
#include "proc/mem.h"

static bool in_rec(const struct ns_rec *rec, uint64_t addr)
{
	for (uint32_t i = 0; i < rec->nfuncs; i++)
		if (rec->funcs[i].old_addr == addr)
			return true;
	return false;
}

static bool restored(const struct ns_replace *rp, uint64_t addr)
{
	for (size_t i = 0; i < rp->nrestore; i++)
		if (rp->restore[i].addr == addr)
			return true;
	return false;
}

/* The records replaced: every applied one of MOD. One that is half applied
 * (a nonstop died in a switch without a gate) is refused: its entries are
 * not known to be either way. */
static int collect_old(struct ns_replace *rp, const struct ns_registry *reg,
		       const struct ns_module *mod, pid_t pid,
		       struct ns_err *err)
{
	rp->old = calloc(reg->n ? reg->n : 1, sizeof(*rp->old));
	rp->what = calloc(reg->n ? reg->n : 1, sizeof(*rp->what));
	if (!rp->old || !rp->what) {
		ns_err_set(err, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < reg->n; i++) {
		struct ns_rec *r = reg->v[i].rec;

		if (!ns_verify_rec_in_module(r, mod))
			continue;
		if (r->state != NS_REC_APPLIED) {
			ns_err_set(err, "--replace: patch '%s' in process %d "
				 "is %s, not applied (a nonstop died in its switch); "
				 "revert it first", r->name, (int)pid,
				 ns_rec_state_name(r->state));
			return -1;
		}
		snprintf(rp->what[rp->nold], sizeof(rp->what[0]),
			 "the code of patch '%s'", r->name);
		rp->old[rp->nold++] = &reg->v[i];
	}
	return 0;
}

/* One function F of old record R that P does not replace: its entry as it
 * is now and as the program had it. */
static int add_restore(struct ns_replace *rp, const struct ns_registry *reg,
		       const struct ns_rec_func *f, int mem_fd, pid_t pid,
		       struct ns_err *err)
{
	struct ns_replace_fn *fn = &rp->restore[rp->nrestore];

	fn->addr = f->old_addr;
	fn->size = f->old_size;
	fn->len = f->saved_len;
	fn->name = f->name;
	if (ns_mem_read(mem_fd, fn->addr, fn->now, fn->len) < 0) {
		ns_err_set(err, "function %s: cannot read it in process %d: %s",
			 f->name, (int)pid, strerror(errno));
		return -1;
	}
	memcpy(fn->orig, fn->now, fn->len);
	ns_verify_unpatched(reg, fn->addr, fn->orig, fn->len);
	rp->nrestore++;
	return 0;
}

static int collect_restore(struct ns_replace *rp, const struct ns_registry *reg,
			   const struct ns_rec *rec, int mem_fd, pid_t pid,
			   struct ns_err *err)
{
	size_t n = 0;

	for (size_t i = 0; i < rp->nold; i++)
		n += rp->old[i]->rec->nfuncs;
	rp->restore = calloc(n ? n : 1, sizeof(*rp->restore));
	if (!rp->restore) {
		ns_err_set(err, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < rp->nold; i++) {
		const struct ns_rec *r = rp->old[i]->rec;

		for (uint32_t k = 0; k < r->nfuncs; k++) {
			const struct ns_rec_func *f = &r->funcs[k];

			if (in_rec(rec, f->old_addr) || restored(rp, f->old_addr))
				continue;
			if (add_restore(rp, reg, f, mem_fd, pid, err) < 0)
				return -1;
		}
	}
	return 0;
}

int ns_replace_plan(struct ns_replace *rp, const struct ns_registry *reg,
		    const struct ns_module *mod, const struct ns_rec *rec,
		    struct ns_tracee *tr)
{
	struct ns_err *err = tr->err;

	memset(rp, 0, sizeof(*rp));
	if (collect_old(rp, reg, mod, tr->pid, err) < 0 ||
	    collect_restore(rp, reg, rec, tr->mem_fd, tr->pid, err) < 0)
		return -1;
	/* Found now, while every thread is seized: after the switch only the
	 * leader is, and a search reads libc's code. */
	if (rp->nold && ns_remote_find_gadgets(tr, &rp->gadgets) < 0)
		return -1;
	return 0;
}

size_t ns_replace_nplaces(const struct ns_replace *rp)
{
	return rp->nrestore + rp->nold;
}

int ns_replace_add_places(const struct ns_replace *rp, struct ns_plan *plan,
			  struct ns_err *err)
{
	for (size_t i = 0; i < rp->nrestore; i++) {
		const struct ns_replace_fn *fn = &rp->restore[i];

		if (ns_plan_add(plan, fn->addr, fn->now, fn->orig, fn->len) < 0)
			goto full;
	}
	for (size_t i = 0; i < rp->nold; i++) {
		const struct ns_rec_entry *e = rp->old[i];
		struct ns_rec_step s;

		if (ns_rec_move_revert(e->rec->state, e->addr, &s, err) < 0)
			return -1;
		if (ns_plan_add_step(plan, &s) < 0)
			goto full;
	}
	return 0;
full:
	ns_err_set(err, "internal error: the switch has more places "
		 "than its journal");
	return -1;
}

size_t ns_replace_nbusy(const struct ns_replace *rp)
{
	return rp->nold + rp->nrestore;
}

void ns_replace_busy(const struct ns_replace *rp, struct ns_range *out)
{
	for (size_t i = 0; i < rp->nold; i++) {
		const struct ns_rec *r = rp->old[i]->rec;

		out->start = r->code_start;
		out->end = r->code_end;
		out->name = rp->what[i];
		out++;
	}
	for (size_t i = 0; i < rp->nrestore; i++) {
		out->start = rp->restore[i].addr;
		out->end = rp->restore[i].addr + rp->restore[i].size;
		out->name = rp->restore[i].name;
		out++;
	}
}

int ns_replace_release(struct ns_replace *rp, struct ns_tracee *tr, pid_t pid,
		       char *warn, size_t warnlen)
{
	/* The apply stands: what fails here is a warning. The first failure
	 * (set once in tr->err) is the one the warning gives; then it is
	 * forgotten. */
	bool mark = ns_err_mark(tr->err);
	char names[256] = "";
	size_t kept = 0, len = 0;
	bool attached;

	if (!rp->nold)
		return 0;
	/* Attaching to every thread would mean stopping them all again to
	 * detach; the leader alone can be borrowed for the munmaps. */
	ns_tracee_close(tr);
	attached = ns_tracee_attach_leader(tr, pid) == 0;
	/* Each is tried: one that fails is no reason to keep the others. */
	for (size_t i = 0; i < rp->nold; i++) {
		const struct ns_rec *r = rp->old[i]->rec;

		if (attached &&
		    ns_rec_recheck(tr->mem_fd, pid, r, NS_REC_REVERTING,
				   tr->err) == 0 &&
		    ns_mapping_remove(tr, r->base, r->size, &rp->gadgets,
				      false) == 0)
			continue;
		if (len < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len,
						"%s'%s'", kept ? ", " : "", r->name);
		kept++;
	}
	if (kept)
		snprintf(warn, warnlen, "the memory of replaced patch%s %s could "
			 "not be released (%s); the next nonstop apply or "
			 "revert releases it", kept == 1 ? "" : "es", names,
			 ns_err_msg(tr->err));
	ns_err_forget(tr->err, mark);
	return kept ? -1 : 0;
}

void ns_replace_free(struct ns_replace *rp)
{
	free(rp->old);
	free(rp->what);
	free(rp->restore);
	memset(rp, 0, sizeof(*rp));
}
