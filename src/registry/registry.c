/* registry.c — reading and updating the records nonstop keeps in a target.
 * A target controls every byte of them: each record is read with sizes
 * taken from its checked header only, then checked whole (rec_check.h),
 * before anyone sees it. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc/maps.h"
#include "proc/mem.h"
#include "registry/rec_check.h"
#include "registry/registry.h"

/* A version 2 record's function: version 3's without the per-thread
 * fields. */
struct rec_func_v2 {
	uint64_t old_addr, old_size, new_addr, new_size;
	uint8_t  saved[NS_SAVED_MAX];
	uint32_t saved_len, pad;
	char     name[NS_NAME_MAX];
};
_Static_assert(sizeof(struct rec_func_v2) == NS_REC_V2_FUNC_SIZE,
	       "record v2 function");

/* A version 2 record: the same header without the version 3 fields (read
 * as zero: stop-the-world, no CFI), its functions right after it, no
 * syms. Its fields keep their offsets, so it is updated in place as a
 * version 3 one is. HDR's counts are checked (and are what was
 * allocated for: the copy read here is given them). */
static struct ns_rec *read_record_v2(int mem_fd, uint64_t at,
				     const struct ns_rec *hdr)
{
	size_t size = (size_t)hdr->nfuncs * sizeof(struct rec_func_v2);
	struct rec_func_v2 *f = NULL;
	struct ns_rec *rec;

	rec = calloc(1, ns_rec_size(hdr->nfuncs));
	f = calloc(hdr->nfuncs ? hdr->nfuncs : 1, sizeof(*f));
	if (!rec || !f || ns_mem_read(mem_fd, at, rec, NS_REC_V2_SIZE) < 0 ||
	    ns_mem_read(mem_fd, at + NS_REC_V2_SIZE, f, size) < 0) {
		free(rec);
		free(f);
		return NULL;
	}
	memcpy(rec->magic, hdr->magic, sizeof(rec->magic));
	rec->nfuncs = hdr->nfuncs;
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

/* Versions 3 and 4 (version 3 and a hooks block): SIZE bytes, what HDR's
 * checked counts make. The target may change the record between the two
 * reads: the copy is given HDR's magic and counts, so that it is never
 * taken for more than was read. */
static struct ns_rec *read_record_v3(int mem_fd, uint64_t at,
				     const struct ns_rec *hdr, size_t size)
{
	struct ns_rec *rec = malloc(size);

	if (!rec)
		return NULL;
	if (ns_mem_read(mem_fd, at, rec, size) < 0) {
		free(rec);
		return NULL;
	}
	memcpy(rec->magic, hdr->magic, sizeof(rec->magic));
	rec->nfuncs = hdr->nfuncs;
	rec->nsyms = hdr->nsyms;
	return rec;
}

/* Reads and checks the record at HOME, taking its bytes from *BUDGET:
 * *OUT (malloc'd) if it is valid, else the verdict and WHY (and the name
 * it says it has in NAME). */
static enum ns_rec_verdict read_record(int mem_fd, const struct ns_rec_home *home,
				       size_t *budget, struct ns_rec **out,
				       char name[NS_NAME_MAX], char *why,
				       size_t whylen)
{
	struct ns_rec hdr, *rec;
	enum ns_rec_verdict v;
	size_t size;

	*out = NULL;
	name[0] = 0;
	if (ns_mem_read(mem_fd, home->start, &hdr, sizeof(hdr)) < 0) {
		snprintf(why, whylen, "cannot read it: %s", strerror(errno));
		return NS_REC_NOT_OURS;
	}
	v = ns_rec_check_header(&hdr, home, why, whylen);
	if (v != NS_REC_VALID)
		goto named;
	size = ns_rec_disk_size(&hdr);
	if (size > *budget) {
		snprintf(why, whylen, "beyond the %u MiB of records nonstop reads "
			 "from one process", NS_REGISTRY_BYTES_MAX >> 20);
		v = NS_REC_DAMAGED;
		goto named;
	}
	*budget -= size;
	rec = memcmp(hdr.magic, NS_REC_MAGIC_V2, 8) ?
	      read_record_v3(mem_fd, home->start, &hdr, size) :
	      read_record_v2(mem_fd, home->start, &hdr);
	if (!rec) {
		snprintf(why, whylen, "cannot read it: %s", strerror(errno));
		v = NS_REC_DAMAGED;
		goto named;
	}
	v = ns_rec_check(rec, home, why, whylen);
	if (v == NS_REC_VALID) {
		*out = rec;
		return v;
	}
	memcpy(hdr.name, rec->name, sizeof(hdr.name));
	free(rec);
named:
	memcpy(name, hdr.name, NS_NAME_MAX);
	name[NS_NAME_MAX - 1] = 0;
	return v;
}

struct ns_rec *ns_rec_read_at(pid_t pid, int mem_fd, uint64_t base,
			      bool *damaged, char *why, size_t whylen)
{
	size_t budget = NS_REGISTRY_BYTES_MAX;
	char name[NS_NAME_MAX], detail[160] = "no nonstop mapping there";
	struct ns_rec_home home;
	struct ns_maps maps;
	struct ns_rec *rec = NULL;

	*damaged = false;
	if (ns_maps_read(pid, &maps) < 0) {
		snprintf(why, whylen, "cannot read the memory map of process %d: "
			 "%s", (int)pid, strerror(errno));
		return NULL;
	}
	if (ns_rec_home_find(&maps, base, &home))
		*damaged = read_record(mem_fd, &home, &budget, &rec, name, detail,
				       sizeof(detail)) == NS_REC_DAMAGED;
	if (*damaged)
		snprintf(why, whylen, "the record of the patch at 0x%llx in "
			 "process %d is damaged: %s", (unsigned long long)base,
			 (int)pid, detail);
	else if (!rec)
		snprintf(why, whylen, "%s", detail);
	ns_maps_free(&maps);
	return rec;
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

static void add_bad(struct ns_registry *reg, uint64_t addr, const char *name,
		    const char *why)
{
	struct ns_rec_bad *b = realloc(reg->bad, (reg->nbad + 1) * sizeof(*b));

	if (!b)
		return;
	b[reg->nbad].addr = addr;
	snprintf(b[reg->nbad].name, sizeof(b->name), "%s", name);
	snprintf(b[reg->nbad].why, sizeof(b->why), "%s", why);
	reg->bad = b;
	reg->nbad++;
}

static int by_seq(const void *a, const void *b)
{
	const struct ns_rec_entry *x = a, *y = b;

	return x->rec->seq < y->rec->seq ? -1 : x->rec->seq > y->rec->seq;
}

int ns_registry_read(pid_t pid, int mem_fd, struct ns_registry *reg)
{
	size_t budget = NS_REGISTRY_BYTES_MAX;
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
		char name[NS_NAME_MAX], why[sizeof(reg->bad->why)];
		struct ns_rec_home home;
		enum ns_rec_verdict v;
		struct ns_rec *rec;

		if (!ns_rec_is_mapping(&maps.v[i]) ||
		    !ns_rec_home_find(&maps, maps.v[i].start, &home))
			continue;
		v = read_record(mem_fd, &home, &budget, &rec, name, why,
				sizeof(why));
		if (v == NS_REC_DAMAGED)
			add_bad(reg, maps.v[i].start, name, why);
		if (v == NS_REC_NOT_OURS && is_unfilled(mem_fd, &maps.v[i]))
			add_orphan(reg, &maps.v[i]);
		if (v != NS_REC_VALID)
			continue;
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
	free(reg->bad);
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

int ns_rec_set_frames(int mem_fd, uint64_t addr, uint32_t frames)
{
	return ns_mem_write(mem_fd, addr + offsetof(struct ns_rec, frames),
			    &frames, sizeof(frames));
}
