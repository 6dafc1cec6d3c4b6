/* recheck.h — a record read again after nonstop let go of the process.
 *
 * A stop-the-world switch detaches from every thread; what follows it (the
 * release of a reverted or replaced patch's memory, a post-apply hook)
 * attaches again. In between the process ran, and it can write its own
 * memory: before acting on a record again, nonstop reads it again and
 * requires that it is still the one it read before — the same mapping,
 * size, sequence number, patch and name — in the state the switch left it
 * in. (No other nonstop can have changed it: core/lock.h.) */
#ifndef NONSTOP_CORE_RECHECK_H
#define NONSTOP_CORE_RECHECK_H
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

#include "registry/registry.h"

/* 0 if the record at WAS->base is still WAS, in STATE; else -1 with ERR
 * ("the record of patch 'x' in process N changed while nonstop let go of
 * it (...)"). PID is for the message. */
int ns_rec_recheck(int mem_fd, int pid, const struct ns_rec *was,
		   uint32_t state, struct ns_err *err);
#endif
