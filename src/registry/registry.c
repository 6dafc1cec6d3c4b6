/* registry.c — reading and updating the records nonstop keeps in a target. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "proc/maps.h"
#include "proc/mem.h"
#include "registry/registry.h"

#define MAX_FUNCS 100000
#define MAX_SYMS  100000

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

size_t ns_rec_total_size(const struct ns_rec *rec)
{
	return ns_rec_full_size(rec->nfuncs, rec->nsyms) +
	       (is_v4(rec) ? sizeof(struct ns_rec_hooks) : 0);
}

/* A hooks block read from the target: names terminated; a hook whose slot
 * or message buffer is not inside the patch's memory (the record's base
 * and size: the mapping's first part only holds the record) is dropped
 * (its stub would write elsewhere: the block is damaged). */
static void check_hooks(const struct ns_rec *rec, struct ns_rec_hooks *h)
{
	uint64_t lo = rec->base, hi = rec->base + rec->size;
	bool msg_ok = hi > lo && h->msg >= lo && h->msg_size <= hi - lo &&
		      h->msg <= hi - h->msg_size;

	for (int k = 0; k < NS_REC_HOOKS; k++) {
		h->name[k][NS_NAME_MAX - 1] = 0;
		if (!msg_ok || h->slot[k] < lo || h->slot[k] > hi - 16)
			h->fn[k] = 0;
		if (h->called[k] > 1)
			h->called[k] = 1;
	}
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

static bool is_record_mapping(const struct ns_map *m)
{
	return !strncmp(m->path, "/memfd:" NS_REC_MAPNAME,
			strlen("/memfd:" NS_REC_MAPNAME)) && m->offset == 0;
}

/* A version 2 record's function: version 3's without the per-thread
 * fields. */
struct rec_func_v2 {
	uint64_t old_addr, old_size, new_addr, new_size;
	uint8_t  saved[NS_SAVED_MAX];
	uint32_t saved_len, pad;
	char     name[NS_NAME_MAX];
};

/* A version 2 record: the same header without the version 3 fields (read
 * as zero: stop-the-world, no CFI), its functions right after it, no
 * syms. Its fields keep their offsets, so it is updated in place as a
 * version 3 one is. */
static struct ns_rec *read_record_v2(int mem_fd, const struct ns_map *m,
				     const struct ns_rec *hdr)
{
	size_t size = (size_t)hdr->nfuncs * sizeof(struct rec_func_v2);
	struct rec_func_v2 *f = NULL;
	struct ns_rec *rec;

	if (NS_REC_V2_SIZE + size > m->end - m->start)
		return NULL;
	rec = calloc(1, ns_rec_size(hdr->nfuncs));
	f = calloc(hdr->nfuncs ? hdr->nfuncs : 1, sizeof(*f));
	if (!rec || !f ||
	    ns_mem_read(mem_fd, m->start, rec, NS_REC_V2_SIZE) < 0 ||
	    ns_mem_read(mem_fd, m->start + NS_REC_V2_SIZE, f, size) < 0) {
		free(rec);
		free(f);
		return NULL;
	}
	for (uint32_t i = 0; i < hdr->nfuncs; i++) {
		struct ns_rec_func *d = &rec->funcs[i];
		d->old_addr = f[i].old_addr;
		d->old_size = f[i].old_size;
		d->new_addr = f[i].new_addr;
		d->new_size = f[i].new_size;
		memcpy(d->saved, f[i].saved, sizeof(d->saved));
		d->saved_len = f[i].saved_len;
		memcpy(d->name, f[i].name, sizeof(d->name));
	}
	free(f);
	rec->mode = NS_MODE_STOP;
	return rec;
}

/* Versions 3 and 4 (version 3 and a hooks block). */
static struct ns_rec *read_record_v3(int mem_fd, const struct ns_map *m,
				     const struct ns_rec *hdr)
{
	size_t size;
	struct ns_rec *rec;

	if (hdr->nsyms > MAX_SYMS)
		return NULL;
	size = ns_rec_total_size(hdr);
	if (size > m->end - m->start)
		return NULL;
	rec = malloc(size);
	if (!rec)
		return NULL;
	if (ns_mem_read(mem_fd, m->start, rec, size) < 0) {
		free(rec);
		return NULL;
	}
	/* The CFI must lie inside the patch's memory (the unwinders read
	 * it): the record's base and size, of which the mapping M holds only
	 * the first part (the CFI is in a later one, read-only). */
	if (rec->eh_frame && (rec->eh_frame < rec->base ||
			      rec->size > UINT64_MAX - rec->base ||
			      rec->eh_frame > rec->base + rec->size ||
			      rec->eh_frame_size > rec->base + rec->size - rec->eh_frame))
		rec->eh_frame = rec->eh_frame_size = 0;
	for (uint32_t i = 0; i < rec->nsyms; i++)
		ns_rec_syms(rec)[i].name[NS_NAME_MAX - 1] = 0;
	if (ns_rec_hooks(rec))
		check_hooks(rec, ns_rec_hooks(rec));
	return rec;
}

/* Reads and checks the record at the start of mapping M. */
static struct ns_rec *read_record(int mem_fd, const struct ns_map *m)
{
	struct ns_rec hdr, *rec;
	bool v2;

	if (ns_mem_read(mem_fd, m->start, &hdr, sizeof(hdr)) < 0)
		return NULL;
	v2 = !memcmp(hdr.magic, NS_REC_MAGIC_V2, 8);
	if ((!v2 && !ns_rec_magic_v3(hdr.magic)) ||
	    hdr.nfuncs > MAX_FUNCS || hdr.base != m->start)
		return NULL;
	rec = v2 ? read_record_v2(mem_fd, m, &hdr) : read_record_v3(mem_fd, m, &hdr);
	if (!rec)
		return NULL;
	rec->name[NS_NAME_MAX - 1] = 0;
	for (uint32_t i = 0; i < rec->nfuncs; i++) {
		rec->funcs[i].name[NS_NAME_MAX - 1] = 0;
		if (rec->funcs[i].saved_len > NS_SAVED_MAX)
			rec->funcs[i].saved_len = NS_SAVED_MAX;
	}
	return rec;
}

struct ns_rec *ns_rec_read_at(int mem_fd, uint64_t base)
{
	struct ns_rec hdr;
	struct ns_map m = { .start = base, .path = "" };

	if (ns_mem_read(mem_fd, base, &hdr, sizeof(hdr)) < 0 || !hdr.size ||
	    hdr.size > UINT64_MAX - base)
		return NULL;
	m.end = base + hdr.size;
	return read_record(mem_fd, &m);
}

/* A mapping whose record area is still all zeros: created by a nonstop
 * that died before writing the patch into it. */
static bool is_unfilled(int mem_fd, const struct ns_map *m)
{
	uint8_t hdr[sizeof(struct ns_rec)];

	if (ns_mem_read(mem_fd, m->start, hdr, sizeof(hdr)) < 0)
		return false;
	for (size_t i = 0; i < sizeof(hdr); i++)
		if (hdr[i])
			return false;
	return true;
}

static void add_orphan(struct ns_registry *reg, const struct ns_map *m)
{
	struct ns_orphan *o = realloc(reg->orphans,
				      (reg->norphans + 1) * sizeof(*o));

	if (!o)
		return;
	o[reg->norphans].start = m->start;
	o[reg->norphans].end = m->end;
	reg->orphans = o;
	reg->norphans++;
}

static int by_seq(const void *a, const void *b)
{
	const struct ns_rec_entry *x = a, *y = b;

	return x->rec->seq < y->rec->seq ? -1 : x->rec->seq > y->rec->seq;
}

int ns_registry_read(pid_t pid, int mem_fd, struct ns_registry *reg)
{
	struct ns_maps maps;

	memset(reg, 0, sizeof(*reg));
	if (ns_maps_read(pid, &maps) < 0)
		return -1;
	reg->v = calloc(maps.n ? maps.n : 1, sizeof(*reg->v));
	if (!reg->v) {
		ns_maps_free(&maps);
		return -1;
	}
	for (size_t i = 0; i < maps.n; i++) {
		struct ns_rec *rec;
		if (!is_record_mapping(&maps.v[i]))
			continue;
		rec = read_record(mem_fd, &maps.v[i]);
		if (!rec) {
			if (is_unfilled(mem_fd, &maps.v[i]))
				add_orphan(reg, &maps.v[i]);
			continue;
		}
		reg->v[reg->n].rec = rec;
		reg->v[reg->n].addr = maps.v[i].start;
		reg->n++;
	}
	ns_maps_free(&maps);
	qsort(reg->v, reg->n, sizeof(*reg->v), by_seq);
	return 0;
}

void ns_registry_free(struct ns_registry *reg)
{
	for (size_t i = 0; i < reg->n; i++)
		free(reg->v[i].rec);
	free(reg->v);
	free(reg->orphans);
	memset(reg, 0, sizeof(*reg));
}

struct ns_rec_entry *ns_registry_find(struct ns_registry *reg, const char *name)
{
	for (size_t i = reg->n; i-- > 0;) {
		const struct ns_rec *r = reg->v[i].rec;
		if (name ? !strcmp(r->name, name) : r->state != NS_REC_PT_RETIRING)
			return &reg->v[i];
	}
	return NULL;
}

int ns_rec_set_state(int mem_fd, uint64_t addr, uint32_t state)
{
	return ns_mem_write(mem_fd, addr + offsetof(struct ns_rec, state),
			    &state, sizeof(state));
}

int ns_rec_set_frames(int mem_fd, uint64_t addr, uint32_t frames)
{
	return ns_mem_write(mem_fd, addr + offsetof(struct ns_rec, frames),
			    &frames, sizeof(frames));
}
