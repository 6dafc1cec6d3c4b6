/* verify.h — before a patch writes anything to a process: which module it
 * is for, and whether every function it replaces is, right now, the code
 * the patch was built against (verify.c). */
#ifndef NONSTOP_CORE_VERIFY_H
#define NONSTOP_CORE_VERIFY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "util/err.h"

#include "link/target.h"
#include "patch/patch.h"
#include "registry/registry.h"

/* The module of T that patch P applies to: the one whose topmost applied
 * patch produced P's build-id (P was built on top of it), else the one
 * whose own build-id it is. NULL with one line in ERR naming the version
 * the process runs and the one P needs. Reads nothing from the process. */
struct ns_module *ns_verify_module(const struct ns_patch *p, struct ns_target *t,
				   const struct ns_registry *reg, pid_t pid,
				   struct ns_err *err);

/* For a cumulative patch (apply --replace): the module whose own build-id
 * is P's, whatever is applied to it. NULL with one line in ERR naming both
 * build-ids. */
struct ns_module *ns_verify_module_original(const struct ns_patch *p,
					    struct ns_target *t,
					    const struct ns_registry *reg,
					    pid_t pid, struct ns_err *err);

/* Checks every function P replaces in MOD (a module of T) against the code
 * the process runs for it now (an earlier patch's, if one redirects it),
 * read through MEM_FD: its size, its checksum with P's masks, and what its
 * relocated fields refer to (verify_refs.h).
 * Fills REC->funcs[] (one per replaced function, in entry order) with the
 * entry address and size, the bytes reverting P will put back, and the
 * name. With ORIGINAL (a patch replacing every earlier one), the code is
 * the module's original code whatever is applied, and the bytes saved are
 * the original entry. 0, or -1 with one line in ERR. Writes nothing to the
 * process. */
int ns_verify_patch(const struct ns_patch *p, struct ns_target *t,
		    struct ns_module *mod, const struct ns_registry *reg,
		    bool original, int mem_fd, pid_t pid, struct ns_rec *rec,
		    struct ns_err *err);

/* Whether record R patches module M (see verify.c). */
bool ns_verify_rec_in_module(const struct ns_rec *r, const struct ns_module *m);

/* The bytes the function at ADDR had before any patch: BUF, SIZE bytes
 * read at ADDR, with the entry jump of every record of REG that redirects
 * it replaced by what that record saved; the oldest record's are left. */
void ns_verify_unpatched(const struct ns_registry *reg, uint64_t addr,
			 uint8_t *buf, uint64_t size);
#endif
