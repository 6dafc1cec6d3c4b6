/* patch.h — the in-memory model of a patch, shared by the generator (which
 * fills it), the patch-file writer and reader (which serialise it), and the
 * linker (which places it into a process).
 *
 * On disk a patch is an ELF relocatable object (ET_REL, x86-64), readable
 * with readelf:
 *   - one section per piece of code or data the patch brings
 *     (".text.NAME", ".data.NAME", ".bss.NAME", ".rodata..." ...), each with
 *     its ".rela" section;
 *   - ".eh_frame" (optional): the call-frame information of the code
 *     the patch carries, with its ".rela.eh_frame" (patch_cfi.h), so that
 *     unwinders can walk through frames of new code; patches without it
 *     (older nonstop, code built without unwind tables) still load;
 *   - ".symtab"/".strtab": symbols defined by the patch (st_shndx = one of
 *     its sections) and undefined symbols the linker resolves in the target;
 *   - ".nonstop.meta": the metadata, described by struct ns_meta_* in
 *     patch_format.h: target build-id, the build-id of the version the patch
 *     produces (optional: `build --new-binary`), patch name, binary name,
 *     and for every entry (replaced function, new function, new data, a
 *     variable the patch brings anew and its state transformers) its
 *     names, the file of locals, and the size and checksum of the expected
 *     old bytes with the byte ranges the checksum skips; plus, for every
 *     undefined symbol, the source file when it names a local (static)
 *     symbol of the target; and its hooks (format version 4, only for a
 *     patch that has some): for each, its kind, the symbol of its
 *     function, and what its code may lock (NS_LOCK_*) and why;
 * and after the ELF object, at the very end of the file, a fixed-size
 * seal (patch_seal.h, layout in patch_seal.c): the SHA-256 of every byte
 * before it and, for a patch built with `--sign`, the signer's Ed25519 key
 * and signature. The reader checks it before it parses anything else.
 *
 * Stacking: a patch built from v2 to v3 (against v2's binary) applies to a
 * process running v2, or running v1 with a patch from v1 to v2 whose result
 * build-id is v2's. The old code it checks is then partly the earlier
 * patch's copy of v2 code, linked by nonstop at other addresses than in v2's
 * binary; so the checksum of an old function skips every field a linker
 * fills (relocations) and the instruction bytes a linker may rewrite when it
 * relaxes one (patch_mask.c), and the patch records those ranges.
 */
#ifndef NONSTOP_PATCH_H
#define NONSTOP_PATCH_H
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patch/patch_seal.h"

/* The largest patch file nonstop reads (checked before reading a byte):
 * real patches are kilobytes; this keeps a hostile file from taking
 * nonstop's memory. */
#define NS_PATCH_MAX_FILE (64u << 20)

#define NS_PATCH_FORMAT_VERSION 2   /* written; 1 is still read */
/* Version 3 is version 2 with a table of hooks: written only for a patch
 * that has hooks, so that a nonstop that cannot run them refuses it.
 * Version 4 (written for a patch with hooks; 3 is still read) adds to each
 * hook what its code may lock. */
#define NS_PATCH_FORMAT_HOOKS_V3 3
#define NS_PATCH_FORMAT_HOOKS    4
/* Version 5 (written for a patch that lists what its replaced functions'
 * relocated fields refer to, ns_entry.refs: every patch that replaces code)
 * is version 4 with a table of those references; its hook table may be
 * empty. A nonstop that cannot check them refuses the patch rather than
 * apply it on a weaker check. */
#define NS_PATCH_FORMAT_REFS     5
#define NS_BUILD_ID_MAX 64

/* Whether the 32-bit field at FIELD, OFF bytes into its section (the bytes
 * before it are readable when OFF allows), is the displacement of a direct
 * call, jmp or jcc (e8, e9, 0f 8x). Shared by the linker (what a far-call
 * stub may stand in for) and the generator (a call, not an address taken). */
static inline int ns_is_branch_disp(const uint8_t *field, uint64_t off)
{
	if (off >= 1 && (field[-1] == 0xe8 || field[-1] == 0xe9))
		return 1;
	return off >= 2 && field[-2] == 0x0f && (field[-1] & 0xf0) == 0x80;
}

/* A relocation inside a patch section (x86-64 RELA semantics). */
struct ns_reloc {
	uint64_t offset;   /* within the section */
	uint32_t type;     /* R_X86_64_* */
	uint32_t sym;      /* index into ns_patch.syms */
	int64_t  addend;
};

/* A section of code or data carried by the patch. */
struct ns_section {
	char     *name;    /* ".text.foo", ".rodata.str1.1", ... */
	uint32_t  type;    /* SHT_PROGBITS or SHT_NOBITS */
	uint64_t  flags;   /* SHF_ALLOC | SHF_EXECINSTR | SHF_WRITE | ... */
	uint64_t  align;   /* power of two, >= 1 */
	uint64_t  size;
	uint8_t  *data;    /* size bytes; NULL for SHT_NOBITS */
	struct ns_reloc *relocs;
	size_t    nrelocs;
};

enum ns_sym_kind {
	NS_SYM_DEFINED = 1, /* defined by the patch, in sections[section] */
	NS_SYM_TARGET  = 2, /* to resolve in the target process */
};

struct ns_sym {
	char     *name;
	char     *file;    /* NS_SYM_TARGET: source file of a local (static)
			      symbol, as recorded in STT_FILE; NULL if global */
	uint32_t  kind;    /* enum ns_sym_kind */
	uint32_t  section; /* NS_SYM_DEFINED: index into ns_patch.sections */
	uint64_t  value;   /* NS_SYM_DEFINED: offset within that section */
	uint64_t  size;
	uint8_t   type;    /* STT_FUNC, STT_OBJECT, STT_NOTYPE, STT_TLS ... */
	uint8_t   bind;    /* STB_LOCAL, STB_GLOBAL, STB_WEAK */
};

enum ns_entry_kind {
	NS_ENTRY_REPLACE  = 1, /* an existing function gets new code */
	NS_ENTRY_NEW_FUNC = 2, /* a function that did not exist */
	NS_ENTRY_NEW_DATA = 3, /* a variable that did not exist */
	NS_ENTRY_IGNORED  = 4, /* a difference judged not to matter (reason
				  says why): nothing is carried (sym 0), only
				  shown; apply and the linker skip it */
	/* State transformers (NONSTOP_TRANSFORM, include/nonstop.h). An
	 * older reader rejects these kinds. */
	NS_ENTRY_XFORM_DATA = 5, /* an existing variable NAME (FILE) the patch
				    brings anew (sym, an STT_OBJECT); old_size
				    is the live one's size */
	NS_ENTRY_TRANSFORM  = 6, /* sym: the function that fills the new
				    variable NAME (FILE) from the live one,
				    fn(old, new) */
	NS_ENTRY_UNTRANSFORM = 7, /* sym: fn(new, old), for revert */
};

/* Why the generator put an entry into the patch (shown by `nonstop show`). */
enum ns_reason {
	NS_REASON_NONE      = 0,
	NS_REASON_BYTES     = 1, /* its instructions changed */
	NS_REASON_RELOC     = 2, /* what it references changed */
	NS_REASON_NEW       = 3, /* did not exist in the old build */
	NS_REASON_LINES     = 4, /* NS_ENTRY_IGNORED: only shifted source line
				    numbers differ (__LINE__, assert) */
	NS_REASON_XFORM     = 5, /* the transformer entries and the variable
				    they move (types.h) */
	NS_REASON_USES_XFORM = 6, /* NS_ENTRY_REPLACE: unchanged, but refers to
				    a variable the patch transforms */
	NS_REASON_SIGNATURE = 7, /* NS_ENTRY_NEW_FUNC: the new version of a
				    local function whose signature changed,
				    beside the old one (gen/sigchange.c) */
};

/* What a relocated field of an old function referred to in the build the
 * patch was made from: checked, resolved, against the code the process
 * runs (core/verify_refs.c), so that code that differs only in a relocated
 * field (another string, another callee) is not taken for the old build's.
 * NS_REF_SYMBOL: the symbol NAME (a local of source file FILE, or a global
 * when FILE is NULL) plus ADDEND. NS_REF_STRING: a string literal, NAME
 * being its bytes up to its NUL, ADDEND (0, 1, 2 or 4) bytes after the
 * place the field designates plus 4 (an immediate after the field);
 * NS_REF_STRING_PART: the first bytes of a longer one (only these are
 * compared). */
enum ns_ref_kind {
	NS_REF_SYMBOL      = 1,
	NS_REF_STRING      = 2,
	NS_REF_STRING_PART = 3,
};
/* The longest string a reference records (longer: NS_REF_STRING_PART). */
#define NS_REF_STRING_MAX 128

struct ns_ref {
	uint32_t off;       /* of the field, from the start of the function */
	uint32_t type;      /* R_X86_64_* (ns_reloc_width() != 0) */
	uint32_t kind;      /* enum ns_ref_kind */
	int64_t  addend;
	char    *name;      /* symbol name, or the string's bytes */
	char    *file;      /* NS_REF_SYMBOL of a local: its source file */
};

/* Bytes [off, off + len) of an old function that its checksum skips: a
 * relocated field and the bytes of its instruction a linker may relax. */
struct ns_mask {
	uint32_t off;
	uint32_t len;
};

struct ns_entry {
	uint32_t kind;      /* enum ns_entry_kind */
	uint32_t reason;    /* enum ns_reason */
	char    *name;      /* symbol name in the target / new symbol name */
	char    *file;      /* source file if the symbol is local, else NULL */
	char    *object;    /* object file (relative path) it came from */
	uint32_t sym;       /* index into ns_patch.syms of the new definition;
			       0 for NS_ENTRY_IGNORED */
	uint64_t old_size;  /* NS_ENTRY_REPLACE: st_size of the old function;
			       NS_ENTRY_XFORM_DATA: of the live variable */
	uint64_t old_sum;   /* NS_ENTRY_REPLACE: ns_mask_checksum() of its
			       bytes in the old build's object */
	struct ns_mask *masks; /* NS_ENTRY_REPLACE: the ranges old_sum skips,
				  sorted, disjoint, inside old_size */
	uint32_t nmasks;
	struct ns_ref *refs;   /* NS_ENTRY_REPLACE: what the relocated fields
				  of the old code refer to, by offset */
	uint32_t nrefs;
};

/* The hooks a patch brings (include/nonstop.h: NONSTOP_PRE_APPLY ...),
 * numbered as NONSTOP_HOOK_*. */
enum ns_hook_kind {
	NS_HOOK_PRE_APPLY   = 1,
	NS_HOOK_POST_APPLY  = 2,
	NS_HOOK_PRE_REVERT  = 3,
	NS_HOOK_POST_REVERT = 4,
};
#define NS_HOOK_KINDS 4

/* "pre-apply", "post-apply", "pre-revert", "post-revert"; "?" otherwise. */
const char *ns_hook_kind_name(uint32_t kind);

/* What a hook's code may lock, as the generator finds it (gen/hook_locks.c)
 * by following every call from the hook through the new build's code down
 * to the C library: the locks a thread may hold where nonstop stops it,
 * by class. A hook runs only in a thread that holds none of the classes
 * it may take (core/borrow.h); one that may take none runs in any thread,
 * wherever it was stopped. */
enum ns_lock_class {
	NS_LOCK_MALLOC = 1u << 0,  /* malloc's arenas */
	NS_LOCK_STDIO  = 1u << 1,  /* a FILE's lock, stdio's list of them */
	NS_LOCK_LOCALE = 1u << 2,  /* gettext's and the locale's */
	NS_LOCK_OTHER  = 1u << 3,  /* the dynamic loader's, libgcc's unwinder's,
				      fork's, and any lock nonstop cannot name */
	NS_LOCK_SPIN   = 1u << 4,  /* a lock taken in place (an atomic
				      exchange: a spinlock): not in a thread
				      stopped outside a system call, which may
				      hold it */
};
/* Every class. */
#define NS_LOCKS_ALL 0x1fu
/* What is assumed of code nonstop cannot follow (a call through a pointer,
 * a function it does not know) or of a hook it knows nothing of (a patch
 * of format 3, a record of an older nonstop): every class a thread's
 * frames can show. A spinlock taken in place shows in none: assuming one
 * would keep such a hook out of every thread stopped outside a system
 * call, which nonstop did not do before it could see atomics; only an
 * atomic exchange found in the code adds it. (Best effort either way:
 * nonstop cannot see the program's own locks.) */
#define NS_LOCKS_UNKNOWN (NS_LOCKS_ALL & ~NS_LOCK_SPIN)
#define NS_LOCK_CLASSES 5

/* The name of class 1 << BIT: "malloc", "stdio", "locale", "other",
 * "spinlock" ("?" past them). */
const char *ns_lock_class_name(uint32_t bit);

/* "malloc, stdio" ...: the classes of LOCKS by name, ", "-separated, into
 * BUF ("no lock" for 0); returns BUF. */
const char *ns_locks_name(uint32_t locks, char *buf, size_t len);

struct ns_patch {
	char    *name;            /* patch name (build --name) */
	char    *binary;          /* base name of the binary built for */
	uint8_t  build_id[NS_BUILD_ID_MAX];
	uint32_t build_id_len;
	/* The build-id of the binary the patch turns the program into
	 * (`build --new-binary`); length 0 if not recorded. A later patch
	 * built against that binary applies on top of this one. */
	uint8_t  result_build_id[NS_BUILD_ID_MAX];
	uint32_t result_build_id_len;
	struct ns_section *sections;
	size_t   nsections;
	/* 1 + the index in sections of the patch's ".eh_frame" (the CFI of
	 * its code), 0 if it has none. */
	uint32_t eh_frame;
	struct ns_sym *syms;      /* index 0 is unused (ELF's null symbol) */
	size_t   nsyms;
	struct ns_entry *entries;
	size_t   nentries;
	/* Per hook kind (index kind - 1): the symbol of its function in
	 * syms (a function the patch defines, or one of the target), 0 for
	 * none. At most one hook of each kind. */
	uint32_t hooks[NS_HOOK_KINDS];
	/* Per hook kind: what its code may lock (NS_LOCK_*; NS_LOCKS_ALL if
	 * the patch does not say), and why: for each call that adds a class,
	 * the chain that leads to it, "hook -> helper -> printf (stdio,
	 * malloc, locale)", "; "-separated (NULL if none). */
	uint32_t hook_locks[NS_HOOK_KINDS];
	char    *hook_why[NS_HOOK_KINDS];
	uint64_t id;              /* checksum of the patch file (set on load) */
	struct ns_patch_seal seal; /* its digest and signer (set on load) */
};

/* Writes PATCH to PATH as an ELF relocatable followed by its seal, signed
 * with KEY unless it is NULL. The file is made as a new temporary file in
 * PATH's directory (mode 0644 minus the umask) and renamed over PATH: a
 * symlink at PATH is replaced, never followed, and on failure PATH is left
 * as it was. 0 on success; -1 with a message in ERR on failure. */
int ns_patch_write(const char *path, const struct ns_patch *patch,
		   const struct ns_sign_key *key, struct ns_err *err);

/* Reads and validates the patch file at PATH into OUT: PATH must name a
 * regular file (not a symlink, FIFO, device or directory) of at most
 * NS_PATCH_MAX_FILE bytes; then as ns_patch_load_mem(). */
int ns_patch_load(const char *path, struct ns_patch *out,
		  struct ns_err *err);

/* The bytes of the patch file at PATH, checked as ns_patch_load checks
 * the file (but not yet validated): *DATA (malloc'd) and *LEN. For a
 * command that loads the same patch many times (ns_patch_load_mem). 0, or
 * -1 with ERR. */
int ns_patch_read_file(const char *path, void **data, size_t *len,
		       struct ns_err *err);

/* Validates the LEN bytes of a patch file at DATA (NAME names it in
 * messages) into OUT: first its seal (digest, and signature if signed),
 * then every field. A damaged, truncated or hostile file gives -1 and one
 * line in ERR, never a crash. On success OUT owns its memory (DATA is not
 * kept); release it with ns_patch_free(). */
int ns_patch_load_mem(const char *name, const void *data, size_t len,
		      struct ns_patch *out, struct ns_err *err);

void ns_patch_free(struct ns_patch *patch);

/* A patch's name: what records, maps ("nonstop:NAME") and every message
 * show, and what `revert` takes. 1 to NS_PATCH_NAME_MAX bytes, none of
 * them a control character (C0 or DEL) or '/'. */
#define NS_PATCH_NAME_MAX 63
/* Whether NAME is such a name; if not, WHY says what is wrong. */
bool ns_patch_name_ok(const char *name, char *why, size_t whylen);

/* ---- checksums of old code (patch_mask.c) -------------------------------- */

/* The bytes a linker may choose for a relocation of TYPE at offset OFF of a
 * function: [OFF - *before, OFF + *width). 0, or -1 for a type nonstop does
 * not know (the caller refuses). */
int ns_mask_of_reloc(uint32_t type, unsigned *before, unsigned *width);

/* A growable list of masks for one function of SIZE bytes. */
struct ns_mask_list {
	struct ns_mask *v;
	uint32_t n, cap;
	uint64_t size;
};

/* Adds the range [off - before, off + width) of a relocation, clipped to the
 * function. -1 on out of memory. */
int ns_mask_add(struct ns_mask_list *l, int64_t off, unsigned before,
		unsigned width);
/* Sorts and merges overlapping or adjacent ranges (after the last add). */
void ns_mask_finish(struct ns_mask_list *l);

/* Zeroes the N ranges of MASKS in CODE (SIZE bytes) and returns
 * ns_checksum() of the result: with no masks, the checksum of the bytes
 * themselves (what format 1 patches store). Ranges past SIZE are clipped. */
uint64_t ns_mask_checksum(uint8_t *code, uint64_t size,
			  const struct ns_mask *masks, uint32_t n);

#endif
