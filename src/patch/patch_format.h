/* patch_format.h — the on-disk layout of a patch file: its ELF sections
 * and the ".nonstop.meta" section (the seal that ends the file is
 * patch_seal.c's). Owned by patch_write.c (producer) and patch_read.c
 * (validating consumer); nothing else should depend on these structs.
 *
 * The ELF side of a patch file (written by patch_write.c):
 *   index 0                 null section
 *   1 .. nsections          one section per ns_patch.sections[i] (ELF index
 *                           i + 1), same name/type/flags/align
 *   then                    ".rela<name>" for each section with relocations
 *                           (sh_info = target, sh_link = .symtab)
 *   then                    .symtab, .strtab, .nonstop.meta, .shstrtab
 *
 * ELF requires local symbols before globals, so .symtab is not in ns_patch
 * order; meta sym record i gives the .symtab index of ns_patch.syms[i], and
 * relocations on disk use .symtab indices. The reader maps them back, so
 * ns_reloc.sym and ns_entry.sym round-trip exactly.
 *
 * Meta section layout (all fields little-endian, x86-64 only):
 *   struct ns_meta_header
 *   struct ns_meta_entry  [nentries]   at entries_off
 *   struct ns_meta_sym    [nsyms]      at syms_off (record 0 = null symbol)
 *   struct ns_meta_mask   [nmasks]     at masks_off: the masks of entry i
 *                         are records mask_first .. mask_first+mask_count-1,
 *                         entries in order, each its own contiguous run
 *   struct ns_meta_hook   [nhooks]     at hooks_off (version 3: 8-byte
 *                         records, their first two fields; version 4)
 *   struct ns_meta_ref    [nrefs]      at refs_off (version 5)
 *   string area           strings_size bytes at strings_off; every string
 *                         field is an offset into it of a NUL-terminated
 *                         string, or NS_META_NOSTR for "none" (NULL).
 *
 * The seal. A patch file is the ELF object above (the "body") followed by
 * one fixed-size seal (NS_SEAL_SIZE bytes) at the very end of the file;
 * readelf ignores it. Its layout is patch_seal.c's, the one file that
 * writes and checks it; the reader checks it FIRST, before libelf sees a
 * byte of the body.
 *
 * Versions. 2 (written) added, at the end of the header, the result build-id
 * and the mask table, and at the end of each entry its run of masks. 1 (still
 * read) is the same layout without them: a 120-byte header, 40-byte entries,
 * no result build-id, no masks (its checksums cover every byte, which is
 * what a checksum with no mask is). 3 (written only for a patch with
 * hooks, so that a nonstop that cannot run hooks refuses the patch
 * instead of applying it without them) is version 2 with, at the end of
 * the header, the hook table. 4 (written for a patch with hooks) is 3 with
 * what each hook may lock: the hook records grow by two fields (a nonstop
 * of version 3 refuses it rather than run a hook it knows less of; this
 * one reads 3 as "may take any lock"). 5 (written for a patch whose
 * replaced functions have relocated fields, that is nearly every patch) is
 * 4 with, at the end of the header, the table of what those fields refer
 * to; its hook table may be empty (a nonstop of version 4 refuses such a
 * patch rather than check the old code less than it asks).
 */
#ifndef NONSTOP_PATCH_FORMAT_H
#define NONSTOP_PATCH_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "patch/patch.h"

#define NS_META_SECTION ".nonstop.meta"
#define NS_META_MAGIC   "NSPATCH" /* 8 bytes with its NUL */
#define NS_META_NOSTR   UINT32_MAX

struct ns_meta_header {
	char     magic[8];      /* NS_META_MAGIC */
	uint32_t version;       /* NS_PATCH_FORMAT_VERSION */
	uint32_t header_size;   /* sizeof(struct ns_meta_header) */
	uint32_t name;          /* string: patch name */
	uint32_t binary;        /* string: base name of the target binary */
	uint32_t build_id_len;  /* <= NS_BUILD_ID_MAX */
	uint32_t nsections;     /* ELF sections 1..nsections are patch sections */
	uint32_t nentries;
	uint32_t nsyms;         /* including the null symbol (record 0) */
	uint32_t entries_off;   /* byte offsets inside the meta section */
	uint32_t syms_off;
	uint32_t strings_off;
	uint32_t strings_size;
	uint8_t  build_id[NS_BUILD_ID_MAX];
	/* version 2 */
	uint32_t result_build_id_len;  /* 0 (none) .. NS_BUILD_ID_MAX */
	uint32_t nmasks;
	uint32_t masks_off;
	uint32_t pad;                  /* 0 */
	uint8_t  result_build_id[NS_BUILD_ID_MAX]; /* zero past its length */
	/* version 3 */
	uint32_t nhooks;               /* 1 .. NS_HOOK_KINDS (5: 0 ..) */
	uint32_t hooks_off;
	/* version 5 */
	uint32_t nrefs;
	uint32_t refs_off;
};

/* What a relocated field of a replaced function's old code refers to
 * (struct ns_ref): records of one entry together, entries in order, fields
 * in increasing offset within an entry. */
struct ns_meta_ref {
	uint32_t entry;         /* index of an NS_ENTRY_REPLACE entry */
	uint32_t off;           /* field offset; the field inside old_size */
	uint32_t type;          /* R_X86_64_* with ns_reloc_width() != 0 */
	uint32_t kind;          /* enum ns_ref_kind */
	int64_t  addend;
	uint32_t name;          /* string: symbol name, or the string's bytes */
	uint32_t file;          /* string or NS_META_NOSTR */
};

/* A hook: its kind (enum ns_hook_kind, each at most once) and the
 * ns_patch.syms index of its function (a function the patch defines in
 * executable code, or a function of the target); from version 4, what it
 * may lock (enum ns_lock_class bits, at most NS_LOCKS_ALL) and why (a
 * string, or NS_META_NOSTR when it takes none). */
struct ns_meta_hook {
	uint32_t kind;
	uint32_t sym;
	/* version 4 */
	uint32_t locks;
	uint32_t why;
};
#define NS_META_HOOK_V3_SIZE 8

struct ns_meta_entry {
	uint32_t kind;          /* enum ns_entry_kind */
	uint32_t reason;        /* enum ns_reason */
	uint32_t name;          /* string */
	uint32_t file;          /* string or NS_META_NOSTR */
	uint32_t object;        /* string or NS_META_NOSTR */
	uint32_t sym;           /* ns_patch.syms index (not a .symtab index) */
	uint64_t old_size;
	uint64_t old_sum;
	/* version 2 */
	uint32_t mask_first;    /* index into the mask table */
	uint32_t mask_count;    /* 0 unless kind is NS_ENTRY_REPLACE */
};

struct ns_meta_mask {
	uint32_t off;           /* from the start of the old function */
	uint32_t len;           /* > 0; sorted, disjoint, inside old_size */
};

struct ns_meta_sym {
	uint32_t elf_index;     /* .symtab index of this symbol */
	uint32_t kind;          /* enum ns_sym_kind; 0 for record 0 */
	uint32_t file;          /* string or NS_META_NOSTR (NS_SYM_TARGET locals) */
	uint8_t  type;          /* STT_* as in ns_sym (ELF may say otherwise) */
	uint8_t  bind;          /* STB_* as in ns_sym: NS_SYM_TARGET symbols
				   are STB_GLOBAL/SHN_UNDEF in .symtab */
	uint8_t  pad[2];
};

/* Sizes of the records of format version 1: prefixes of version 2's; and
 * of version 2's header, the prefix of version 3's. */
#define NS_META_HEADER_V1_SIZE 120
#define NS_META_ENTRY_V1_SIZE  40
#define NS_META_HEADER_V2_SIZE 200

_Static_assert(offsetof(struct ns_meta_header, result_build_id_len) ==
	       NS_META_HEADER_V1_SIZE, "meta header v1 prefix");
_Static_assert(offsetof(struct ns_meta_entry, mask_first) ==
	       NS_META_ENTRY_V1_SIZE, "meta entry v1 prefix");
_Static_assert(offsetof(struct ns_meta_header, nhooks) ==
	       NS_META_HEADER_V2_SIZE, "meta header v2 prefix");
#define NS_META_HEADER_V4_SIZE 208
_Static_assert(offsetof(struct ns_meta_header, nrefs) == NS_META_HEADER_V4_SIZE,
	       "meta header v4 prefix");
_Static_assert(sizeof(struct ns_meta_header) == 216, "meta header layout");
_Static_assert(sizeof(struct ns_meta_ref) == 32, "meta ref layout");
_Static_assert(sizeof(struct ns_meta_hook) == 16, "meta hook layout");
_Static_assert(offsetof(struct ns_meta_hook, locks) == NS_META_HOOK_V3_SIZE,
	       "meta hook v3 prefix");
_Static_assert(sizeof(struct ns_meta_entry) == 48, "meta entry layout");
_Static_assert(sizeof(struct ns_meta_sym) == 16, "meta sym layout");
_Static_assert(sizeof(struct ns_meta_mask) == 8, "meta mask layout");

/* Byte width of the field a supported relocation type patches; 0 if the type
 * is not one nonstop supports. Shared by writer, reader and generator. */
static inline unsigned ns_reloc_width(uint32_t type)
{
	switch (type) {
	case 1:  /* R_X86_64_64 */
	case 24: /* R_X86_64_PC64 */
		return 8;
	case 2:  /* R_X86_64_PC32 */
	case 4:  /* R_X86_64_PLT32 */
	case 9:  /* R_X86_64_GOTPCREL */
	case 10: /* R_X86_64_32 */
	case 11: /* R_X86_64_32S */
	case 41: /* R_X86_64_GOTPCRELX */
	case 42: /* R_X86_64_REX_GOTPCRELX */
	case 22: /* R_X86_64_GOTTPOFF: initial-exec TLS */
	case 23: /* R_X86_64_TPOFF32: local-exec TLS */
		return 4;
	default:
		return 0;
	}
}

/* True for the PC-relative types, whose addend includes the -4 (or -N) bias
 * from the field to the end of the instruction. */
static inline int ns_reloc_is_pcrel(uint32_t type)
{
	return type == 2 || type == 4 || type == 9 || type == 24 ||
	       type == 41 || type == 42 || type == 22;
}

#endif
