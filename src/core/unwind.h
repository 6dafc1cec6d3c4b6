/* unwind.h — what unwinders need to know about a patch's code, written
 * into its record: where its CFI (.eh_frame) is, and the name and place of
 * every function it brings. nonstop's safety check reads it back
 * (transition/safety.c) to unwind through frames of new code. */
#ifndef NONSTOP_UNWIND_H
#define NONSTOP_UNWIND_H
#include <stdint.h>

#include "link/link.h"
#include "patch/patch.h"
#include "registry/registry.h"

/* How many functions the record of patch P lists (its syms table). */
uint32_t ns_unwind_nsyms(const struct ns_patch *p);

/* After relocation: REC's CFI fields (eh_frame, the room for registering
 * it), the remote-call stub copied into IMG's code when the patch makes
 * calls into the target (ns_link_needs_call: CFI, hooks or state
 * transformers), and its table of REC->nsyms functions (allocated after
 * funcs[]). */
void ns_unwind_record(struct ns_rec *rec, const struct ns_patch *p,
		      struct ns_image *img);
#endif
