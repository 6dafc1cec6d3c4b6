/* unwind.c — the record's unwinding fields (unwind.h): the linked
 * .eh_frame of the patch, and a table of its functions. The table holds
 * every function symbol the patch defines — replaced functions' new code,
 * new functions, .cold pieces — once per address, so that a frame inside
 * the patch can be named ("in function foo of patch 'fix'") by a nonstop
 * that has only the process, not the patch file. */
#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "core/unwind.h"
#include "proc/call.h"

/* Symbol I of P is a function of the patch listed in the table: the first
 * of the patch's definitions at its address (the generator makes local
 * aliases of new globals other objects refer to). */
static int listed(const struct ns_patch *p, size_t i)
{
	const struct ns_sym *s = &p->syms[i];

	if (s->kind != NS_SYM_DEFINED || s->type != STT_FUNC || !*s->name)
		return 0;
	for (size_t k = 1; k < i; k++) {
		const struct ns_sym *t = &p->syms[k];

		if (t->kind == NS_SYM_DEFINED && t->type == STT_FUNC &&
		    *t->name && t->section == s->section && t->value == s->value)
			return 0;
	}
	return 1;
}

uint32_t ns_unwind_nsyms(const struct ns_patch *p)
{
	uint32_t n = 0;

	for (size_t i = 1; i < p->nsyms; i++)
		n += (uint32_t)listed(p, i);
	return n;
}

void ns_unwind_record(struct ns_rec *rec, const struct ns_patch *p,
		      struct ns_image *img)
{
	size_t stub_len;
	const uint8_t *stub = ns_call_stub_code(&stub_len);
	struct ns_rec_sym *t = ns_rec_syms(rec);
	uint32_t k = 0;

	for (size_t i = 1; i < p->nsyms && k < rec->nsyms; i++) {
		if (!listed(p, i))
			continue;
		t[k].addr = ns_link_sym_addr(img, (uint32_t)i);
		t[k].size = p->syms[i].size;
		snprintf(t[k].name, sizeof(t[k].name), "%s", p->syms[i].name);
		k++;
	}
	/* The stub serves the frames', the hooks' and the transformers'
	 * calls (link.h). */
	if (img->call_off) {
		rec->call_stub = img->base + img->call_off;
		if (stub_len <= NS_LINK_CALL_STUB)
			memcpy(img->buf + img->call_off, stub, stub_len);
		else
			rec->call_stub = 0; /* no calls: cannot happen */
	}
	if (img->frames_off) {
		rec->frames_object = img->base + img->frames_off;
		rec->call_slot = rec->frames_object + NS_LINK_FRAMES_OBJECT;
	}
	if (p->eh_frame) {
		rec->eh_frame = img->base + img->sec_off[p->eh_frame - 1];
		rec->eh_frame_size = p->sections[p->eh_frame - 1].size;
	}
}

_Static_assert(NS_LINK_FRAMES_DATA >= NS_LINK_FRAMES_OBJECT +
	       sizeof(struct ns_call_slot), "room for the call slot");
