/* patch_write.h — the two halves of the patch writer: patch_write.c (the
 * ELF object, the seal, the file put in place) and patch_write_meta.c (the
 * ".nonstop.meta" section). Private to those two files. */
#ifndef NONSTOP_PATCH_WRITE_H
#define NONSTOP_PATCH_WRITE_H
#include "util/err.h"

#include <stdint.h>

#include "patch/patch.h"
#include "util/strbuf.h"

/* Appends S with its NUL to the string table B: its offset, or -1 (out of
 * memory, or the table would not fit the 32-bit offsets ELF and the meta
 * format use). */
int64_t wr_str(struct strbuf *b, const char *s);

/* Builds the .nonstop.meta section of P into META (empty on entry):
 * SYM_ELF[i] is the .symtab index of P->syms[i]. 0, or -1 with a message
 * in ERR. */
int wr_meta(const struct ns_patch *p, const uint32_t *sym_elf, struct strbuf *meta,
	    struct ns_err *err);

#endif
