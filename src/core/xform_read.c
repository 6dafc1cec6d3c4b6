/* xform_read.c — reading a patch's table of state transformers back from
 * the target (xform.h: ns_xform_read), each entry checked
 * (registry/rec_check.h) before revert calls anything it names. Apart
 * from xform.c, which runs them, so that it links without that machinery
 * (fuzz/target_read_fuzz.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xform.h"
#include "proc/mem.h"
#include "registry/rec_check.h"

int ns_xform_read(int mem_fd, const struct ns_rec *rec, struct ns_rec_xform **out,
		  struct ns_err *err)
{
	size_t len = (size_t)rec->nxforms * sizeof(**out);
	char why[160];

	*out = NULL;
	if (!rec->nxforms)
		return 0;
	/* Where the table is, and how long, was checked with the record. */
	*out = malloc(len);
	if (!*out) {
		ns_err_set(err, "out of memory");
		return -1;
	}
	if (ns_mem_read(mem_fd, rec->xforms, *out, len) < 0) {
		ns_err_set(err, "cannot read the transformers of patch '%s': %s",
			 rec->name, strerror(errno));
		goto fail;
	}
	if (ns_rec_check_xforms(rec, *out, rec->nxforms, why, sizeof(why)) < 0) {
		ns_err_set(err, "patch '%s': its record is damaged (%s)",
			 rec->name, why);
		goto fail;
	}
	return 0;
fail:
	free(*out);
	*out = NULL;
	return -1;
}
