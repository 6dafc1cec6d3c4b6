/* patch_read_meta.c — the reader's half that validates the ".nonstop.meta"
 * section of a patch file (layout in patch_format.h): its header and
 * version, its string area, its entries with their checksum masks and
 * references, and its hook table. Every offset and count comes from the file and is checked
 * before it is used: a hostile file gets a refusal, never a read out of
 * bounds. */
#include <stdlib.h>
#include <string.h>

#include "patch/patch_read.h"

/* A string field of the meta section: NULL for NS_META_NOSTR (if allowed),
 * else an offset inside the string area of a NUL-terminated string. */
int rd_meta_string(struct reader *r, uint32_t off, int optional,
		       const char *what, char **out)
{
	const char *area = (const char *)r->meta + r->h.strings_off;

	*out = NULL;
	if (off == NS_META_NOSTR) {
		if (optional)
			return 0;
		return rd_err(r, "metadata: %s is missing", what);
	}
	if (off >= r->h.strings_size ||
	    !memchr(area + off, '\0', r->h.strings_size - off))
		return rd_err(r, "metadata: %s string offset %u is outside the string area",
			    what, off);
	*out = strdup(area + off);
	if (!*out)
		return rd_err(r, "out of memory");
	return 0;
}

/* Checks that the table [off, off + n * size) lies inside the meta section. */
static int meta_range(struct reader *r, uint64_t off, uint64_t n, uint64_t size,
		      const char *what)
{
	if (n > r->metasize || off > r->metasize ||
	    n * size > r->metasize - off)
		return rd_err(r, "truncated metadata (%s)", what);
	return 0;
}

int rd_meta_header(struct reader *r)
{
	struct ns_meta_header *h = &r->h;
	size_t hsize;

	/* The first fields (magic, version, header size) are the same in
	 * every version. */
	if (r->metasize < NS_META_HEADER_V1_SIZE)
		return rd_err(r, "truncated metadata (header)");
	memset(h, 0, sizeof(*h));
	memcpy(h, r->meta, NS_META_HEADER_V1_SIZE);
	if (memcmp(h->magic, NS_META_MAGIC, sizeof(h->magic)))
		return rd_err(r, "bad metadata magic (not a nonstop patch)");
	if (h->version == 1) {
		hsize = NS_META_HEADER_V1_SIZE;
		r->entry_size = NS_META_ENTRY_V1_SIZE;
	} else if (h->version == NS_PATCH_FORMAT_VERSION) {
		hsize = NS_META_HEADER_V2_SIZE;
		r->entry_size = sizeof(struct ns_meta_entry);
	} else if (h->version >= NS_PATCH_FORMAT_HOOKS_V3 &&
		   h->version <= NS_PATCH_FORMAT_REFS) {
		hsize = h->version == NS_PATCH_FORMAT_REFS ? sizeof(*h) :
			NS_META_HEADER_V4_SIZE;
		r->entry_size = sizeof(struct ns_meta_entry);
		r->hook_size = h->version >= NS_PATCH_FORMAT_HOOKS ?
			       sizeof(struct ns_meta_hook) : NS_META_HOOK_V3_SIZE;
	} else {
		return rd_err(r, "metadata format version %u, this nonstop reads 1 to %u",
			    h->version, NS_PATCH_FORMAT_REFS);
	}
	if (h->header_size != hsize)
		return rd_err(r, "metadata header size %u, expected %zu for version %u",
			    h->header_size, hsize, h->version);
	if (r->metasize < hsize)
		return rd_err(r, "truncated metadata (header)");
	memcpy(h, r->meta, hsize);
	if (h->build_id_len > NS_BUILD_ID_MAX)
		return rd_err(r, "metadata: build-id length %u", h->build_id_len);
	if (h->result_build_id_len > NS_BUILD_ID_MAX || h->pad)
		return rd_err(r, "metadata: result build-id length %u", h->result_build_id_len);
	for (size_t i = h->result_build_id_len; i < NS_BUILD_ID_MAX; i++)
		if (h->result_build_id[i])
			return rd_err(r, "metadata: bytes after the result build-id");
	if (h->result_build_id_len && h->result_build_id_len == h->build_id_len &&
	    !memcmp(h->result_build_id, h->build_id, h->build_id_len))
		return rd_err(r, "metadata: the result build-id is the build-id the "
			    "patch applies to");
	if (h->nsections >= r->shnum)
		return rd_err(r, "metadata: %u sections, file has %zu",
			    h->nsections, r->shnum);
	if (h->nsyms < 1)
		return rd_err(r, "metadata: no null symbol");
	/* Versions 3 and 4 exist for their hooks: one of each kind at most;
	 * version 5 may have none. */
	if (h->version >= NS_PATCH_FORMAT_HOOKS_V3 &&
	    (h->nhooks < (h->version < NS_PATCH_FORMAT_REFS) ||
	     h->nhooks > NS_HOOK_KINDS))
		return rd_err(r, "metadata: %u hooks (format %u has 1 to %u)",
			    h->nhooks, h->version, NS_HOOK_KINDS);
	if (meta_range(r, h->entries_off, h->nentries, r->entry_size, "entries") ||
	    meta_range(r, h->syms_off, h->nsyms, sizeof(struct ns_meta_sym), "symbols") ||
	    meta_range(r, h->masks_off, h->nmasks, sizeof(struct ns_meta_mask), "masks") ||
	    meta_range(r, h->hooks_off, h->nhooks, r->hook_size, "hooks") ||
	    meta_range(r, h->refs_off, h->nrefs, sizeof(struct ns_meta_ref), "references") ||
	    meta_range(r, h->strings_off, h->strings_size, 1, "strings"))
		return -1;
	return 0;
}

/* The run of masks of entry E (index I): inside the mask table, right after
 * the previous entry's (*NEXT), sorted, disjoint, inside the function. */
static int load_masks(struct reader *r, size_t i, const struct ns_meta_entry *me,
		      struct ns_entry *e, uint32_t *next)
{
	if (me->mask_first != *next || me->mask_count > r->h.nmasks - *next)
		return rd_err(r, "metadata: entry %zu: masks %u..+%u out of order or "
			    "outside the table", i, me->mask_first, me->mask_count);
	if (me->mask_count && me->kind != NS_ENTRY_REPLACE)
		return rd_err(r, "metadata: entry %zu: masks on an entry that replaces "
			    "nothing", i);
	*next += me->mask_count;
	if (!me->mask_count)
		return 0;
	e->masks = calloc(me->mask_count, sizeof(*e->masks));
	if (!e->masks)
		return rd_err(r, "out of memory");
	e->nmasks = me->mask_count;
	for (uint32_t k = 0; k < me->mask_count; k++) {
		struct ns_meta_mask mm;
		uint64_t prev_end = k ? (uint64_t)e->masks[k - 1].off + e->masks[k - 1].len : 0;

		memcpy(&mm, r->meta + r->h.masks_off +
		       (size_t)(me->mask_first + k) * sizeof(mm), sizeof(mm));
		if (!mm.len || mm.off < prev_end ||
		    (uint64_t)mm.off + mm.len > me->old_size)
			return rd_err(r, "metadata: entry %zu: mask %u (%u+%u) empty, out of "
				    "order or outside the function (%lu bytes)", i, k,
				    mm.off, mm.len, (unsigned long)me->old_size);
		e->masks[k].off = mm.off;
		e->masks[k].len = mm.len;
	}
	return 0;
}

/* The reasons each kind of entry may give. */
static int reason_fits(uint32_t kind, uint32_t reason)
{
	switch (kind) {
	case NS_ENTRY_IGNORED:
		return reason == NS_REASON_LINES;
	case NS_ENTRY_REPLACE:
		return reason <= NS_REASON_NEW || reason == NS_REASON_USES_XFORM;
	case NS_ENTRY_XFORM_DATA:
	case NS_ENTRY_TRANSFORM:
	case NS_ENTRY_UNTRANSFORM:
		return reason == NS_REASON_XFORM;
	case NS_ENTRY_NEW_FUNC:
		return reason <= NS_REASON_NEW || reason == NS_REASON_SIGNATURE;
	default:
		return reason <= NS_REASON_NEW;
	}
}

/* A transformer is a function, a transformed variable an object. */
static int sym_fits(uint32_t kind, const struct ns_sym *s)
{
	if (kind == NS_ENTRY_XFORM_DATA)
		return s->type == STT_OBJECT;
	if (kind == NS_ENTRY_TRANSFORM || kind == NS_ENTRY_UNTRANSFORM)
		return s->type == STT_FUNC;
	return 1;
}

static int same_var(const struct ns_entry *a, const struct ns_entry *b)
{
	return !strcmp(a->name, b->name) &&
	       (a->file ? b->file && !strcmp(a->file, b->file) : !b->file);
}

/* Every transformed variable has one transformer and at most one
 * untransformer, and every transformer a variable. */
static int check_xforms(struct reader *r, const struct ns_patch *p)
{
	for (size_t i = 0; i < p->nentries; i++) {
		const struct ns_entry *e = &p->entries[i];
		unsigned n[8] = { 0 };

		if (e->kind < NS_ENTRY_XFORM_DATA)
			continue;
		for (size_t k = 0; k < p->nentries; k++)
			if (p->entries[k].kind >= NS_ENTRY_XFORM_DATA &&
			    same_var(e, &p->entries[k]))
				n[p->entries[k].kind]++;
		if (n[NS_ENTRY_XFORM_DATA] != 1 || n[NS_ENTRY_TRANSFORM] != 1 ||
		    n[NS_ENTRY_UNTRANSFORM] > 1)
			return rd_err(r, "metadata: variable %s: %u definitions, %u "
				    "transformers, %u untransformers", e->name,
				    n[NS_ENTRY_XFORM_DATA], n[NS_ENTRY_TRANSFORM],
				    n[NS_ENTRY_UNTRANSFORM]);
	}
	return 0;
}

/* Reference record I, checked against the entries: of a replacing entry at
 * or after the previous record's (*PREV; fields of one entry in increasing
 * offset, *PREV_OFF), inside the old function, of a known type and kind. */
static int check_ref(struct reader *r, const struct ns_patch *p, uint32_t i,
		     const struct ns_meta_ref *mr, int64_t *prev, uint64_t *prev_off)
{
	unsigned width = ns_reloc_width(mr->type);

	if (mr->entry >= p->nentries || (int64_t)mr->entry < *prev ||
	    p->entries[mr->entry].kind != NS_ENTRY_REPLACE)
		return rd_err(r, "metadata: reference %u: entry %u out of order or "
			      "not a replaced function", i, mr->entry);
	if ((int64_t)mr->entry == *prev && mr->off <= *prev_off)
		return rd_err(r, "metadata: reference %u: offset %u out of order", i,
			      mr->off);
	if (!width || (uint64_t)mr->off + width > p->entries[mr->entry].old_size ||
	    mr->kind < NS_REF_SYMBOL || mr->kind > NS_REF_STRING_PART ||
	    (mr->kind != NS_REF_SYMBOL && mr->file != NS_META_NOSTR))
		return rd_err(r, "metadata: reference %u: type %u, kind %u or offset %u "
			      "does not fit", i, mr->type, mr->kind, mr->off);
	*prev = mr->entry;
	*prev_off = mr->off;
	return 0;
}

static void ref_record(const struct reader *r, uint32_t i, struct ns_meta_ref *mr)
{
	memcpy(mr, r->meta + r->h.refs_off + (size_t)i * sizeof(*mr), sizeof(*mr));
}

/* The reference table (version 5): every record checked and counted for
 * its entry, then each entry's run copied. */
static int load_refs(struct reader *r, struct ns_patch *p)
{
	int64_t prev = -1;
	uint64_t prev_off = 0;
	struct ns_meta_ref mr;

	for (uint32_t i = 0; i < r->h.nrefs; i++) {
		ref_record(r, i, &mr);
		if (check_ref(r, p, i, &mr, &prev, &prev_off))
			return -1;
		p->entries[mr.entry].nrefs++;
	}
	for (size_t i = 0; i < p->nentries; i++) {
		if (!p->entries[i].nrefs)
			continue;
		p->entries[i].refs = calloc(p->entries[i].nrefs, sizeof(struct ns_ref));
		if (!p->entries[i].refs) {
			p->entries[i].nrefs = 0;
			return rd_err(r, "out of memory");
		}
		p->entries[i].nrefs = 0;  /* counts again as they are filled */
	}
	for (uint32_t i = 0; i < r->h.nrefs; i++) {
		struct ns_entry *e;
		struct ns_ref *f;

		ref_record(r, i, &mr);
		e = &p->entries[mr.entry];
		f = &e->refs[e->nrefs++];
		f->off = mr.off;
		f->type = mr.type;
		f->kind = mr.kind;
		f->addend = mr.addend;
		if (rd_meta_string(r, mr.name, 0, "reference", &f->name) ||
		    rd_meta_string(r, mr.file, 1, "reference file", &f->file))
			return -1;
		/* A string is at most what the generator records (apply
		 * reads that many bytes of the target into a fixed buffer);
		 * a symbol has a name. */
		if (f->kind == NS_REF_SYMBOL ? !*f->name :
		    strlen(f->name) > NS_REF_STRING_MAX || f->addend < 0 || f->addend > 4)
			return *f->name ?
			       rd_err(r, "metadata: reference %u: a string longer than %d "
				      "bytes, or %lld bytes after its field", i,
				      NS_REF_STRING_MAX, (long long)f->addend) :
			       rd_err(r, "metadata: reference %u: a symbol without a name", i);
	}
	return 0;
}

int rd_meta_entries(struct reader *r, struct ns_patch *p)
{
	uint32_t next_mask = 0;

	p->entries = calloc(r->h.nentries ? r->h.nentries : 1, sizeof(*p->entries));
	if (!p->entries)
		return rd_err(r, "out of memory");
	p->nentries = r->h.nentries;
	for (size_t i = 0; i < p->nentries; i++) {
		struct ns_meta_entry me;
		struct ns_entry *e = &p->entries[i];

		/* Version 1 entries end before mask_first: zero, no masks. */
		memset(&me, 0, sizeof(me));
		memcpy(&me, r->meta + r->h.entries_off + i * r->entry_size, r->entry_size);
		if (me.kind < NS_ENTRY_REPLACE || me.kind > NS_ENTRY_UNTRANSFORM)
			return rd_err(r, "metadata: entry %zu: bad kind %u", i, me.kind);
		if (!reason_fits(me.kind, me.reason))
			return rd_err(r, "metadata: entry %zu: bad reason %u", i, me.reason);
		if (me.kind == NS_ENTRY_IGNORED ? me.sym != 0 :
		    (me.sym == 0 || me.sym >= p->nsyms ||
		     p->syms[me.sym].kind != NS_SYM_DEFINED))
			return rd_err(r, "metadata: entry %zu: symbol %u is not a patch definition",
				    i, me.sym);
		if (!sym_fits(me.kind, &p->syms[me.sym]))
			return rd_err(r, "metadata: entry %zu: symbol %u is not a %s", i,
				    me.sym, me.kind == NS_ENTRY_XFORM_DATA ? "variable" :
				    "function");
		e->kind = me.kind;
		e->reason = me.reason;
		e->sym = me.sym;
		e->old_size = me.old_size;
		e->old_sum = me.old_sum;
		if (rd_meta_string(r, me.name, 0, "entry name", &e->name) ||
		    rd_meta_string(r, me.file, 1, "entry file", &e->file) ||
		    rd_meta_string(r, me.object, 1, "entry object", &e->object) ||
		    load_masks(r, i, &me, e, &next_mask))
			return -1;
	}
	if (next_mask != r->h.nmasks)
		return rd_err(r, "metadata: %u masks, entries use %u", r->h.nmasks, next_mask);
	return load_refs(r, p) || check_xforms(r, p) ? -1 : 0;
}

/* What hook MH (of kind K) may lock, and why: version 3 does not say (any
 * lock); version 4 says which classes, with a reason when there are some. */
static int hook_locks(struct reader *r, const struct ns_meta_hook *mh,
		      struct ns_patch *p)
{
	uint32_t k = mh->kind - 1;

	p->hook_locks[k] = NS_LOCKS_UNKNOWN;
	if (r->h.version < NS_PATCH_FORMAT_HOOKS)
		return 0;
	if (mh->locks & ~NS_LOCKS_ALL)
		return rd_err(r, "metadata: %s hook: locks 0x%x (known: 0x%x)",
			      ns_hook_kind_name(mh->kind), mh->locks, NS_LOCKS_ALL);
	p->hook_locks[k] = mh->locks;
	if (rd_meta_string(r, mh->why, 1, "hook locks", &p->hook_why[k]))
		return -1;
	if (!mh->locks != !p->hook_why[k])
		return rd_err(r, "metadata: %s hook: %s", ns_hook_kind_name(mh->kind),
			      mh->locks ? "locks without a reason" :
			      "a reason without locks");
	return 0;
}

/* The hook table (versions 3 and 4): each kind once, each naming a
 * function: one the patch defines in its code, or one of the target (a
 * function, or an untyped symbol: what ELF calls an undefined one). Runs
 * after the sections and symbols are loaded and checked. */
int rd_meta_hooks(struct reader *r, struct ns_patch *p)
{
	for (uint32_t i = 0; i < r->h.nhooks; i++) {
		struct ns_meta_hook mh = { 0 };
		const struct ns_sym *s;

		memcpy(&mh, r->meta + r->h.hooks_off + (size_t)i * r->hook_size,
		       r->hook_size);
		if (mh.kind < NS_HOOK_PRE_APPLY || mh.kind > NS_HOOK_KINDS)
			return rd_err(r, "metadata: hook %u: bad kind %u", i, mh.kind);
		if (p->hooks[mh.kind - 1])
			return rd_err(r, "metadata: two %s hooks",
				    ns_hook_kind_name(mh.kind));
		if (mh.sym == 0 || mh.sym >= p->nsyms)
			return rd_err(r, "metadata: %s hook: bad symbol index %u",
				    ns_hook_kind_name(mh.kind), mh.sym);
		s = &p->syms[mh.sym];
		if ((s->type != STT_FUNC &&
		     (s->kind != NS_SYM_TARGET || s->type != STT_NOTYPE)) ||
		    !*s->name ||
		    (s->kind == NS_SYM_DEFINED &&
		     !(p->sections[s->section].flags & SHF_EXECINSTR)))
			return rd_err(r, "metadata: %s hook: symbol %u (%s) is not a "
				    "function", ns_hook_kind_name(mh.kind), mh.sym,
				    s->name);
		p->hooks[mh.kind - 1] = mh.sym;
		if (hook_locks(r, &mh, p))
			return -1;
	}
	return 0;
}
