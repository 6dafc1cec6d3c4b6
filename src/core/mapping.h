/* mapping.h — the target-side mapping that holds a patch. */
#ifndef NONSTOP_MAPPING_H
#define NONSTOP_MAPPING_H
#include <stdbool.h>
#include <stdint.h>

#include "link/link.h"
#include "proc/tracee.h"

/* Maps IMG at img->base in the target as memfd "nonstop:NAME", writes its
 * bytes and sets each segment's protection. Borrows one thread for the
 * system calls; *STOP_NS gets how long it was stopped. 0, or -1 with ERR
 * (nothing is left mapped). */
int ns_mapping_create(struct ns_tracee *tr, const struct ns_image *img,
		      const char *name, uint64_t *stop_ns,
		      char *err, size_t errlen);

/* Unmaps [BASE, BASE+SIZE) in the target. With KEEP_STOPPED the borrowed
 * thread stays stopped (the caller holds every thread stopped). */
int ns_mapping_remove(struct ns_tracee *tr, uint64_t base, uint64_t size,
		      uint64_t gadget, bool keep_stopped,
		      char *err, size_t errlen);
#endif
