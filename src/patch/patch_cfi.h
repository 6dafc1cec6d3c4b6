/* patch_cfi.h — the call-frame information (.eh_frame) a patch carries for
 * its code: what may be carried, and its validation on load (patch_cfi.c). */
#ifndef NONSTOP_PATCH_CFI_H
#define NONSTOP_PATCH_CFI_H
#include <elfutils/libdw.h>
#include <stddef.h>

#include "patch/patch.h"

#define NS_CFI_SECTION ".eh_frame"

/* The ELF identification bytes dwarf_next_cfi() needs (ELF64, LSB). */
const unsigned char *ns_cfi_ident(void);

/* Whether a patch may carry FDEs that use CIE: augmentation "zR" or "zRS",
 * FDE addresses pc-relative signed 32-bit. */
int ns_cfi_cie_supported(const Dwarf_CIE *cie);

/* Validates section S of patch P as the patch's .eh_frame: a read-only
 * loadable section of CIEs and FDEs (walked with dwarf_next_cfi), each CIE
 * supported and unrelocated, each FDE pointing back to an earlier CIE and
 * relocated exactly once, at its initial location, by a PC32 against the
 * patch's own code with its whole range inside that code; a zero
 * terminator last. 0, or -1 with WHY. */
int ns_cfi_check(const struct ns_patch *p, const struct ns_section *s,
		 char *why, size_t whylen);
#endif
