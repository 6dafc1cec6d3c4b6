/* frames.h — the patch's CFI registered with the target's own unwinder
 * (libgcc's), so that the program's backtrace() — and C++ exceptions,
 * pthread_cancel — walk through frames of new code. */
#ifndef NONSTOP_FRAMES_H
#define NONSTOP_FRAMES_H
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

#include "link/target.h"
#include "proc/tracee.h"
#include "registry/registry.h"
#include "transition/safety.h"

/* Registers the frames of the patch whose record is REC (its mapping just
 * filled, nothing switched yet) with libgcc in the target: a borrowed
 * thread calls __register_frame_info(eh_frame, object). When the target
 * has no libgcc unwinder, or no thread can make the call safely within
 * TIMEOUT seconds, nothing is registered. SAFETY (ns_safety_new of TR,
 * or NULL: made here) unwinds the threads to choose one. NOTE says what was done or why
 * not (apply -v). 0, or -1 with tr->err (the record then says whether the
 * frames may be registered: ns_frames_release resolves it). */
int ns_frames_register(struct ns_tracee *tr, struct ns_target *t,
		       struct ns_safety *safety, const struct ns_rec *rec,
		       double timeout, char *note, size_t notelen);

/* Before the patch mapping at BASE is released: deregisters its frames
 * (__deregister_frame_info) if its record says they are, or may be,
 * registered — also after a nonstop died at any point of a registration
 * or a deregistration. 0 when libgcc no longer knows them, -1 with tr->err
 * when it might (the memory must stay). */
int ns_frames_release(struct ns_tracee *tr, uint64_t base);
#endif
