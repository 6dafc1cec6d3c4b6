/* lineshift.h — line-number neutrality of the binary diff (docs/building.md,
 * "Line numbers"). A function whose only differences between the two builds are
 * 4-byte little-endian constants encoding a source line that moved (assert's
 * line argument, a logging macro's __LINE__) is unchanged.
 *
 * The rule (see gen_compare_func_lines()): with DWARF of both objects,
 * the function's declaration line in old and new gives shift = new - old,
 * and the line table gives the old function's line range [lo, hi]. Every
 * differing byte run of the function's section (and of the .cold pieces and
 * compiler-generated read-only data it references directly) must lie in a
 * 4-byte field, same offset on both sides, whose old value L is in [lo, hi]
 * and whose new value is L + shift (shift != 0). The new side's fields are
 * then put back to their old values and the ordinary comparison (bytes with
 * relocated fields zeroed, relocation identities) must find no difference. */
#ifndef NONSTOP_GEN_LINESHIFT_H
#define NONSTOP_GEN_LINESHIFT_H

#include <stdint.h>

#include "gen/gen.h"

struct dwobj;

/* Where the function at .symtab index SYM (named NAME) of the object whose
 * DWARF is D (dwobj_open(); NULL if it has none) was written: its
 * declaration line and the smallest and largest line of its code in the
 * line table (declaration file only). 0, or -1 if unknown (the rule then
 * never applies: a function that differs stays changed). */
int lineinfo_func(struct dwobj *d, size_t sym, const char *name,
		  uint32_t *decl, uint32_t *lo, uint32_t *hi);

/* The line rule for one function. */
struct gen_lines {
	int64_t  shift;   /* new decl line - old decl line; never 0 */
	uint32_t lo, hi;  /* old line range of the function */
};

/* Like gen_compare_func(), after neutralising the line fields described by
 * LR (compare.c). GEN_SAME only if every byte difference is such a field and
 * nothing else differs; *NFIELDS gets the number of fields neutralised. */
enum gen_diff gen_compare_func_lines(const struct gobj *old, size_t osec,
				     const struct gobj *new, size_t nsec,
				     const struct gen_lines *lr, unsigned *nfields,
				     char *why, size_t whylen);

#endif
