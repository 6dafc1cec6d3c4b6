/* rec_check.c — checking a record read from a target (rec_check.h). Each
 * check names the field and why it is out of range: status shows it for a
 * damaged record. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "link/link.h"
#include "nonstop_rt.h"
#include "proc/call.h"
#include "registry/rec_check.h"
#include "transition/dispatch.h"
#include "transition/gate.h"
#include "transition/redirect.h"

#define REC_PATH_PREFIX "/memfd:" NS_REC_MAPNAME

/* The parts of a patch's memory (rec_check.h), from a record whose
 * base and size are its mapping's. */
struct areas {
	uint64_t base, end;        /* the patch's memory */
	uint64_t rec_end;          /* end of the record's own bytes */
	uint64_t code_start, code_end;
};

static enum ns_rec_verdict bad(enum ns_rec_verdict v, char *why, size_t len,
			       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum ns_rec_verdict bad(enum ns_rec_verdict v, char *why, size_t len,
			       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return v;
}

#define DAMAGED(...) bad(NS_REC_DAMAGED, why, whylen, __VA_ARGS__)

/* [A, A + LEN) lies inside [LO, HI), computed without overflow. */
static bool inside(uint64_t a, uint64_t len, uint64_t lo, uint64_t hi)
{
	return lo <= hi && a >= lo && a <= hi && len <= hi - a;
}

static bool in_code(const struct areas *r, uint64_t a, uint64_t len)
{
	return inside(a, len, r->code_start, r->code_end);
}

static bool in_data(const struct areas *r, uint64_t a, uint64_t len)
{
	return inside(a, len, r->code_end, r->end);
}

static bool in_patch(const struct areas *r, uint64_t a)
{
	return a >= r->base && a < r->end;
}

static bool terminated(const char *s, size_t size)
{
	return memchr(s, 0, size) != NULL;
}

static bool is_nonstop(const struct ns_map *m)
{
	return !strncmp(m->path, REC_PATH_PREFIX, strlen(REC_PATH_PREFIX));
}

bool ns_rec_is_mapping(const struct ns_map *m)
{
	return is_nonstop(m) && m->offset == 0;
}

bool ns_rec_home_find(const struct ns_maps *maps, uint64_t start,
		      struct ns_rec_home *home)
{
	const struct ns_map *m = ns_maps_find(maps, start);

	if (!m || m->start != start || m->end <= m->start ||
	    !ns_rec_is_mapping(m))
		return false;
	home->start = start;
	home->first_end = home->end = m->end;
	home->maps = maps;
	/* The later parts of the same memfd (the code, the data: other
	 * protections), each at its own offset. */
	for (const struct ns_map *n = m + 1; n < maps->v + maps->n; n++) {
		if (n->start != home->end || n->end <= n->start ||
		    n->inode != m->inode || strcmp(n->path, m->path) ||
		    n->offset != n->start - start)
			break;
		home->end = n->end;
	}
	return true;
}

/* Whether [LO, HI) is the program's own code: executable private
 * mappings, one after the other, none of them nonstop's. The entries a
 * record restores and redirects are there, never in a patch (a later
 * patch replaces the program's function, not an earlier patch's copy). */
static bool program_code(const struct ns_maps *maps, uint64_t lo, uint64_t hi)
{
	if (!maps)
		return false;
	while (lo < hi) {
		const struct ns_map *m = ns_maps_find(maps, lo);

		if (!m || !(m->prot & PROT_EXEC) || m->shared || is_nonstop(m))
			return false;
		lo = m->end;
	}
	return true;
}

/* Whether ADDR is in the code of another patch (an executable "nonstop:"
 * mapping outside R). */
static bool other_patch_code(const struct ns_maps *maps, const struct areas *r,
			     uint64_t addr)
{
	const struct ns_map *m = maps ? ns_maps_find(maps, addr) : NULL;

	return m && (m->prot & PROT_EXEC) && is_nonstop(m) && !in_patch(r, addr);
}

size_t ns_rec_disk_size(const struct ns_rec *hdr)
{
	if (!memcmp(hdr->magic, NS_REC_MAGIC_V2, 8))
		return NS_REC_V2_SIZE + (size_t)hdr->nfuncs * NS_REC_V2_FUNC_SIZE;
	if (ns_rec_magic_v3(hdr->magic))
		return ns_rec_total_size(hdr);
	return 0;
}

enum ns_rec_verdict ns_rec_check_header(const struct ns_rec *hdr,
					const struct ns_rec_home *home,
					char *why, size_t whylen)
{
	bool v2 = !memcmp(hdr->magic, NS_REC_MAGIC_V2, 8);
	size_t disk;

	if (!v2 && !ns_rec_magic_v3(hdr->magic))
		return bad(NS_REC_NOT_OURS, why, whylen, "no record magic");
	/* A record that names another place as its own is a copy (the
	 * program copied the page, or mapped the memfd twice): the one at
	 * that place is the record, if any. */
	if (hdr->base != home->start)
		return bad(NS_REC_NOT_OURS, why, whylen, "its base 0x%llx is not "
			   "its mapping's", (unsigned long long)hdr->base);
	if (hdr->nfuncs > NS_REC_FUNCS_MAX)
		return DAMAGED("%u functions (at most %u)", hdr->nfuncs,
			       NS_REC_FUNCS_MAX);
	/* Version 2's header ends before nsyms: what is there is functions. */
	if (!v2 && hdr->nsyms > NS_REC_SYMS_MAX)
		return DAMAGED("%u symbols (at most %u)", hdr->nsyms,
			       NS_REC_SYMS_MAX);
	if (!v2 && hdr->nxforms > NS_REC_XFORMS_MAX)
		return DAMAGED("%u state transformers (at most %u)",
			       hdr->nxforms, NS_REC_XFORMS_MAX);
	disk = ns_rec_disk_size(hdr);
	if (disk > home->first_end - home->start)
		return DAMAGED("its %zu bytes do not fit its mapping's first %llu",
			       disk, (unsigned long long)(home->first_end - home->start));
	if (hdr->size != home->end - home->start)
		return DAMAGED("it says its memory is %llu bytes, its mapping "
			       "has %llu", (unsigned long long)hdr->size,
			       (unsigned long long)(home->end - home->start));
	return NS_REC_VALID;
}

/* Enums, flags and strings of the header. */
static enum ns_rec_verdict check_values(const struct ns_rec *rec, char *why,
					size_t whylen)
{
	if (!terminated(rec->name, sizeof(rec->name)))
		return DAMAGED("its name is not terminated");
	if (rec->state < NS_REC_LOADED || rec->state > NS_REC_PT_RETIRING)
		return DAMAGED("unknown state %u", rec->state);
	if (rec->mode != NS_MODE_STOP && rec->mode != NS_MODE_PER_THREAD)
		return DAMAGED("unknown mode %u", rec->mode);
	if (rec->mode == NS_MODE_STOP && rec->state > NS_REC_REVERTING)
		return DAMAGED("state %u is the per-thread mode's", rec->state);
	if (rec->frames > NS_FRAMES_DEREGISTERING)
		return DAMAGED("unknown frames state %u", rec->frames);
	if (rec->xform_call > 1 || rec->pt.bypassed > 1)
		return DAMAGED("a flag is neither 0 nor 1");
	if (rec->result_build_id_len > sizeof(rec->result_build_id))
		return DAMAGED("a build-id of %u bytes", rec->result_build_id_len);
	return NS_REC_VALID;
}

/* The addresses of the header, each in the part it belongs to. */
static enum ns_rec_verdict check_layout(const struct ns_rec *rec,
					const struct areas *r, char *why,
					size_t whylen)
{
	if (rec->code_start < r->rec_end || rec->code_end <= rec->code_start ||
	    rec->code_end > r->end)
		return DAMAGED("its code [0x%llx, 0x%llx) is not inside its memory, "
			       "after the record", (unsigned long long)rec->code_start,
			       (unsigned long long)rec->code_end);
	if (rec->gate && (!in_code(r, rec->gate, 1) ||
			  !in_data(r, rec->journal, rec->journal_cap) ||
			  rec->journal_cap < NS_GATE_JOURNAL_SIZE(0)))
		return DAMAGED("its commit gate or journal is outside its memory");
	if (rec->eh_frame ? !rec->eh_frame_size ||
			    !in_data(r, rec->eh_frame, rec->eh_frame_size)
			  : rec->eh_frame_size || rec->frames != NS_FRAMES_NONE)
		return DAMAGED("its unwind info is outside its memory");
	if ((rec->call_stub && !in_code(r, rec->call_stub, NS_LINK_CALL_STUB)) ||
	    (rec->call_slot && !in_data(r, rec->call_slot,
					sizeof(struct ns_call_slot))) ||
	    (rec->frames_object && !in_data(r, rec->frames_object,
					    NS_LINK_FRAMES_OBJECT)))
		return DAMAGED("its call stub, slot or frames object is outside "
			       "its memory");
	if (rec->frames != NS_FRAMES_NONE &&
	    (!rec->call_stub || !rec->call_slot || !rec->frames_object))
		return DAMAGED("its frames are registered, with no room for the "
			       "calls that do it");
	if (rec->frames_deregister && in_patch(r, rec->frames_deregister))
		return DAMAGED("libgcc's function is inside the patch");
	/* The table of transformers follows the record, in its pages. */
	if (rec->nxforms &&
	    !inside(rec->xforms, (uint64_t)rec->nxforms * sizeof(struct ns_rec_xform),
		    r->rec_end, rec->code_start))
		return DAMAGED("its table of state transformers is outside the "
			       "record's pages");
	if (rec->mode == NS_MODE_PER_THREAD &&
	    (!in_data(r, rec->pt.gens, 2 * sizeof(uint32_t)) ||
	     rec->pt.plan_cap < sizeof(struct ns_rt_plan) ||
	     !in_data(r, rec->pt.plan, rec->pt.plan_cap)))
		return DAMAGED("its per-thread bounds or plan are outside its "
			       "memory");
	return NS_REC_VALID;
}

/* Function F: the entry it redirects is in the program's code (what
 * revert writes there is in SAVED), its new code in the patch's. */
static enum ns_rec_verdict check_func(const struct ns_rec *rec, uint32_t i,
				      const struct areas *r,
				      const struct ns_rec_home *home,
				      char *why, size_t whylen)
{
	const struct ns_rec_func *f = &rec->funcs[i];
	bool pt = rec->mode == NS_MODE_PER_THREAD;
	uint64_t lo, hi;

	if (!terminated(f->name, sizeof(f->name)))
		return DAMAGED("function %u: its name is not terminated", i);
	if (f->saved_len > NS_SAVED_MAX || f->old_size > NS_REC_OBJECT_MAX ||
	    f->old_addr > UINT64_MAX - NS_REC_OBJECT_MAX ||
	    !in_code(r, f->new_addr, f->new_size))
		return DAMAGED("function %u: its sizes or new code are out of "
			       "range", i);
	/* What revert writes: SAVED at the entry (stop-the-world), or
	 * the pad before it and the 2-byte entry (per thread). */
	if (pt) {
		if (f->old_addr < NS_PAD_LEN ||
		    (f->entry != f->old_addr && f->entry != f->old_addr + 4))
			return DAMAGED("function %u: its entry is out of range", i);
		lo = f->old_addr - NS_PAD_LEN;
		hi = f->entry + 2;
	} else {
		lo = f->old_addr;
		hi = f->old_addr + (f->saved_len > NS_JMP_LEN ? f->saved_len
							       : NS_JMP_LEN);
	}
	if (!program_code(home->maps, lo, hi))
		return DAMAGED("function %u: its entry 0x%llx is not in the "
			       "program's code", i, (unsigned long long)f->old_addr);
	if (pt && (!in_code(r, f->disp, NS_DISPATCH_LEN) ||
		   (f->prev != f->entry + 2 &&
		    !other_patch_code(home->maps, r, f->prev))))
		return DAMAGED("function %u: its dispatcher or fallback is out of "
			       "range", i);
	return NS_REC_VALID;
}

/* The hooks block (version 4): each hook's function in the patch's code
 * or the program's, its slot and the message buffer in the patch's data. */
static enum ns_rec_verdict check_hooks(const struct ns_rec *rec,
				       const struct ns_rec_hooks *h,
				       const struct areas *r,
				       const struct ns_rec_home *home,
				       char *why, size_t whylen)
{
	bool any = false;

	if (!in_data(r, h->msg, h->msg_size) || h->msg_size > NS_LINK_HOOK_MSG)
		return DAMAGED("its hooks' message buffer is outside its memory");
	for (int k = 0; k < NS_REC_HOOKS; k++) {
		if (!terminated(h->name[k], sizeof(h->name[k])) || h->called[k] > 1)
			return DAMAGED("hook %d: a bad name or state", k + 1);
		if (!h->fn[k])
			continue;
		any = true;
		if (!in_data(r, h->slot[k], sizeof(struct ns_call_slot)) ||
		    (!in_code(r, h->fn[k], 1) &&
		     !program_code(home->maps, h->fn[k], h->fn[k] + 1)))
			return DAMAGED("hook %d: its function or slot is out of "
				       "range", k + 1);
	}
	if (any && !rec->call_stub)
		return DAMAGED("it has hooks and no call stub");
	return NS_REC_VALID;
}

enum ns_rec_verdict ns_rec_check(const struct ns_rec *rec,
				 const struct ns_rec_home *home,
				 char *why, size_t whylen)
{
	struct areas r = {
		.base = rec->base, .end = rec->base + rec->size,
		.rec_end = rec->base + ns_rec_disk_size(rec),
		.code_start = rec->code_start, .code_end = rec->code_end,
	};
	const struct ns_rec_hooks *h;
	enum ns_rec_verdict v;

	/* Rechecked: the fields the header check saw may have been read
	 * again since (the target can change them between two reads). */
	v = ns_rec_check_header(rec, home, why, whylen);
	if (v == NS_REC_VALID)
		v = check_values(rec, why, whylen);
	if (v == NS_REC_VALID)
		v = check_layout(rec, &r, why, whylen);
	for (uint32_t i = 0; v == NS_REC_VALID && i < rec->nfuncs; i++)
		v = check_func(rec, i, &r, home, why, whylen);
	for (uint32_t i = 0; v == NS_REC_VALID && i < rec->nsyms; i++) {
		const struct ns_rec_sym *s = &ns_rec_syms((struct ns_rec *)rec)[i];

		if (!terminated(s->name, sizeof(s->name)) ||
		    !inside(s->addr, s->size, r.base, r.end))
			v = DAMAGED("symbol %u is out of range", i);
	}
	h = ns_rec_hooks((struct ns_rec *)rec);
	if (v == NS_REC_VALID && h)
		v = check_hooks(rec, h, &r, home, why, whylen);
	return v;
}

int ns_rec_check_xforms(const struct ns_rec *rec, const struct ns_rec_xform *x,
			uint32_t n, char *why, size_t whylen)
{
	struct areas r = {
		.base = rec->base, .end = rec->base + rec->size,
		.code_start = rec->code_start, .code_end = rec->code_end,
	};

	for (uint32_t i = 0; i < n; i++) {
		const struct ns_rec_xform *t = &x[i];

		if (!terminated(t->name, sizeof(t->name)) ||
		    !in_code(&r, t->fn, 1) || (t->unfn && !in_code(&r, t->unfn, 1)) ||
		    !in_data(&r, t->new_var, t->new_size) || !t->old_var ||
		    t->old_size > NS_REC_OBJECT_MAX ||
		    t->old_var > UINT64_MAX - NS_REC_OBJECT_MAX) {
			snprintf(why, whylen, "state transformer %u is out of range", i);
			return -1;
		}
	}
	return 0;
}

bool ns_rec_time_known(uint64_t t)
{
	return t > 0 && t <= NS_REC_TIME_MAX;
}
