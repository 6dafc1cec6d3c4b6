/* xform.h — state transformers at apply and revert (NONSTOP_TRANSFORM,
 * include/nonstop.h). A patch that transforms a variable brings a new one
 * and carries every function that uses it (the generator sees to that,
 * src/gen/xform.c); apply fills it from the live one by calling the
 * patch's fn(old, new) inside the target, during the stop-the-world pause
 * right before the switch; revert puts the state back with unfn(new, old)
 * during its own pause, and is refused if the patch has no untransformer.
 * The record keeps the table (registry.h: struct ns_rec_xform), so that
 * revert needs only the process. */
#ifndef NONSTOP_XFORM_H
#define NONSTOP_XFORM_H
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

#include "link/link.h"
#include "link/target.h"
#include "patch/patch.h"
#include "proc/remote.h"
#include "proc/tracee.h"
#include "registry/registry.h"

/* The number of variables patch P transforms, and the bytes of their
 * table (which apply lays out after the record). */
uint32_t ns_xform_count(const struct ns_patch *p);
size_t   ns_xform_table_size(const struct ns_patch *p);

/* After relocation: the table of P's transformers, written at image
 * offset TABLE_OFF (REC gets its address and count). The live variables
 * are looked up in module M (locals by file) and must have the size the
 * patch was built for. 0, or -1 with ERR. */
int ns_xform_place(const struct ns_patch *p, struct ns_module *m,
		   struct ns_image *img, size_t table_off, struct ns_rec *rec,
		   struct ns_err *err);

/* Refuses (-1, ERR) a patch P that refers to (or transforms again) a
 * variable an applied patch of REG transformed: the live state is in that
 * patch's memory, which the program's symbol does not name. IMG holds the
 * addresses P's symbols resolved to. */
int ns_xform_check_stack(const struct ns_patch *p, const struct ns_image *img,
			 const struct ns_registry *reg, int mem_fd,
			 struct ns_err *err);

/* --replace takes out no patch that transformed data (its variables
 * would be dropped): -1 with ERR if one of REG did. */
int ns_xform_check_replace(const struct ns_registry *reg, struct ns_err *err);

/* Reads the table of the record REC from the target: *OUT (malloc'd,
 * REC->nxforms entries, each checked: registry/rec_check.h), or -1 with
 * ERR (also when an entry is out of range: the record is damaged). REC
 * is one the registry read (where the table is was checked with it). */
int ns_xform_read(int mem_fd, const struct ns_rec *rec, struct ns_rec_xform **out,
		  struct ns_err *err);

/* Every thread of TR stopped, the safety check passed: runs the
 * transformers of the record at BASE (REC, its table X of N) in a stopped
 * thread borrowed with gadgets G, each as fn(old, new), or with REVERSE
 * the untransformers as unfn(new, old), last first. The thread is left
 * stopped as it was. 0, or -1 with tr->err; *LET_GO set if a call did not
 * return in time and its thread was released to finish it (the patch's
 * memory must then stay). */
int ns_xform_run(struct ns_tracee *tr, const struct ns_gadgets *g, uint64_t base,
		 const struct ns_rec *rec, const struct ns_rec_xform *x, uint32_t n,
		 int reverse, double timeout, int *let_go);

/* Before the patch mapping at BASE is released: -1 with tr->err if a
 * transformer nonstop called in it may still be running (a nonstop died
 * during the call, or let it go), or if its record is damaged (then
 * nothing tells); 0 otherwise (also when no record is there). */
int ns_xform_release_check(struct ns_tracee *tr, uint64_t base);
#endif
