/* patch_read.h — the state of one load of a patch file, shared by the two
 * halves of the reader: patch_read.c (the file, its seal and its ELF
 * sections, symbols and relocations) and patch_read_meta.c (the records of
 * the ".nonstop.meta" section). Private to those two files. */
#ifndef NONSTOP_PATCH_READ_H
#define NONSTOP_PATCH_READ_H
#include "util/err.h"

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

#include "patch/patch.h"
#include "patch/patch_format.h"

struct reader {
	const char *path;
	uint8_t    *buf;        /* the whole file */
	size_t      size;
	Elf        *elf;
	size_t      shnum;
	size_t      symtab;     /* .symtab section index */
	Elf_Data   *symdata;
	size_t      nelfsyms;
	uint32_t   *elf_to_ns;  /* .symtab index -> ns sym index (0 = none) */
	const uint8_t *meta;    /* .nonstop.meta bytes */
	size_t      metasize;
	struct ns_meta_header h;  /* version 1: zero past its 120 bytes */
	size_t      entry_size;   /* of an ns_meta_entry in this version */
	size_t      hook_size;    /* of an ns_meta_hook in this version */
	struct ns_err       *err;
};

/* Puts "patch file PATH: " and the message into r->err; returns -1. */
int rd_err(struct reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- the meta section (patch_read_meta.c) ------------------------------- */

/* A string field of the meta section: NULL for NS_META_NOSTR (if OPTIONAL),
 * else an offset inside the string area of a NUL-terminated string, copied
 * into *OUT. WHAT names the field in a refusal. */
int rd_meta_string(struct reader *r, uint32_t off, int optional,
		   const char *what, char **out);
/* Reads and checks the header (r->meta, r->metasize) into r->h and
 * r->entry_size: a version this nonstop reads, every table inside the
 * section. */
int rd_meta_header(struct reader *r);
/* The entries with their masks; runs after the symbols are loaded. */
int rd_meta_entries(struct reader *r, struct ns_patch *p);
/* The hook table (version 3); runs after the sections and symbols. */
int rd_meta_hooks(struct reader *r, struct ns_patch *p);

#endif
