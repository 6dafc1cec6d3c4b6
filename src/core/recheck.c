/* recheck.c — reading a record again after a re-attach (recheck.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/recheck.h"

/* What differs between the record as it was and as it is now, or NULL. */
static const char *difference(const struct ns_rec *was, const struct ns_rec *now,
			      uint32_t state)
{
	if (now->base != was->base || now->size != was->size)
		return "its place or size";
	if (now->seq != was->seq || now->patch_id != was->patch_id ||
	    strcmp(now->name, was->name))
		return "which patch it is";
	if (now->nfuncs != was->nfuncs)
		return "its functions";
	if (now->state != state)
		return "its state";
	return NULL;
}

int ns_rec_recheck(int mem_fd, int pid, const struct ns_rec *was,
		   uint32_t state, struct ns_err *err)
{
	char why[512];
	bool damaged;
	struct ns_rec *now = ns_rec_read_at(pid, mem_fd, was->base, &damaged, why,
					    sizeof(why));
	const char *what = now ? difference(was, now, state) : "the record itself";

	free(now);
	if (!what)
		return 0;
	if (!now && damaged) {
		ns_err_set(err, "%s (it changed while nonstop had let go of "
			 "the process): nothing more is done to it", why);
		return -1;
	}
	ns_err_set(err, "the record of patch '%s' in process %d changed "
		 "while nonstop had let go of the process (%s is not what it "
		 "was): nothing more is done to it", was->name, pid, what);
	return -1;
}
