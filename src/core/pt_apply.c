/* pt_apply.c — what the per-thread mode adds to an apply: the entries it
 * reads, the dispatchers and data it puts in the image, and the switch:
 * install, wait for every thread, then complete — or, if a thread does not
 * reach an update point in time, withdraw (or leave it pending). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/pt.h"
#include "transition/dispatch.h"
#include "transition/perthread.h"

#define DISPATCH_SLOT 48          /* NS_DISPATCH_LEN, 16-aligned */
#define PLAN_OFF      64          /* the plan, after the bounds */

int ns_pt_check_mode(const struct ns_registry *reg, int mode, pid_t pid,
		     char *err, size_t errlen)
{
	for (size_t i = 0; i < reg->n; i++) {
		const struct ns_rec *r = reg->v[i].rec;
		if ((int)r->mode == mode)
			continue;
		snprintf(err, errlen, "patch '%s' is applied to process %d in %s "
			 "mode; a process takes patches in one mode at a time "
			 "(revert it first, or use --mode %s)", r->name, (int)pid,
			 r->mode == NS_MODE_PER_THREAD ? "per-thread"
						       : "stop-the-world",
			 r->mode == NS_MODE_PER_THREAD ? "per-thread" : "stop");
		return -1;
	}
	return 0;
}

/* Whether ADDR is in the memory of a patch of REG. */
static bool in_patch(const struct ns_registry *reg, uint64_t addr)
{
	for (size_t i = 0; i < reg->n; i++) {
		const struct ns_rec *r = reg->v[i].rec;
		if (addr >= r->base && addr < r->base + r->size)
			return true;
	}
	return false;
}

int ns_pt_read_sites(struct ns_rec *rec, const struct ns_registry *reg,
		     int mem_fd, char *err, size_t errlen)
{
	for (uint32_t i = 0; i < rec->nfuncs; i++) {
		struct ns_rec_func *f = &rec->funcs[i];
		struct ns_entry_site s;
		char why[256];

		if (ns_entry_site_read(mem_fd, f->old_addr, &s, why,
				       sizeof(why)) < 0) {
			snprintf(err, errlen, "function %s %s: it cannot be "
				 "switched per thread (use --mode stop)", f->name,
				 why);
			return -1;
		}
		f->entry = s.entry;
		if (s.redirected) {
			if (!in_patch(reg, s.target)) {
				snprintf(err, errlen, "function %s: its entry "
					 "jumps to code no applied patch owns "
					 "(0x%llx)", f->name,
					 (unsigned long long)s.target);
				return -1;
			}
			f->prev = s.target;
			f->saved_len = 0;
		} else {
			f->prev = s.body;
			memcpy(f->saved, s.orig, sizeof(s.orig));
			f->saved_len = sizeof(s.orig);
		}
	}
	return 0;
}

size_t ns_pt_code_size(uint32_t nfuncs)
{
	return (size_t)nfuncs * DISPATCH_SLOT;
}

size_t ns_pt_data_size(uint32_t nfuncs)
{
	return PLAN_OFF + ns_pt_plan_size(nfuncs);
}

int ns_pt_place(struct ns_rec *rec, struct ns_image *img, size_t code_off,
		size_t data_off, int64_t view_tpoff, char *err, size_t errlen)
{
	uint64_t gens = img->base + data_off;
	uint32_t bounds[2] = { 0xffffffffu, 0xffffffffu }; /* nobody, until
							      installed */

	rec->mode = NS_MODE_PER_THREAD;
	rec->pt.gens = gens;
	rec->pt.plan = gens + PLAN_OFF;
	rec->pt.plan_cap = ns_pt_plan_size(rec->nfuncs);
	memcpy(img->buf + data_off, bounds, sizeof(bounds));
	for (uint32_t i = 0; i < rec->nfuncs; i++) {
		struct ns_rec_func *f = &rec->funcs[i];
		size_t off = code_off + (size_t)i * DISPATCH_SLOT;

		f->disp = img->base + off;
		if (ns_dispatch_encode(img->buf + off, f->disp, view_tpoff, gens,
				       gens + 4, f->new_addr, f->prev) < 0) {
			snprintf(err, errlen, "function %s: its dispatcher is out "
				 "of reach", f->name);
			return -1;
		}
	}
	return 0;
}

/* Whether section SEC of P calls nonstop_update_point. */
static bool calls_update_point(const struct ns_patch *p, uint32_t sec)
{
	const struct ns_section *s = &p->sections[sec];

	for (size_t r = 0; r < s->nrelocs; r++) {
		const struct ns_sym *y = &p->syms[s->relocs[r].sym];
		if (y->name && !strcmp(y->name, "nonstop_update_point"))
			return true;
	}
	return false;
}

void ns_pt_loop_note(const struct ns_patch *p, char *note, size_t len)
{
	size_t at = 0;

	note[0] = 0;
	for (size_t i = 0; i < p->nentries && at < len; i++) {
		const struct ns_entry *e = &p->entries[i];
		if (e->kind != NS_ENTRY_REPLACE ||
		    p->syms[e->sym].kind != NS_SYM_DEFINED ||
		    !calls_update_point(p, p->syms[e->sym].section))
			continue;
		at += (size_t)snprintf(note + at, len - at,
			"%s%s contains an update point: a thread already running "
			"it keeps its old version until it returns (at that update "
			"point it switches to the new versions of what it calls); "
			"calls made after the switch run the new %s",
			at ? "\n" : "", e->name, e->name);
	}
}

static void report(const struct ns_pt *x, struct ns_op_result *res)
{
	res->pt_threads = x->threads;
	res->switch_ns = x->switch_ns;
	res->first_ns = x->first_ns;
}

/* Takes back a patch that not every thread reached: threads that switched
 * go back at their next update point. 0 when no thread can reach its
 * memory any more (the caller removes it); -1 with the reason in X->err
 * (then part of it may still be live). */
static int withdraw(struct ns_pt *x, const struct ns_registry *reg)
{
	int rc;

	if (ns_pt_back(x) < 0)
		return -1;
	rc = ns_pt_wait_back(x);
	if (rc != 0) {
		if (rc == 1)
			snprintf(x->err, sizeof(x->err), "it is being withdrawn, "
				 "but %s", x->blocker);
		return -1;
	}
	if (ns_pt_retire(x, reg) < 0)
		return -1;
	rc = ns_pt_wait_released(x);
	if (rc != 0) {
		if (rc == 1)
			snprintf(x->err, sizeof(x->err), "its memory stays until "
				 "%s", x->blocker);
		return -1;
	}
	return ns_pt_forget(x, reg);
}

int ns_pt_apply_switch(const struct ns_op_opts *o, struct ns_tracee *tr,
		       const struct ns_gadgets *g, struct ns_rt_handle *rt,
		       struct ns_registry *reg, struct ns_rec *rec,
		       uint64_t rec_addr, struct ns_op_result *res, bool *live)
{
	struct ns_pt x = {
		.tr = tr, .g = g, .rt = rt, .rec_addr = rec_addr, .rec = rec,
		.timeout = o->timeout,
	};
	char blocker[sizeof(x.blocker)];
	int rc;

	*live = false;
	if (ns_pt_install(&x) < 0)
		return ns_op_fail(res, "%s", x.err);
	*live = true;
	rc = ns_pt_wait_switched(&x);
	report(&x, res);
	if (rc < 0)
		return ns_op_fail(res, "%s", x.err);
	if (rc == 0) {
		if (ns_pt_complete(&x) < 0)
			snprintf(res->warn, sizeof(res->warn), "every thread "
				 "switched, but the dispatchers stay: %.900s",
				 x.err);
		return 0;
	}
	if (o->leave_pending) {
		res->pending = true;
		snprintf(res->warn, sizeof(res->warn), "the transition is pending: "
			 "%s", x.blocker);
		return 0;
	}
	snprintf(blocker, sizeof(blocker), "%s", x.blocker);
	if (withdraw(&x, reg) == 0) {
		*live = false;
		return ns_op_fail(res, "refused: %s; no update point within %.3g s "
				  "(--timeout): the patch was withdrawn", blocker,
				  o->timeout);
	}
	return ns_op_fail(res, "refused: %s; no update point within %.3g s "
			  "(--timeout): %s", blocker, o->timeout, x.err);
}
