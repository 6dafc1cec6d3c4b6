/* verify.c — is this patch for this process, as it runs now? Called by
 * apply before anything is written (nothing here writes to the target), on
 * the registry read from the process (what is applied) and its modules.
 *
 * Which module, and which version of it. A patch records the build-id of
 * the binary it was built against (its base) and, if built with
 * --new-binary, the build-id of the version it produces (its result; the
 * record of an applied patch keeps it). A module is at the version its
 * topmost applied patch produced, or at its own build-id when no patch is
 * applied to it. A patch applies
 *   - "stacked", to the module whose topmost applied patch produced the
 *     patch's base: it was built against the code that patch left, and is
 *     checked against exactly that code; or
 *   - "on the original", to the module whose own build-id is its base,
 *     whatever is applied on top: built against the running program's
 *     binary, from any two consecutive builds (a fix on top of a fix).
 * A cumulative patch (apply --replace, core/replace.c) applies only on the
 * original, and what it saves for its own revert is the original entry,
 * not the jump of the patch it replaces.
 *
 * A record does not name its module: the entries of the functions it
 * redirects do. A record that redirects nothing (new functions only) is
 * attributed to the module its code is within reach of (apply places a
 * patch within 2 GiB of its module; the program and its libraries lie
 * further apart than that, libraries among themselves may not, where such
 * a record can only make a stacked patch be refused, never accepted without
 * its functions' checks).
 *
 * Either way, every function the patch replaces must be, in the process,
 * the code of the build the patch was made from: the code it runs now,
 * which is, if an applied patch redirects it (the newest that does), that
 * patch's copy of its new code, in the patch's mapping; else the module's
 * bytes, with the entry jumps of patches in other states undone (a
 * cumulative patch, apply --replace, is checked against those original
 * bytes whatever redirects them). The checksum skips the relocated fields
 * and relaxable instruction bytes the patch lists (patch_mask.c), which is
 * what lets code linked by nonstop, or by ld at other addresses, match the
 * build the patch was made from; the fields themselves are then resolved
 * and compared with what they referred to in that build (verify_refs.c:
 * the same symbol, the same string), the way Ksplice's run-pre matching
 * does. Only records in state APPLIED count for the version and the code:
 * a record left half-done by an interrupted nonstop is neither. */
#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/verify.h"
#include "core/verify_refs.h"
#include "proc/mem.h"
#include "util/escape.h"
#include "transition/redirect.h"

#define REACH (1ULL << 31)

_Static_assert(sizeof(((struct ns_rec *)0)->result_build_id) >= NS_BUILD_ID_MAX,
	       "a record holds any build-id");

static bool same_id(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen && alen == blen && !memcmp(a, b, alen);
}

bool ns_verify_rec_in_module(const struct ns_rec *r, const struct ns_module *m)
{
	if (r->nfuncs)
		return r->funcs[0].old_addr >= m->start && r->funcs[0].old_addr < m->end;
	return r->code_start + REACH > m->end && r->code_start < m->start + REACH;
}

/* The newest applied patch of module M, or NULL. */
static const struct ns_rec *topmost(const struct ns_registry *reg,
				    const struct ns_module *m)
{
	for (size_t i = reg->n; i-- > 0;) {
		const struct ns_rec *r = reg->v[i].rec;

		if (r->state == NS_REC_APPLIED && ns_verify_rec_in_module(r, m))
			return r;
	}
	return NULL;
}

/* Whether P was built on top of the version M's topmost patch produced. */
static const struct ns_rec *stacked_on(const struct ns_patch *p,
				       const struct ns_registry *reg,
				       const struct ns_module *m)
{
	const struct ns_rec *top = topmost(reg, m);

	if (top && same_id(top->result_build_id, top->result_build_id_len,
			   p->build_id, p->build_id_len))
		return top;
	return NULL;
}

/* The module to name when none fits: the one named like the patch's binary,
 * else the program. */
static struct ns_module *shown_module(const struct ns_patch *p, struct ns_target *t)
{
	struct ns_module *main = NULL;

	for (size_t i = 0; i < t->nmods; i++) {
		char *tmp = strdup(t->mods[i].path);
		bool named = tmp && p->binary && !strcmp(basename(tmp), p->binary);

		free(tmp);
		if (named)
			return &t->mods[i];
		if (t->mods[i].is_main && !main)
			main = &t->mods[i];
	}
	return main ? main : t->nmods ? &t->mods[0] : NULL;
}

struct ns_module *ns_verify_module(const struct ns_patch *p, struct ns_target *t,
				   const struct ns_registry *reg, pid_t pid,
				   struct ns_err *err)
{
	char want[2 * NS_BUILD_ID_MAX + 1], have[2 * NS_BUILD_ID_MAX + 1] = "";
	char now[2 * NS_BUILD_ID_MAX + 1];
	const struct ns_rec *top;
	struct ns_module *m;

	for (size_t i = 0; i < t->nmods; i++)
		if (stacked_on(p, reg, &t->mods[i]))
			return &t->mods[i];
	m = ns_target_by_build_id(t, p->build_id, p->build_id_len);
	if (m)
		return m;

	/* Refused: say why in terms of versions. Applying a patch again is
	 * the common mistake (its base is no version any more). */
	for (size_t i = 0; i < reg->n; i++) {
		const struct ns_rec *r = reg->v[i].rec;

		if (!strcmp(r->name, p->name) || r->patch_id == p->id) {
			ns_err_set(err, "patch '%s' is already applied to process %d",
				 r->name, (int)pid);
			return NULL;
		}
	}
	ns_hex(p->build_id, p->build_id_len, want);
	m = shown_module(p, t);
	if (!m) {
		ns_err_set(err, "patch '%s' was built for %s at build-id %s; "
			 "process %d has no ELF module", p->name, p->binary, want,
			 (int)pid);
		return NULL;
	}
	ns_hex(m->build_id, m->build_id_len, have);
	top = topmost(reg, m);
	if (!top) {
		ns_err_set(err, "patch '%s' was built for %s at build-id %s; "
			 "process %d runs %s at build-id %s (no patch applied to it)",
			 p->name, p->binary, want, (int)pid, m->path,
			 have[0] ? have : "none");
	} else if (top->result_build_id_len) {
		ns_hex(top->result_build_id,
		       top->result_build_id_len > NS_BUILD_ID_MAX ? NS_BUILD_ID_MAX :
		       top->result_build_id_len, now);
		ns_err_set(err, "patch '%s' was built for %s at build-id %s; "
			 "process %d runs %s at build-id %s, which its last patch "
			 "'%s' turned into build-id %s", p->name, p->binary, want,
			 (int)pid, m->path, have[0] ? have : "none", top->name, now);
	} else {
		ns_err_set(err, "patch '%s' was built for %s at build-id %s; "
			 "process %d runs %s at build-id %s with patch '%s' on top, "
			 "which does not record the build-id it produces (built "
			 "without --new-binary)", p->name, p->binary, want, (int)pid,
			 m->path, have[0] ? have : "none", top->name);
	}
	return NULL;
}

struct ns_module *ns_verify_module_original(const struct ns_patch *p,
					    struct ns_target *t,
					    const struct ns_registry *reg,
					    pid_t pid, struct ns_err *err)
{
	char want[2 * NS_BUILD_ID_MAX + 1], have[2 * NS_BUILD_ID_MAX + 1] = "";
	char why[NS_NAME_MAX + 64] = "";
	struct ns_module *m = ns_target_by_build_id(t, p->build_id, p->build_id_len);

	if (m)
		return m;
	ns_hex(p->build_id, p->build_id_len, want);
	m = shown_module(p, t);
	if (!m) {
		ns_err_set(err, "--replace: patch '%s' was built for %s at "
			 "build-id %s; process %d has no ELF module", p->name,
			 p->binary, want, (int)pid);
		return NULL;
	}
	ns_hex(m->build_id, m->build_id_len, have);
	/* The likely mistake: a patch built on top of an applied one. */
	for (size_t i = 0; i < reg->n; i++) {
		const struct ns_rec *r = reg->v[i].rec;

		if (r->state == NS_REC_APPLIED && ns_verify_rec_in_module(r, m) &&
		    same_id(r->result_build_id, r->result_build_id_len,
			    p->build_id, p->build_id_len))
			snprintf(why, sizeof(why), ", the version patch '%s' "
				 "produces", r->name);
	}
	ns_err_set(err, "--replace needs a patch built against the original "
		 "program: patch '%s' was built for %s at build-id %s%s; process %d "
		 "runs %s at build-id %s", p->name, p->binary, want, why, (int)pid,
		 m->path, have[0] ? have : "none");
	return NULL;
}

/* The newest applied patch redirecting the function at ADDR, and the index
 * of that function in it; NULL if none. */
static const struct ns_rec *redirected_by(const struct ns_registry *reg,
					  uint64_t addr, uint32_t *fi)
{
	for (size_t i = reg->n; i-- > 0;) {
		const struct ns_rec *r = reg->v[i].rec;

		if (r->state != NS_REC_APPLIED)
			continue;
		for (uint32_t f = 0; f < r->nfuncs; f++)
			if (r->funcs[f].old_addr == addr) {
				*fi = f;
				return r;
			}
	}
	return NULL;
}

/* Newest record first, so that the oldest's saved bytes, the original
 * ones, are left. */
void ns_verify_unpatched(const struct ns_registry *reg, uint64_t addr,
			 uint8_t *buf, uint64_t size)
{
	for (size_t i = reg->n; i-- > 0;) {
		const struct ns_rec *r = reg->v[i].rec;

		for (uint32_t f = 0; f < r->nfuncs; f++) {
			uint32_t n = r->funcs[f].saved_len;

			if (r->funcs[f].old_addr != addr)
				continue;
			if (n > NS_SAVED_MAX)
				n = NS_SAVED_MAX;
			memcpy(buf, r->funcs[f].saved, n < size ? n : size);
		}
	}
}

/* Checks CODE (SIZE bytes the process runs at ADDR for E) against the
 * code the patch was built against: its checksum with E's masks, then what
 * its relocated fields refer to (verify_refs.h). WHERE says whose code. */
static int same_code(const struct ns_entry *e, const uint8_t *code, uint64_t addr,
		     uint64_t size, struct ns_target *t, struct ns_module *mod,
		     const struct ns_registry *reg, int mem_fd, const char *where,
		     struct ns_err *err)
{
	uint8_t *copy = malloc(size ? size : 1);
	uint64_t sum;

	if (!copy)
		return ns_err_set(err, "out of memory");
	memcpy(copy, code, size);
	sum = ns_mask_checksum(copy, size, e->masks, e->nmasks);
	free(copy);
	if (sum != e->old_sum)
		return ns_err_set(err, "function %s%s differs from the code the "
				  "patch was built against", e->name, where);
	return ns_verify_refs(e, code, addr, t, mod, reg, mem_fd, where, err);
}

/* Checks one replaced function E against the process and fills RF. */
static int verify_one(const struct ns_entry *e, struct ns_target *t,
		      struct ns_module *mod, const struct ns_registry *reg,
		      bool original, int mem_fd, pid_t pid,
		      struct ns_rec_func *rf, struct ns_err *err)
{
	const struct ns_rec *by = NULL;
	struct ns_symval v;
	uint64_t addr, size;
	uint32_t fi = 0;
	char whose[NS_NAME_MAX + 48] = "", where[NS_NAME_MAX + 80];
	uint8_t *buf;
	int rc;

	if (ns_module_lookup(mod, e->name, e->file, &v, err) < 0)
		return ns_err_wrap(err, "function %s", e->name);
	if (v.size < NS_JMP_LEN && ns_module_room(mod, v.addr) < NS_JMP_LEN) {
		ns_err_set(err, "function %s: too short to redirect (%llu bytes)",
			 e->name, (unsigned long long)v.size);
		return -1;
	}
	/* What reverting this patch puts back: the entry as it is now (an
	 * earlier patch's jump, if any), or for a patch replacing every
	 * earlier one, the entry as the program had it. */
	if (ns_mem_read(mem_fd, v.addr, rf->saved, NS_JMP_LEN) < 0) {
		ns_err_set(err, "function %s: cannot read it in process %d: %s",
			 e->name, (int)pid, strerror(errno));
		return -1;
	}
	rf->saved_len = NS_JMP_LEN;
	if (original)
		ns_verify_unpatched(reg, v.addr, rf->saved, NS_JMP_LEN);

	/* The code the process runs for it: an earlier patch's copy if one
	 * redirects it (the newest), else the module's own; for a patch
	 * replacing every earlier one, the module's original code. */
	addr = v.addr;
	size = v.size;
	if (!original && (by = redirected_by(reg, v.addr, &fi))) {
		addr = by->funcs[fi].new_addr;
		size = by->funcs[fi].new_size;
		snprintf(whose, sizeof(whose), " (the code of patch '%s')", by->name);
	}
	if (size != e->old_size) {
		ns_err_set(err, "function %s: %llu bytes in process %d%s, %llu in "
			 "the build the patch was made for", e->name,
			 (unsigned long long)size, (int)pid, whose,
			 (unsigned long long)e->old_size);
		return -1;
	}
	buf = malloc(size ? size : 1);
	if (!buf) {
		ns_err_set(err, "out of memory");
		return -1;
	}
	if (ns_mem_read(mem_fd, addr, buf, size) < 0) {
		ns_err_set(err, "function %s: cannot read it in process %d%s: %s",
			 e->name, (int)pid, whose, strerror(errno));
		free(buf);
		return -1;
	}
	if (!by)
		ns_verify_unpatched(reg, v.addr, buf, size);
	snprintf(where, sizeof(where), " in process %d%s", (int)pid, whose);
	rc = same_code(e, buf, addr, size, t, mod, reg, mem_fd, where, err);
	free(buf);
	if (rc)
		return -1;
	rf->old_addr = v.addr;
	rf->old_size = v.size;
	snprintf(rf->name, sizeof(rf->name), "%s", e->name);
	return 0;
}

/* Whether the record's fixed-size NAME field holds exactly S. */
static bool name_is(const char *name, const char *s)
{
	size_t n = strnlen(name, NS_NAME_MAX);

	return n < NS_NAME_MAX && n == strlen(s) && !memcmp(name, s, n);
}

/* The applied patch of MOD that brought its own version of function NAME,
 * which MOD also has, without redirecting MOD's (a function whose
 * signature it changed: gen/sigchange.c), or NULL. */
static const struct ns_rec *shadowed_by(const struct ns_registry *reg,
					const struct ns_module *mod, const char *name)
{
	for (size_t i = 0; i < reg->n; i++) {
		struct ns_rec *r = reg->v[i].rec;
		const struct ns_rec_sym *sy;
		bool brings = false, redirects = false;

		if (r->state != NS_REC_APPLIED || !ns_verify_rec_in_module(r, mod))
			continue;
		sy = ns_rec_syms(r);
		for (uint32_t k = 0; k < r->nsyms && !brings; k++)
			brings = name_is(sy[k].name, name);
		for (uint32_t f = 0; f < r->nfuncs && !redirects; f++)
			redirects = name_is(r->funcs[f].name, name);
		if (brings && !redirects)
			return r;
	}
	return NULL;
}

/* Refuses (-1) a patch whose code binds by name to a function of MOD of
 * which an applied patch brought a new version: it would reach MOD's old
 * one (the new one lives in that patch's memory) with the new arguments. */
static int check_shadows(const struct ns_patch *p, struct ns_module *mod,
			 const struct ns_registry *reg, struct ns_err *err)
{
	for (size_t i = 1; i < p->nsyms; i++) {
		const struct ns_sym *s = &p->syms[i];
		const struct ns_rec *by;
		struct ns_err scratch = { 0 };
		struct ns_symval v;
		char esc[NS_ESC_SIZE(64)];

		if (s->kind != NS_SYM_TARGET || !*s->name ||
		    !(by = shadowed_by(reg, mod, s->name)) ||
		    ns_module_lookup(mod, s->name, s->file, &v, &scratch) ||
		    (v.type != STT_FUNC && v.type != STT_GNU_IFUNC))
			continue;
		ns_esc(s->name, esc, sizeof(esc));
		return ns_err_set(err, "patch '%s' calls '%s', of which patch '%s' "
				  "brought a new version (its signature changed): it "
				  "would call the old one; build it with that fix "
				  "and apply it with --replace", p->name, esc, by->name);
	}
	return 0;
}

int ns_verify_patch(const struct ns_patch *p, struct ns_target *t,
		    struct ns_module *mod, const struct ns_registry *reg,
		    bool original, int mem_fd, pid_t pid, struct ns_rec *rec,
		    struct ns_err *err)
{
	uint32_t k = 0;

	if (!original && check_shadows(p, mod, reg, err))
		return -1;
	for (size_t i = 0; i < p->nentries; i++) {
		const struct ns_entry *e = &p->entries[i];

		if (e->kind != NS_ENTRY_REPLACE)
			continue;
		if (k >= rec->nfuncs) {
			ns_err_set(err, "internal error: record has %u functions",
				 rec->nfuncs);
			return -1;
		}
		if (verify_one(e, t, mod, reg, original, mem_fd, pid,
			       &rec->funcs[k++], err) < 0)
			return -1;
	}
	return 0;
}
