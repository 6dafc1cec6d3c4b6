/* record.c — the parts of a record (record.h): its sizes, its tables,
 * its hooks block, the names of its states. Pure functions of a record
 * already read and checked; nothing here reads a target. */
#include <stddef.h>
#include <string.h>

#include "registry/record.h"

size_t ns_rec_size(uint32_t nfuncs)
{
	return sizeof(struct ns_rec) + (size_t)nfuncs * sizeof(struct ns_rec_func);
}

size_t ns_rec_full_size(uint32_t nfuncs, uint32_t nsyms)
{
	return ns_rec_size(nfuncs) + (size_t)nsyms * sizeof(struct ns_rec_sym);
}

struct ns_rec_sym *ns_rec_syms(struct ns_rec *rec)
{
	return (struct ns_rec_sym *)((char *)rec + ns_rec_size(rec->nfuncs));
}

/* ---- hooks ---------------------------------------------------------------- */

static bool is_v4(const struct ns_rec *rec)
{
	return !memcmp(rec->magic, NS_REC_MAGIC_V4, 8);
}

bool ns_rec_magic_v3(const char magic[8])
{
	return !memcmp(magic, NS_REC_MAGIC, 8) || !memcmp(magic, NS_REC_MAGIC_V4, 8);
}

struct ns_rec_hooks *ns_rec_hooks(struct ns_rec *rec)
{
	if (!is_v4(rec))
		return NULL;
	return (struct ns_rec_hooks *)((char *)rec +
				       ns_rec_full_size(rec->nfuncs, rec->nsyms));
}

uint64_t ns_rec_hooks_addr(const struct ns_rec *rec)
{
	return rec->base + ns_rec_full_size(rec->nfuncs, rec->nsyms);
}

uint32_t ns_rec_hook_locks(const struct ns_rec_hooks *h, uint32_t kind,
			   bool *known)
{
	uint32_t b = kind >= 1 && kind <= NS_REC_HOOKS ?
		     (h->locks >> (8 * (kind - 1))) & 0xff : 0;

	if (known)
		*known = b & NS_REC_LOCKS_KNOWN;
	return b & NS_REC_LOCKS_KNOWN ? b & NS_LOCKS_ALL : NS_LOCKS_UNKNOWN;
}

size_t ns_rec_total_size(const struct ns_rec *rec)
{
	return ns_rec_full_size(rec->nfuncs, rec->nsyms) +
	       (is_v4(rec) ? sizeof(struct ns_rec_hooks) : 0);
}

/* ---- end of hooks ---------------------------------------------------------- */

const char *ns_rec_state_name(uint32_t state)
{
	switch (state) {
	case NS_REC_LOADED:    return "loaded";
	case NS_REC_APPLYING:  return "applying";
	case NS_REC_APPLIED:   return "applied";
	case NS_REC_REVERTING: return "reverting";
	case NS_REC_PT_BACK:   return "reverting";
	case NS_REC_PT_RETIRING: return "retiring";
	default:               return "unknown";
	}
}

const char *ns_rec_frames_name(uint32_t frames)
{
	switch (frames) {
	case NS_FRAMES_NONE:          return "none";
	case NS_FRAMES_REGISTERING:   return "registering";
	case NS_FRAMES_REGISTERED:    return "registered";
	case NS_FRAMES_DEREGISTERING: return "deregistering";
	default:                      return "unknown";
	}
}
