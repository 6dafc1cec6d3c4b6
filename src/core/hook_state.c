/* hook_state.c — where each hook of an applied patch stands, for `status`
 * (hooks.h: ns_hook_state): read from the record and the hook's call
 * slot, without stopping a thread or calling anything, so that it can be
 * linked without the machinery that runs hooks (fuzz/target_read_fuzz.c
 * does). The record was checked (registry/rec_check.h): the slot it
 * names is in the patch's memory. */
#include <stdio.h>

#include "core/hooks.h"
#include "proc/call.h"
#include "proc/mem.h"

const char *ns_hook_state(int mem_fd, struct ns_rec *rec, uint32_t kind,
			  char *buf, size_t len)
{
	struct ns_rec_hooks *h = ns_rec_hooks(rec);
	struct ns_call_slot s;
	uint32_t k = kind - 1;

	if (!h || kind < 1 || kind > NS_REC_HOOKS || !h->fn[k])
		snprintf(buf, len, "none");
	else if (!h->called[k])
		snprintf(buf, len, "not run");
	else if (ns_mem_read(mem_fd, h->slot[k], &s, sizeof(s)) < 0)
		snprintf(buf, len, "unknown");
	else if (s.done && (int32_t)(uint32_t)s.ret == NS_HOOK_FAULTED)
		snprintf(buf, len, "faulted");
	else if (s.done)
		snprintf(buf, len, "returned %d", (int32_t)(uint32_t)s.ret);
	else if (s.started)
		snprintf(buf, len, "running");
	else
		snprintf(buf, len, "not started");
	return buf;
}
