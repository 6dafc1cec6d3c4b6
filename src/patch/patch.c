/* patch.c — what the in-memory model of a patch (patch.h) needs beyond
 * reading and writing it: releasing it, the rule for a patch's name, and
 * the names of the hook kinds and of the lock classes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patch/patch.h"

const char *ns_hook_kind_name(uint32_t kind)
{
	switch (kind) {
	case NS_HOOK_PRE_APPLY:   return "pre-apply";
	case NS_HOOK_POST_APPLY:  return "post-apply";
	case NS_HOOK_PRE_REVERT:  return "pre-revert";
	case NS_HOOK_POST_REVERT: return "post-revert";
	default:                  return "?";
	}
}

const char *ns_lock_class_name(uint32_t bit)
{
	static const char *const names[] = {
		"malloc", "stdio", "locale", "other", "spinlock",
	};

	return bit < sizeof(names) / sizeof(*names) ? names[bit] : "?";
}

const char *ns_locks_name(uint32_t locks, char *buf, size_t len)
{
	size_t at = 0;

	if (!len)
		return buf;
	buf[0] = 0;
	if (!locks)
		snprintf(buf, len, "no lock");
	for (uint32_t i = 0; i < NS_LOCK_CLASSES; i++) {
		int n;

		if (!(locks & (1u << i)))
			continue;
		n = snprintf(buf + at, len - at, "%s%s", at ? ", " : "",
			     ns_lock_class_name(i));
		if (n < 0 || (size_t)n >= len - at)
			break;
		at += (size_t)n;
	}
	return buf;
}

bool ns_patch_name_ok(const char *name, char *why, size_t whylen)
{
	size_t n = strlen(name);

	if (!n || n > NS_PATCH_NAME_MAX) {
		snprintf(why, whylen, "the patch name is %zu bytes long (1 to %d "
			 "allowed)", n, NS_PATCH_NAME_MAX);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f || c == '/') {
			snprintf(why, whylen, "the patch name has a %s at byte %zu "
				 "(not allowed in a name)", c == '/' ? "'/'" :
				 "control character", i);
			return false;
		}
	}
	return true;
}

void ns_patch_free(struct ns_patch *p)
{
	if (!p)
		return;
	for (size_t i = 0; p->sections && i < p->nsections; i++) {
		free(p->sections[i].name);
		free(p->sections[i].data);
		free(p->sections[i].relocs);
	}
	for (size_t i = 0; p->syms && i < p->nsyms; i++) {
		free(p->syms[i].name);
		free(p->syms[i].file);
	}
	for (size_t i = 0; p->entries && i < p->nentries; i++) {
		free(p->entries[i].name);
		free(p->entries[i].file);
		free(p->entries[i].object);
		free(p->entries[i].masks);
		for (uint32_t k = 0; p->entries[i].refs && k < p->entries[i].nrefs; k++) {
			free(p->entries[i].refs[k].name);
			free(p->entries[i].refs[k].file);
		}
		free(p->entries[i].refs);
	}
	free(p->sections);
	free(p->syms);
	free(p->entries);
	for (size_t k = 0; k < NS_HOOK_KINDS; k++)
		free(p->hook_why[k]);
	free(p->name);
	free(p->binary);
	memset(p, 0, sizeof(*p));
}
