/* hook_locks.c — what a hook's code may lock (hook_locks.h).
 *
 * nonstop runs a hook in a thread it borrows, from wherever that thread
 * was stopped, as a signal handler runs: a hook that takes a lock the
 * thread holds there waits for itself forever (core/borrow.h). What a hook
 * may take is found here, once, when the patch is built, and written in
 * the patch (patch.h: enum ns_lock_class); apply then borrows a thread
 * that holds none of it — any thread, for a hook that takes none.
 *
 * From the hook's function, every instruction is decoded (capstone) and
 * every direct call and jump followed, the relocations naming its target:
 * a function of the same object, or of another object of the new build
 * (the code that runs: the patch's copy of a changed function, the
 * target's of an unchanged one, which compares equal), and down to the C
 * library (libc_locks.c). What cannot be followed may take any lock: a
 * call or jump through a register or memory (a function pointer; a
 * switch's jump table too), a function nonstop does not know. An atomic
 * read-modify-write (a lock prefix, xchg with memory) may be a spinlock
 * taken in place, like the shadow variables' (nonstop.h): class SPIN.
 *
 * The objects of the new build are read as the calls lead to them and
 * kept for the rest of the run (several hooks share them); the index of
 * their global functions is made the first time a call leaves an object,
 * from each object in turn, released unless the walk holds it.
 * A name several objects define (a program built twice, as memcached and
 * memcached-debug) is taken from the object whose path shares the longest
 * prefix with the hook's. */
#include <capstone/capstone.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/hook_locks.h"
#include "gen/walk.h"
#include "util/strbuf.h"

/* How far a hook's calls are followed before it is said to take any lock:
 * a hook that reaches more code than this is not one to run anywhere. */
#define MAX_FUNCS 4096
#define WHY_MAX   480

/* A global function of the new build: its name and object. */
struct gdef {
	char       *name;
	size_t      obj;
	bool        weak;
};

struct gen_hookscan {
	csh           cs;
	bool          cs_open;
	struct gobj **objs;   /* per g->new_files->rel[i]: loaded, or NULL */
	struct gdef  *defs;   /* sorted by name */
	size_t        ndefs;
	bool          indexed;
};

/* A function reached from the hook, and the one that reached it. */
struct reach {
	const struct gobj *o;
	size_t sym;
	long   parent;        /* index in the walk, -1 for the hook */
};

struct walk {
	struct gen          *g;
	struct gen_hookscan *s;
	const struct gobj   *start;
	struct reach        *v;
	size_t               n, cap;
	uint32_t             locks;
	struct strbuf        why;
};

static int scan_init(struct gen *g)
{
	struct gen_hookscan *s = g->hookscan;
	size_t n = g->new_files ? g->new_files->n : 0;

	if (s)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->objs = calloc(n ? n : 1, sizeof(*s->objs)))) {
		free(s);
		return gen_fail(g, "out of memory");
	}
	g->hookscan = s;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &s->cs) != CS_ERR_OK ||
	    cs_option(s->cs, CS_OPT_DETAIL, CS_OPT_ON) != CS_ERR_OK)
		return gen_fail(g, "cannot start capstone's x86-64 decoder");
	s->cs_open = true;
	return 0;
}

void gen_hookscan_free(struct gen *g)
{
	struct gen_hookscan *s = g->hookscan;

	if (!s)
		return;
	if (s->cs_open)
		cs_close(&s->cs);
	for (size_t i = 0; g->new_files && i < g->new_files->n; i++)
		if (s->objs[i]) {
			gobj_free(s->objs[i]);
			free(s->objs[i]);
		}
	free(s->objs);
	for (size_t i = 0; i < s->ndefs; i++)
		free(s->defs[i].name);
	free(s->defs);
	free(s);
	g->hookscan = NULL;
}

/* Object I of the new build, loaded if it is not yet. */
static struct gobj *object(struct gen *g, size_t i)
{
	struct gen_hookscan *s = g->hookscan;
	char *path = NULL;

	if (s->objs[i])
		return s->objs[i];
	s->objs[i] = calloc(1, sizeof(**s->objs));
	if (!s->objs[i] ||
	    asprintf(&path, "%s/%s", g->opts->new_dir, g->new_files->rel[i]) < 0) {
		free(s->objs[i]);
		s->objs[i] = NULL;
		gen_fail(g, "out of memory");
		return NULL;
	}
	if (gobj_load(g, path, g->new_files->rel[i], s->objs[i])) {
		gobj_free(s->objs[i]);
		free(s->objs[i]);
		s->objs[i] = NULL;
	}
	free(path);
	return s->objs[i];
}

static int by_name(const void *a, const void *b)
{
	const struct gdef *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->obj > y->obj) - (x->obj < y->obj);
}

/* The index of every global function the new build's objects define. */
static int index_defs(struct gen *g)
{
	struct gen_hookscan *s = g->hookscan;
	size_t cap = 0;

	if (s->indexed)
		return 0;
	for (size_t i = 0; g->new_files && i < g->new_files->n; i++) {
		bool held = s->objs[i] != NULL;
		struct gobj *o = object(g, i);

		if (!o)
			return -1;
		for (size_t k = 1; k < o->nsyms; k++) {
			const struct gsym *gs = &o->syms[k];

			if (gs->type != STT_FUNC || gs->bind == STB_LOCAL ||
			    !gobj_is_named_def(o, k))
				continue;
			if (s->ndefs == cap) {
				struct gdef *nd;

				cap = cap ? 2 * cap : 256;
				nd = realloc(s->defs, cap * sizeof(*nd));
				if (!nd)
					return gen_fail(g, "out of memory");
				s->defs = nd;
			}
			s->defs[s->ndefs].name = strdup(gs->name);
			if (!s->defs[s->ndefs].name)
				return gen_fail(g, "out of memory");
			s->defs[s->ndefs].weak = gs->bind == STB_WEAK;
			s->defs[s->ndefs++].obj = i;
		}
		if (!held) {
			gobj_free(o);
			free(o);
			s->objs[i] = NULL;
		}
	}
	qsort(s->defs, s->ndefs, sizeof(*s->defs), by_name);
	s->indexed = true;
	return 0;
}

static size_t common_prefix(const char *a, const char *b)
{
	size_t n = 0;

	while (a[n] && a[n] == b[n])
		n++;
	return n;
}

/* The object of the new build that defines global function NAME, or -1:
 * a strong definition before a weak one (the linker's choice), and among
 * several, the closest to the hook's object (a tree that builds two
 * programs defines each of their functions twice). */
static long defining_object(struct walk *w, const char *name)
{
	struct gen_hookscan *s = w->s;
	struct gdef key = { .name = (char *)name, .obj = 0 };  /* only read */
	size_t lo = 0, hi = s->ndefs;
	long best = -1;
	size_t best_len = 0;
	bool best_weak = false;

	while (lo < hi) {                 /* the first entry of NAME */
		size_t mid = (lo + hi) / 2;

		if (by_name(&s->defs[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < s->ndefs && !strcmp(s->defs[lo].name, name); lo++) {
		size_t len = common_prefix(w->g->new_files->rel[s->defs[lo].obj],
					   w->start->rel);

		bool better = best < 0 || (best_weak && !s->defs[lo].weak) ||
			      (best_weak == s->defs[lo].weak && len > best_len);

		if (better) {
			best = (long)s->defs[lo].obj;
			best_len = len;
			best_weak = s->defs[lo].weak;
		}
	}
	return best;
}

static const char *fn_name(const struct reach *r)
{
	return r->o->syms[r->sym].name;
}

/* Adds LOCKS to the walk's; a call that adds a class is said in WHY:
 * the chain from the hook to function AT, then WHAT. */
static void found(struct walk *w, size_t at, uint32_t locks, const char *what)
{
	size_t chain[64], n = 0;
	char names[64];
	long i = (long)at;

	if (!(locks & ~w->locks))
		return;
	w->locks |= locks;
	if (w->why.len > WHY_MAX)
		return;
	for (; i >= 0 && n < sizeof(chain) / sizeof(*chain); i = w->v[i].parent)
		chain[n++] = (size_t)i;
	if (w->why.len)
		sb_printf(&w->why, "; ");
	if (i >= 0)
		sb_printf(&w->why, "... -> ");
	while (n--)
		sb_printf(&w->why, "%s -> ", fn_name(&w->v[chain[n]]));
	sb_printf(&w->why, "%s (%s)", what, ns_locks_name(locks, names, sizeof(names)));
}

/* The function of section SEC of O that contains offset OFF, or -1. */
static long func_at(const struct gobj *o, size_t sec, uint64_t off)
{
	long k = gobj_sym_at(o, sec, off);
	const GElf_Sym *s;

	if (k < 0 || o->syms[k].type != STT_FUNC)
		return -1;
	s = &o->syms[k].s;
	return off >= s->st_value && off < s->st_value + s->st_size ? k : -1;
}

/* Adds function SYM of O to the walk (once), reached from PARENT. */
static int reach(struct walk *w, const struct gobj *o, size_t sym, long parent)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].o == o && w->v[i].sym == sym)
			return 0;
	if (w->n == MAX_FUNCS) {
		found(w, (size_t)parent, NS_LOCKS_UNKNOWN, "more functions than nonstop "
		      "follows");
		return 0;
	}
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 32;
		struct reach *nv = realloc(w->v, cap * sizeof(*nv));

		if (!nv)
			return gen_fail(w->g, "out of memory");
		w->v = nv;
		w->cap = cap;
	}
	w->v[w->n++] = (struct reach){ .o = o, .sym = sym, .parent = parent };
	return 0;
}

/* Adds global function NAME of object K of the new build, reached from
 * PARENT. */
static int reach_global(struct walk *w, size_t k, const char *name, long parent)
{
	const struct gobj *d = object(w->g, k);

	if (!d)
		return -1;
	for (size_t i = 1; i < d->nsyms; i++)
		if (d->syms[i].type == STT_FUNC && d->syms[i].bind != STB_LOCAL &&
		    gobj_is_named_def(d, i) && !strcmp(d->syms[i].name, name))
			return reach(w, d, i, parent);
	return gen_fail(w->g, "%s: function %s is gone", d->rel, name);
}

/* A call or jump from function AT to symbol SYM of O + OFF (OFF counts
 * for a section's symbol only). */
static int callee(struct walk *w, size_t at, const struct gobj *o, size_t sym,
		  uint64_t off)
{
	const struct gsym *gs = &o->syms[sym];
	char what[160];
	uint32_t locks;
	bool known;
	long k;

	if (gs->type == STT_SECTION) {
		k = func_at(o, gs->s.st_shndx, off);
		if (k < 0) {
			found(w, at, NS_LOCKS_UNKNOWN, "code nonstop cannot name");
			return 0;
		}
		return reach(w, o, (size_t)k, (long)at);
	}
	if (off && *gs->name) {
		snprintf(what, sizeof(what), "a call into the middle of %s", gs->name);
		found(w, at, NS_LOCKS_UNKNOWN, what);
		return 0;
	}
	/* A weak definition may not be the one the program links: looked
	 * for by name, as an undefined one. */
	if (gs->s.st_shndx != SHN_UNDEF && gs->type == STT_FUNC &&
	    gs->bind != STB_WEAK)
		return reach(w, o, sym, (long)at);
	if ((gs->s.st_shndx != SHN_UNDEF && gs->bind != STB_WEAK) || !*gs->name) {
		found(w, at, NS_LOCKS_UNKNOWN, "code nonstop cannot name");
		return 0;
	}
	if (index_defs(w->g))
		return -1;
	k = defining_object(w, gs->name);
	if (k >= 0)
		return reach_global(w, (size_t)k, gs->name, (long)at);
	locks = gen_libc_locks(gs->name, &known);
	if (!known)
		snprintf(what, sizeof(what), "%s, which nonstop does not know",
			 gs->name);
	else
		snprintf(what, sizeof(what), "%s", gs->name);
	found(w, at, locks, what);
	return 0;
}

/* The first relocation of section SEC of O in [FROM, TO), or NULL. */
static const GElf_Rela *reloc_in(const struct gobj *o, size_t sec,
				 uint64_t from, uint64_t to)
{
	const struct gsec *s = &o->secs[sec];
	size_t lo = 0, hi = s->nrels;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->rels[mid].r_offset < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nrels && s->rels[lo].r_offset < to ? &s->rels[lo] : NULL;
}

static bool atomic_rmw(const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;

	if (x->prefix[0] == X86_PREFIX_LOCK)
		return true;
	if (in->id != X86_INS_XCHG)
		return false;
	for (uint8_t i = 0; i < x->op_count; i++)
		if (x->operands[i].type == X86_OP_MEM)
			return true;
	return false;
}

static bool got_reloc(uint32_t type)
{
	return type == R_X86_64_GOTPCREL || type == R_X86_64_GOTPCRELX ||
	       type == R_X86_64_REX_GOTPCRELX;
}

/* A call or jump instruction IN of function AT (code [LO, HI) of section
 * SEC of O): followed where it leads. */
static int branch(struct walk *w, size_t at, const struct gobj *o, size_t sec,
		  uint64_t lo, uint64_t hi, const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;
	uint64_t end = in->address + in->size;
	const GElf_Rela *r = reloc_in(o, sec, in->address, end);
	const cs_x86_op *op = x->op_count == 1 ? &x->operands[0] : NULL;

	/* call/jmp rel32 with its relocation; or call/jmp *foo@GOTPCREL(%rip)
	 * (-fno-plt): a call of foo. Through any other memory, a pointer. */
	if (r && GELF_R_SYM(r->r_info) < o->nsyms && op &&
	    (op->type == X86_OP_IMM ||
	     (op->type == X86_OP_MEM && got_reloc(GELF_R_TYPE(r->r_info)))))
		return callee(w, at, o, GELF_R_SYM(r->r_info),
			      (uint64_t)(r->r_addend + (int64_t)(end - r->r_offset)));
	if (!r && op && op->type == X86_OP_IMM) {
		uint64_t to = (uint64_t)op->imm;
		long k;

		if (to >= lo && to < hi)
			return 0;                   /* inside the function */
		k = func_at(o, sec, to);
		if (k >= 0)
			return reach(w, o, (size_t)k, (long)at);
	}
	found(w, at, NS_LOCKS_UNKNOWN, cs_insn_group(w->s->cs, in, X86_GRP_CALL) ?
	      "a call through a pointer" : "a jump through a pointer or a table");
	return 0;
}

/* Decodes function AT of the walk, adding what its code calls. */
static int scan_function(struct walk *w, size_t at)
{
	const struct gobj *o = w->v[at].o;
	const struct gsym *gs = &o->syms[w->v[at].sym];
	size_t sec = gs->s.st_shndx;
	const struct gsec *s = sec < o->nsecs ? &o->secs[sec] : NULL;
	uint64_t lo = gs->s.st_value, hi = lo + gs->s.st_size, addr = lo;
	const uint8_t *code;
	size_t left;
	cs_insn *in;
	int rc = 0;

	if (!s || !s->data || hi > s->sh.sh_size || hi <= lo) {
		found(w, at, NS_LOCKS_UNKNOWN, "code nonstop cannot read (no "
		      "size, or outside its section)");
		return 0;
	}
	code = s->data + lo;
	left = hi - lo;
	in = cs_malloc(w->s->cs);
	if (!in)
		return gen_fail(w->g, "out of memory");
	while (rc == 0 && left && w->locks != NS_LOCKS_ALL &&
	       cs_disasm_iter(w->s->cs, &code, &left, &addr, in)) {
		if (atomic_rmw(in))
			found(w, at, NS_LOCK_SPIN, "an atomic exchange");
		if (cs_insn_group(w->s->cs, in, X86_GRP_CALL) ||
		    cs_insn_group(w->s->cs, in, X86_GRP_JUMP))
			rc = branch(w, at, o, sec, lo, hi, in);
	}
	if (rc == 0 && left && w->locks != NS_LOCKS_ALL)
		found(w, at, NS_LOCKS_UNKNOWN, "code nonstop cannot decode");
	cs_free(in, 1);
	return rc;
}

/* The walk's first function: SYM of O, or for a hook of another object
 * (undefined in O), that object's. */
static int start(struct walk *w, const struct gobj *o, size_t sym)
{
	const char *name = o->syms[sym].name;
	char what[160], names[64];
	long k;

	if (o->syms[sym].s.st_shndx != SHN_UNDEF)
		return reach(w, o, sym, -1);
	if (index_defs(w->g))
		return -1;
	k = defining_object(w, name);
	if (k < 0) {
		/* (a library's, an archive's: not followed) */
		snprintf(what, sizeof(what), "%s, which no object of the new "
			 "build defines", name);
		w->locks = NS_LOCKS_UNKNOWN;
		sb_printf(&w->why, "%s (%s)", what, ns_locks_name(w->locks,
			  names, sizeof(names)));
		return 0;
	}
	return reach_global(w, (size_t)k, name, -1);
}

int gen_hook_locks(struct gen *g, const struct gobj *o, size_t sym,
		   uint32_t *locks, char **why)
{
	struct walk w = { .g = g, .start = o };
	int rc = -1;

	*locks = NS_LOCKS_ALL;
	*why = NULL;
	if (scan_init(g))
		return -1;
	w.s = g->hookscan;
	if (start(&w, o, sym))
		goto out;
	for (size_t i = 0; i < w.n && w.locks != NS_LOCKS_ALL; i++)
		if (scan_function(&w, i))
			goto out;
	if (sb_failed(&w.why)) {
		gen_fail(g, "out of memory");
		goto out;
	}
	*locks = w.locks;
	if (w.locks)
		*why = w.why.p ? w.why.p : strdup("?");
	else
		sb_free(&w.why);
	if (w.locks && !*why) {
		gen_fail(g, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (rc)
		sb_free(&w.why);
	free(w.v);
	return rc;
}
