/* patch_elf.h — an applied patch's code described as an ELF file, so that
 * libdwfl can unwind through its frames and name its functions. */
#ifndef NONSTOP_PATCH_ELF_H
#define NONSTOP_PATCH_ELF_H
#include <stddef.h>
#include "util/err.h"

#include "registry/registry.h"

/* Writes an ELF file (ET_DYN, load bias 0 at the record's mapping) with
 * the patch's .eh_frame, read from the target through MEM_FD, and a
 * symbol table of its functions, into a memfd of nonstop's own. Returns
 * the descriptor (the caller owns it), or -1 with ERR: the patch has no
 * CFI, or it could not be read or written. */
int ns_patch_elf(int mem_fd, const struct ns_rec *rec, struct ns_err *err);
#endif
