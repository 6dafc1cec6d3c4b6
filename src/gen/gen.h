/* gen.h — the patch generator: the model shared by the files of src/gen/
 * (objects, pairs and what is decided for them, the run's context) and its
 * one entry point, ns_gen_build() (pipeline.c), used by `nonstop build`. */
#ifndef NONSTOP_GEN_H
#define NONSTOP_GEN_H
#include "util/err.h"

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patch/patch.h"
#include "util/strbuf.h"

/* ---- entry point -------------------------------------------------------- */

struct ns_gen_opts {
	const char *old_dir, *new_dir;
	const char *binary;     /* path of the binary linked from old_dir */
	const char *new_binary; /* the binary linked from new_dir, or NULL: its
				   build-id is the patch's result build-id */
	const char *name;       /* patch name */
	int         verbose;    /* print every decision on stdout (gen_note) */
	const char *emit_transformer; /* when variables changed their type:
				   write a transformer stub there (transformer.h) */
};

struct ns_gen_stats {
	unsigned replaced, added, data_added;
	unsigned transformed;   /* variables moved by state transformers */
	/* --emit-transformer: the file was written with this many
	 * transformers and placeholders to fill (0 if not written) */
	unsigned xform_vars, xform_todo;
	/* Warnings, one line each ending in '\n' (the caller prints them:
	 * the generator writes nothing to stderr), NULL if none; the caller
	 * frees it, whatever ns_gen_build() returned. */
	char    *warnings;
};

#define NS_GEN_OK       0
#define NS_GEN_FAIL    -1   /* refused or failed; message in err */
#define NS_GEN_NOCHANGE 3   /* the builds do not differ in code */

/* Compares the two builds and fills OUT (release with ns_patch_free()). */
int ns_gen_build(const struct ns_gen_opts *opts, struct ns_patch *out,
		 struct ns_gen_stats *stats, struct ns_err *err);

/* ---- the run: its context and what it says (report.c) -------------------- */

struct gen_types;
struct gen_xforms;
struct gen_xfile;
struct gen_files;
struct gen_hookscan;
struct gen_sigcalls;

/* The generator's context: error buffer, warnings and verbosity, and what
 * the type checks (types.h) gather over every object pair. */
struct gen {
	const struct ns_gen_opts *opts;
	struct ns_err   *err;
	struct strbuf warnings;       /* gen_warn(), for ns_gen_stats.warnings */
	struct gen_types   *types;
	struct gen_xforms  *xforms;   /* the new build's transformers */
	struct gen_xfile   *xfile;    /* --emit-transformer (transformer.h) */
	struct ns_gen_stats *stats;
	const struct gen_files *new_files; /* the new build's objects */
	const struct gen_files *old_files; /* the old build's, those linked */
	struct gen_sigcalls *sigcalls;  /* what sigchange.h checks at the end */
	struct gen_hookscan *hookscan;  /* what hook_locks.h keeps */
};

/* The error that ends the run, into the caller's buffer: returns -1. */
int gen_fail(struct gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A warning, one line (no '\n'): into the result, for the caller to print. */
void gen_warn(struct gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The trace of -v: printed when opts->verbose >= LEVEL. */
void gen_note(const struct gen *g, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- one relocatable object (objfile.c) --------------------------------- */

struct gsec {
	char      *name;
	GElf_Shdr  sh;
	uint8_t   *data;        /* sh_size bytes; NULL for NOBITS */
	GElf_Rela *rels;        /* sorted by offset */
	size_t     nrels;
};

struct gsym {
	char         *name;
	GElf_Sym      s;
	unsigned char type, bind;
	long          match;    /* correlated symbol in the other object, or -1 */
};

struct gobj {
	char        *path;      /* as opened */
	char        *rel;       /* path relative to its build directory */
	char        *file;      /* STT_FILE name ("" if none) */
	struct gsec *secs;      /* indexed by ELF section index; [0] unused */
	size_t       nsecs;
	struct gsym *syms;      /* indexed by .symtab index; [0] null */
	size_t       nsyms;
};

int  gobj_load(struct gen *g, const char *path, const char *rel, struct gobj *o);
/* The same without refusing what the comparison cannot diff (LTO objects,
 * objects without -ffunction-sections): for a look at any object. */
int  gobj_read(struct gen *g, const char *path, const char *rel, struct gobj *o);
void gobj_free(struct gobj *o);
/* Defined, named symbol of a real object (function, variable, TLS). */
int  gobj_is_named_def(const struct gobj *o, size_t sym);
/* The named symbol covering offset OFF of section SEC (else the first in the
 * section), or -1 if the section has none. */
long gobj_sym_at(const struct gobj *o, size_t sec, uint64_t off);
/* True for symbols whose section is copied into the patch when referenced,
 * never bound to the target: ".cold" pieces (they travel with their parent)
 * and compiler-generated read-only locals (CSWTCH.N, __func__.N, table.N). */
int  gobj_is_copied(const struct gobj *o, size_t sym);
/* True for nonstop.h's nonstop__shadow_root (a global variable): never
 * data of the patch; apply binds every reference to it to the process's
 * one root (link/shadow_root.h), so it is treated as the target's. */
int  gobj_is_shadow_root(const struct gobj *o, size_t sym);
/* True for a variable in read-only data (const, not relocated at load):
 * no state lives in it. */
int  gobj_is_readonly(const struct gobj *o, size_t sym);
/* True if section SEC has no named symbol (string pools, jump tables ...). */
int  gobj_sec_anon(const struct gobj *o, size_t sec);
/* The source file O was compiled from, for messages: its STT_FILE, else
 * its path in the build. */
const char *gobj_source(const struct gobj *o);

/* ---- correlation (correlate.c) ------------------------------------------ */

/* Fills gsym.match in both objects (OLD may be NULL: everything is new). */
void gen_correlate(struct gobj *old, struct gobj *new);
/* The function whose code first refers to data symbol SYM of O, or -1: a
 * static local belongs to that function. */
long gen_owner_of(const struct gobj *o, size_t sym);
/* The name a symbol of NEW had in the old build (its own if unmatched). */
const char *gen_canon_name(const struct gobj *new, const struct gobj *old,
			   size_t sym);

/* ---- comparison (compare.c) --------------------------------------------- */

enum gen_diff { GEN_SAME = 0, GEN_BYTES = 1, GEN_RELOC = 2 };

/* Compares function section OSEC of OLD with NSEC of NEW: size, bytes with
 * relocated fields zeroed, and what every relocation refers to. WHY gets a
 * short description of the first difference. */
enum gen_diff gen_compare_func(const struct gobj *old, size_t osec,
			       const struct gobj *new, size_t nsec,
			       char *why, size_t whylen);
/* Compares the initial value of data symbol OSYM of OLD with NSYM of NEW. */
enum gen_diff gen_compare_data(const struct gobj *old, size_t osym,
			       const struct gobj *new, size_t nsym,
			       char *why, size_t whylen);

/* ---- emission (emit.c) -------------------------------------------------- */

/* GEN_XFORM_DATA: an existing variable that the patch brings anew, filled
 * by a state transformer (xform.h). */
enum gen_decision { GEN_KEEP = 0, GEN_REPLACE, GEN_NEW_FUNC, GEN_NEW_DATA,
		    GEN_XFORM_DATA };

/* What became of a variable the two builds share: the same, its type
 * changed (the change is refused unless transformed), or transformed (the
 * new build gives it a NONSTOP_TRANSFORM: the patch brings it anew). Set
 * for every variable of a pair by one step, gen_types_vars() (types.h),
 * before anything is decided; read by the later steps. */
enum gen_var { GEN_VAR_SAME = 0, GEN_VAR_CHANGED, GEN_VAR_TRANSFORMED };

/* One object pair, indexed by NEW's symbol index: what its variables
 * became, then what the patch does with each symbol. */
struct gen_pair {
	struct gobj *old, *new;  /* old may be NULL */
	uint8_t     *var;        /* enum gen_var per new symbol */
	uint8_t     *decision;   /* enum gen_decision per new symbol */
	uint8_t     *reason;     /* enum ns_reason per new symbol */
};

/* Fills the decisions of PR (decide.c); -1 with a message on refusal. */
int gen_decide(struct gen *g, struct gen_pair *pr);

struct gen_emit;
struct gen_emit *gen_emit_new(struct ns_patch *p);
/* Adds the sections, symbols and entries of one pair to the patch. */
int  gen_emit_pair(struct gen *g, struct gen_emit *em, const struct gen_pair *pr);
/* After every pair: references to globals the patch itself defines (new
 * functions and variables of other objects) bind to those definitions. */
void gen_emit_bind_new(struct gen_emit *em);
void gen_emit_free(struct gen_emit *em);

/* ---- call-frame information (cfi.c) ------------------------------------ */

/* A relocation of the CFI taken from one object: at OFFSET of the copied
 * bytes, TYPE against section SEC of that object + ADDEND. */
struct gen_cfi_rel {
	uint64_t offset;
	uint32_t type;
	size_t   sec;
	int64_t  addend;
};

/* CIEs and FDEs copied from one object's .eh_frame (no terminator). */
struct gen_cfi {
	uint8_t *data;
	size_t   size;
	struct gen_cfi_rel *rels;
	size_t   nrels;
	unsigned kept, dropped;     /* FDEs of carried code */
};

/* The CFI of the sections of O that the patch carries (SEC_MAP[sec] >= 0):
 * their FDEs and the CIEs those use, CIE pointers fixed for the copy. An
 * object without .eh_frame gives none. -1 with a message if it is
 * malformed. */
int  gen_cfi_of(struct gen *g, const struct gobj *o, const long *sec_map,
		struct gen_cfi *out);
void gen_cfi_free(struct gen_cfi *c);

/* ---- checksum masks (masks.c) ------------------------------------------- */

/* The ranges the checksum of function SYM of O skips, from O's relocations
 * (malloc'd into *OUT, *N of them; none is NULL). -1 with a message for a
 * relocation type nonstop does not know. */
int gen_masks_of_sym(struct gen *g, const struct gobj *o, size_t sym,
		     struct ns_mask **out, uint32_t *n);
/* The same for defined symbol SYM of the patch P, from its own relocations,
 * into L (whose v the caller frees). */
int gen_masks_of_patch_sym(struct gen *g, const struct ns_patch *p, uint32_t sym,
			   struct ns_mask_list *l);

/* ---- hooks (hooks.c) ----------------------------------------------------- */

#define NS_GEN_HOOKS_SECTION ".nonstop.hooks"

/* A hook declared in a new object: its kind and function (NEW's symbol). */
struct gen_hook {
	uint32_t kind;          /* enum ns_hook_kind */
	size_t   sym;
};

/* True for the records of section .nonstop.hooks: not data of the patch. */
int gobj_is_hook_sym(const struct gobj *o, size_t sym);
/* The hooks of PR's new object that are this patch's (not declared in the
 * old object too), malloc'd into *OUT. -1 with a message for a malformed
 * hook section. */
int gen_hooks_of(struct gen *g, const struct gen_pair *pr,
		 struct gen_hook **out, size_t *n);
/* Records hook H, whose function is patch symbol SYM, with what its code
 * may lock (hook_locks.h); -1 with a message if the patch has a hook of
 * that kind already, or its code cannot be read. */
int gen_hook_set(struct gen *g, struct ns_patch *p, const struct gen_pair *pr,
		 const struct gen_hook *h, uint32_t sym);

/* ---- the target binary (binary.c) --------------------------------------- */

struct gbin;
int  gbin_open(struct gen *g, const char *path, struct gbin **out);
void gbin_close(struct gbin *b);
const char *gbin_path(const struct gbin *b);
/* Copies the build-id; its length, or -1 (message) if the binary has none. */
int  gbin_build_id(struct gen *g, struct gbin *b, uint8_t *buf, size_t max);
/* Finds symbol NAME (a global if FILE is NULL, else a local of the STT_FILE
 * FILE): 0 and its size, or -1 with a message (absent, ambiguous). */
int  gbin_find(struct gen *g, struct gbin *b, const char *name, const char *file,
	       uint64_t *size);
/* Room for an entry jump at the function gbin_find() found last: its size
 * plus the padding before the next symbol. */
uint64_t gbin_last_room(struct gbin *b);
/* The checksum of the bytes of the function gbin_find() found last, with
 * the N ranges of MASKS skipped (ns_mask_checksum), or -1 with a message if
 * its bytes are not in the file. */
int  gbin_last_sum(struct gen *g, struct gbin *b, const char *name,
		   const struct ns_mask *masks, uint32_t n, uint64_t *sum);

#endif
