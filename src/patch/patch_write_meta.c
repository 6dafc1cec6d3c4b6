/* patch_write_meta.c — the writer's half that builds the ".nonstop.meta"
 * section of a patch file (layout in patch_format.h): the header, an entry
 * per ns_patch entry with its run of checksum masks, a record per symbol
 * (mapping the patch's symbol order to .symtab's), the hook table when the
 * patch has hooks, the table of what the replaced functions' relocated
 * fields refer to, and the string area. The version is the lowest that
 * holds what the patch has: 5 with references, else 4 with hooks, else 2
 * (which older nonstop reads). What the reader would refuse is refused here
 * first. */
#include <stdlib.h>
#include <string.h>

#include "patch/patch_format.h"
#include "patch/patch_write.h"
#include "util/err.h"

struct mwriter {
	const struct ns_patch *patch;
	const uint32_t *sym_elf;  /* ns sym index -> .symtab index */
	struct strbuf  *meta;     /* the section */
	struct strbuf   mstr;     /* its string area, appended last */
	struct ns_err           *err;
};

/* Appends the N bytes at DATA to B: 0, or -1 out of memory. */
static int put(struct strbuf *b, const void *data, size_t n)
{
	sb_add(b, data, n);
	return sb_failed(b) ? -1 : 0;
}

/* Meta string field: NS_META_NOSTR for NULL. */
static int meta_str(struct mwriter *w, const char *s, uint32_t *out)
{
	int64_t off;

	if (!s) {
		*out = NS_META_NOSTR;
		return 0;
	}
	off = wr_str(&w->mstr, s);
	if (off < 0)
		return ns_err_set(w->err, "patch writer: out of memory (meta strings)");
	*out = (uint32_t)off;
	return 0;
}

/* The hook table (format version 4): one record per hook, by kind. */
static uint32_t count_hooks(const struct ns_patch *p)
{
	uint32_t n = 0;

	for (size_t k = 0; k < NS_HOOK_KINDS; k++)
		n += p->hooks[k] != 0;
	return n;
}

static int write_hooks(struct mwriter *w, size_t nsyms)
{
	const struct ns_patch *p = w->patch;

	for (uint32_t k = 0; k < NS_HOOK_KINDS; k++) {
		struct ns_meta_hook mh = { .kind = k + 1, .sym = p->hooks[k],
					   .locks = p->hook_locks[k],
					   .why = NS_META_NOSTR };

		if (!mh.sym)
			continue;
		if ((mh.locks & ~NS_LOCKS_ALL) || !mh.locks != !p->hook_why[k])
			return ns_err_set(w->err, "patch writer: %s hook: locks 0x%x "
					  "%s a reason", ns_hook_kind_name(mh.kind),
					  mh.locks, p->hook_why[k] ? "with" : "without");
		if (p->hook_why[k] && meta_str(w, p->hook_why[k], &mh.why))
			return -1;
		if (mh.sym >= nsyms)
			return ns_err_set(w->err, "patch writer: %s hook: bad symbol %u",
				    ns_hook_kind_name(mh.kind), mh.sym);
		if (put(w->meta, &mh, sizeof(mh)))
			return ns_err_set(w->err, "patch writer: out of memory (meta)");
	}
	return 0;
}

/* The references of every entry, checked as the reader will. */
static int write_refs(struct mwriter *w)
{
	const struct ns_patch *p = w->patch;

	for (size_t i = 0; i < p->nentries; i++) {
		const struct ns_entry *e = &p->entries[i];

		if (e->nrefs && e->kind != NS_ENTRY_REPLACE)
			return ns_err_set(w->err, "patch writer: entry %zu (%s): references "
					  "on an entry that replaces nothing", i, e->name);
		for (uint32_t k = 0; k < e->nrefs; k++) {
			const struct ns_ref *f = &e->refs[k];
			struct ns_meta_ref mr = { .entry = (uint32_t)i, .off = f->off,
				.type = f->type, .kind = f->kind, .addend = f->addend };
			unsigned width = ns_reloc_width(f->type);

			if (!width || (uint64_t)f->off + width > e->old_size ||
			    (k && f->off <= e->refs[k - 1].off) || !f->name ||
			    f->kind < NS_REF_SYMBOL || f->kind > NS_REF_STRING_PART ||
			    (f->file && f->kind != NS_REF_SYMBOL))
				return ns_err_set(w->err, "patch writer: entry %zu (%s): "
						  "reference %u is malformed", i, e->name, k);
			if (meta_str(w, f->name, &mr.name) || meta_str(w, f->file, &mr.file))
				return -1;
			if (put(w->meta, &mr, sizeof(mr)))
				return ns_err_set(w->err, "patch writer: out of memory (meta)");
		}
	}
	return 0;
}

/* The format version and header size for a patch with NHOOKS hooks and
 * NREFS references. */
static uint32_t pick_version(uint32_t nhooks, uint64_t nrefs, size_t *hsize)
{
	if (nrefs) {
		*hsize = sizeof(struct ns_meta_header);
		return NS_PATCH_FORMAT_REFS;
	}
	if (nhooks) {
		*hsize = NS_META_HEADER_V4_SIZE;
		return NS_PATCH_FORMAT_HOOKS;
	}
	*hsize = NS_META_HEADER_V2_SIZE;
	return NS_PATCH_FORMAT_VERSION;
}

static int build_meta(struct mwriter *w)
{
	const struct ns_patch *p = w->patch;
	struct ns_meta_header h = { 0 };
	size_t nsyms = p->nsyms ? p->nsyms : 1;
	uint32_t nhooks = count_hooks(p);
	uint64_t nmasks = 0, nrefs = 0, end;
	size_t hsize;

	for (size_t i = 0; i < p->nentries; i++) {
		nmasks += p->entries[i].nmasks;
		nrefs += p->entries[i].nrefs;
	}
	memcpy(h.magic, NS_META_MAGIC, sizeof(h.magic));
	h.version = pick_version(nhooks, nrefs, &hsize);
	h.header_size = (uint32_t)hsize;
	if (p->build_id_len > NS_BUILD_ID_MAX ||
	    p->result_build_id_len > NS_BUILD_ID_MAX)
		return ns_err_set(w->err, "patch writer: build-id too long (%u, %u)",
			    p->build_id_len, p->result_build_id_len);
	h.build_id_len = p->build_id_len;
	memcpy(h.build_id, p->build_id, p->build_id_len);
	h.result_build_id_len = p->result_build_id_len;
	memcpy(h.result_build_id, p->result_build_id, p->result_build_id_len);
	end = hsize + (uint64_t)p->nentries * sizeof(struct ns_meta_entry) +
	      (uint64_t)nsyms * sizeof(struct ns_meta_sym) +
	      nmasks * sizeof(struct ns_meta_mask) +
	      nhooks * sizeof(struct ns_meta_hook) +
	      nrefs * sizeof(struct ns_meta_ref);
	if (end > UINT32_MAX / 2)
		return ns_err_set(w->err, "patch writer: metadata too large");
	h.nsections = (uint32_t)p->nsections;
	h.nentries = (uint32_t)p->nentries;
	h.nsyms = (uint32_t)nsyms;
	h.nmasks = (uint32_t)nmasks;
	h.entries_off = (uint32_t)hsize;
	h.syms_off = h.entries_off + (uint32_t)(p->nentries * sizeof(struct ns_meta_entry));
	h.masks_off = h.syms_off + (uint32_t)(nsyms * sizeof(struct ns_meta_sym));
	h.hooks_off = nhooks ? h.masks_off + (uint32_t)(nmasks * sizeof(struct ns_meta_mask)) : 0;
	h.nhooks = nhooks;
	h.nrefs = (uint32_t)nrefs;
	h.refs_off = nrefs ? h.masks_off + (uint32_t)(nmasks * sizeof(struct ns_meta_mask)) +
			     nhooks * (uint32_t)sizeof(struct ns_meta_hook) : 0;
	h.strings_off = h.masks_off + (uint32_t)(nmasks * sizeof(struct ns_meta_mask)) +
			nhooks * (uint32_t)sizeof(struct ns_meta_hook) +
			(uint32_t)(nrefs * sizeof(struct ns_meta_ref));
	nmasks = 0;
	if (meta_str(w, p->name ? p->name : "", &h.name) ||
	    meta_str(w, p->binary ? p->binary : "", &h.binary))
		return -1;
	if (put(w->meta, &h, hsize))
		return ns_err_set(w->err, "patch writer: out of memory (meta)");
	for (size_t i = 0; i < p->nentries; i++) {
		const struct ns_entry *e = &p->entries[i];
		struct ns_meta_entry me = { .kind = e->kind, .reason = e->reason,
			.sym = e->sym, .old_size = e->old_size, .old_sum = e->old_sum,
			.mask_first = (uint32_t)nmasks, .mask_count = e->nmasks };

		if (!e->name || (e->kind == NS_ENTRY_IGNORED ? e->sym != 0 :
				 (e->sym == 0 || e->sym >= nsyms)))
			return ns_err_set(w->err, "patch writer: entry %zu: no name or bad symbol", i);
		if (e->nmasks && e->kind != NS_ENTRY_REPLACE)
			return ns_err_set(w->err, "patch writer: entry %zu (%s): masks on an entry "
				    "that replaces nothing", i, e->name);
		for (uint32_t m = 0; m < e->nmasks; m++) {
			const struct ns_mask *k = &e->masks[m];

			if (!k->len || (uint64_t)k->off + k->len > e->old_size ||
			    (m && k->off < (uint64_t)e->masks[m - 1].off + e->masks[m - 1].len))
				return ns_err_set(w->err, "patch writer: entry %zu (%s): mask %u "
					    "not sorted or outside the function", i, e->name, m);
		}
		nmasks += e->nmasks;
		if (meta_str(w, e->name, &me.name) || meta_str(w, e->file, &me.file) ||
		    meta_str(w, e->object, &me.object))
			return -1;
		if (put(w->meta, &me, sizeof(me)))
			return ns_err_set(w->err, "patch writer: out of memory (meta)");
	}
	for (size_t i = 0; i < nsyms; i++) {
		struct ns_meta_sym ms = { 0 };

		ms.file = NS_META_NOSTR;
		if (i > 0) {
			const struct ns_sym *s = &p->syms[i];

			ms.elf_index = w->sym_elf[i];
			ms.kind = s->kind;
			ms.type = s->type;
			ms.bind = s->bind;
			if (meta_str(w, s->kind == NS_SYM_TARGET ? s->file : NULL, &ms.file))
				return -1;
		}
		if (put(w->meta, &ms, sizeof(ms)))
			return ns_err_set(w->err, "patch writer: out of memory (meta)");
	}
	for (size_t i = 0; i < p->nentries; i++)
		for (uint32_t m = 0; m < p->entries[i].nmasks; m++) {
			struct ns_meta_mask mm = { .off = p->entries[i].masks[m].off,
						   .len = p->entries[i].masks[m].len };

			if (put(w->meta, &mm, sizeof(mm)))
				return ns_err_set(w->err, "patch writer: out of memory (meta)");
		}
	if (write_hooks(w, nsyms) || write_refs(w))
		return -1;
	/* Patch the string-area size into the header now that it is known. */
	h.strings_size = (uint32_t)w->mstr.len;
	memcpy(w->meta->p, &h, hsize);
	if (put(w->meta, sb_str(&w->mstr), w->mstr.len))
		return ns_err_set(w->err, "patch writer: out of memory (meta)");
	return 0;
}

int wr_meta(const struct ns_patch *p, const uint32_t *sym_elf, struct strbuf *meta,
	    struct ns_err *err)
{
	struct mwriter w = { .patch = p, .sym_elf = sym_elf, .meta = meta,
			     .err = err };
	int rc = build_meta(&w);

	sb_free(&w.mstr);
	return rc;
}
