/* verify_refs.h — the relocated fields of the code a process runs for a
 * replaced function, checked against what they referred to in the build the
 * patch was made from (verify_refs.c). */
#ifndef NONSTOP_CORE_VERIFY_REFS_H
#define NONSTOP_CORE_VERIFY_REFS_H
#include <stdint.h>
#include "util/err.h"

#include "link/target.h"
#include "patch/patch.h"
#include "registry/registry.h"

/* CODE: E->old_size bytes the process runs for E's function, at ADDR (in
 * module MOD of T, or in the mapping of an earlier patch of REG). 0 if every reference
 * of E resolves to what it named in the build, or cannot be decided; -1
 * with one line in ERR ("function F<WHERE> differs ...: at +OFF it refers
 * to ..., the build ... to ...") naming the first that does not. */
int ns_verify_refs(const struct ns_entry *e, const uint8_t *code, uint64_t addr,
		   struct ns_target *t, struct ns_module *mod,
		   const struct ns_registry *reg, int mem_fd, const char *where,
		   struct ns_err *err);

#endif
