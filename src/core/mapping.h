/* mapping.h — the target-side mapping that holds a patch. */
#ifndef NONSTOP_MAPPING_H
#define NONSTOP_MAPPING_H
#include <stdbool.h>
#include <stdint.h>
#include "util/err.h"

#include "link/link.h"
#include "proc/remote.h"
#include "proc/tracee.h"
#include "registry/registry.h"

/* Adds to L the system calls a patch's mapping needs in its life: made,
 * filled, protected, and unmapped at its revert. All six argument
 * registers are set (addresses and descriptors not known yet). */
void ns_mapping_syscalls(struct ns_sc_list *l);

/* Maps IMG at img->base in the target as memfd "nonstop:NAME", writes its
 * bytes and sets each segment's protection. Borrows one thread for the
 * system calls; *STOP_NS gets how long it was stopped, *TID which thread it
 * was. 0, or -1 with tr->err (nothing is left mapped). */
int ns_mapping_create(struct ns_tracee *tr, const struct ns_image *img,
		      const char *name, uint64_t *stop_ns, pid_t *tid);

/* With the thread RS borrowed: maps a new memfd "nonstop:NAME" of SIZE
 * bytes with protection PROT, privately, at ADDR (never over another
 * mapping), or where the kernel chooses if ADDR is 0; *GOT gets the
 * address. The memfd is closed again (the mapping keeps it). 0, or -1 with
 * tr->err (nothing mapped; if nonstop dies, a descriptor may be left, which
 * ns_mapping_sweep closes). */
int ns_mapping_memfd(struct ns_remote *rs, const char *name, uint64_t addr,
		     uint64_t size, int prot, uint64_t *got);

/* Unmaps [BASE, BASE+SIZE) in the target, with gadgets G (NULL: find
 * them). With KEEP_STOPPED the borrowed
 * thread stays stopped (the caller holds every thread stopped). First, if
 * the record at BASE says a state transformer called in it may still be
 * running (core/xform.h), nothing is unmapped (-1); if the patch has
 * hooks, runs its post-revert hook if it is due and has not run
 * (core/hooks.h); then, if the record says the patch's frames are (or may
 * be) registered with libgcc, deregisters them (core/frames.h); if either
 * fails (or a hook is still running), nothing is unmapped (-1). */
int ns_mapping_remove(struct ns_tracee *tr, uint64_t base, uint64_t size,
		      const struct ns_gadgets *g, bool keep_stopped);
/* Removes the mappings a nonstop that died left behind, and drops their
 * records from REG: LOADED (code placed, never switched to: it died before
 * its switch, or the commit gate undid the switch) and REVERTING (switched
 * back, not yet unmapped), mappings it created but never filled, and
 * descriptors of its memfds it did not get to close. No
 * thread can be in either's code: a LOADED
 * patch was never entered, a REVERTING one was left only when no thread
 * was in it. While we hold the process no other nonstop can be working on
 * it. 0, or -1 with tr->err (those not removed stay in REG). */
int ns_mapping_sweep(struct ns_tracee *tr, struct ns_registry *reg);
#endif
