/* link.h — turning a loaded patch into bytes for one address in one process:
 * layout, symbol resolution against the target, relocation. */
#ifndef NONSTOP_LINK_H
#define NONSTOP_LINK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

#include "link/target.h"
#include "patch/patch.h"

/* The patch as it will sit in the target: one mapping of SIZE bytes at BASE,
 * made of page-aligned segments:
 *   [0, hdr)           the registry record (read-only)
 *   [text_off, +text)  code, far-call stubs, commit gate  r-x
 *   [ro_off, +ro)      read-only data, then GOT slots     r--
 *   [rw_off, +rw)      writable data and bss, journal     rw-
 * (the commit gate and its journal: transition/gate.h). The patch's
 * .eh_frame, if it has one, is read-only data like any other; with it, or
 * with hooks or state transformers, the layout also leaves room for calls
 * into the target: a remote-call stub in the code, the stub's slot and
 * libgcc's struct object (for registering the CFI with the target's
 * unwinder, core/frames.c) in the writable data. A patch with hooks gets,
 * in its writable data, a call slot per hook kind and the buffer the
 * linker provides for symbol nonstop_hook_msg (core/hooks.c). */
struct ns_image {
	uint64_t base;
	size_t   size;
	uint8_t *buf;
	size_t   hdr;
	size_t   text_off, text, ro_off, ro, rw_off, rw;
	uint64_t *sec_off;      /* per patch section: offset in the image */
	uint64_t *sym_addr;     /* per patch symbol: its address */
	uint32_t *stub;         /* per symbol: far-call stub slot or ~0 */
	uint32_t *got;          /* per symbol: GOT slot or ~0 */
	size_t   stubs_off, got_off;
	size_t   gate_off, journal_off; /* GATE and JOURNAL bytes of layout */
	/* When ns_link_needs_calls(): NS_LINK_CALL_STUB bytes of code;
	 * with CFI or transformers, NS_LINK_FRAMES_DATA of writable data
	 * (libgcc's struct object, the call slot); 0 otherwise. */
	size_t   call_off, frames_off;
	/* Shadow variables (link/shadow_root.h): the process's table root,
	 * which every reference to nonstop__shadow_root binds to. Set by the
	 * caller between layout and resolution if the patch needs it. */
	uint64_t shadow_root;
	/* With hooks (or a reference to nonstop_hook_msg): NS_LINK_HOOKS_DATA
	 * bytes of writable data; 0 without. */
	size_t   hooks_off;
};

#define NS_LINK_CALL_STUB   64
#define NS_LINK_FRAMES_DATA 256
/* Of the frames data: libgcc's struct object first (48 bytes in GCC 12,
 * room for growth), then the remote-call slot. */
#define NS_LINK_FRAMES_OBJECT 128

/* ---- hooks: the remote-call stub and the hooks data ---------------------- */
/* The hooks data: a 16-byte call slot per hook kind (proc/call.h), then the
 * buffer patch code knows as nonstop_hook_msg (include/nonstop.h). */
#define NS_LINK_HOOK_SLOTS  64
#define NS_LINK_HOOK_MSG    256
#define NS_LINK_HOOKS_DATA  (NS_LINK_HOOK_SLOTS + NS_LINK_HOOK_MSG)
#define NS_LINK_HOOK_MSG_SYMBOL "nonstop_hook_msg"

/* Whether the patch needs the remote-call stub (proc/call.h): it has CFI
 * to register with the target's unwinder, hooks or state transformers to
 * run. */
bool ns_link_needs_calls(const struct ns_patch *p);
/* ---- end of hooks -------------------------------------------------------- */

/* Lays the patch out behind a record area of HDR bytes, with room for
 * GATE bytes of code and JOURNAL bytes of writable data. */
int ns_link_layout(const struct ns_patch *p, size_t hdr, size_t gate,
		   size_t journal, struct ns_image *img, struct ns_err *err);

/* Resolves every symbol the patch takes from the target, in module M first
 * (locals by source file), then through M's imports; the shadow-variable
 * root to img->shadow_root. */
int ns_link_resolve(const struct ns_patch *p, struct ns_target *t,
		    struct ns_module *m, int mem_fd, struct ns_image *img,
		    struct ns_err *err);

/* Places the image at BASE and applies every relocation. Fails, naming the
 * symbol, if a reference cannot reach its target. */
int ns_link_relocate(const struct ns_patch *p, struct ns_image *img,
		     uint64_t base, struct ns_err *err);

/* Address of symbol SYM of the patch (after relocation). */
uint64_t ns_link_sym_addr(const struct ns_image *img, uint32_t sym);

void ns_image_free(struct ns_image *img);
#endif
