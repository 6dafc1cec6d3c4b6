/* target_read_fuzz.c — libFuzzer target for everything nonstop reads from
 * a target's memory. Owns one thing: playing a process whose memory and
 * memory map are the input, for the readers linked with it in place of
 * src/proc/mem.c and src/proc/maps.c (this file defines ns_mem_read,
 * ns_mem_write and ns_maps_read over the input; the list's own functions,
 * ns_maps_find's bisection among them, are src/proc/maps_list.c's), then
 * running them: ns_registry_read, ns_rec_read_at on every
 * "nonstop:" mapping, the table of state transformers of every record
 * (ns_xform_read), libnonstop's control block check (ns_rt_check) and
 * slot reader (ns_rt_read_slots), and status's text and JSON output
 * (ns_status_text, ns_status_json, which read the hooks' slots) into
 * /dev/null. ns_esc() is checked on the input's bytes: its output must
 * hold no control byte. Built and run by `make fuzz`, never by
 * `make check`; seeds from real applies: fuzz/make_target_seeds.sh.
 *
 * Input (little-endian, what make_target_seeds.sh writes):
 *   u64 rt_addr                 libnonstop's control block, 0: none
 *   u32 nmaps
 *   u32 flip                    0, or every second read returns the 2
 *                               bytes at offset FLIP >> 16 of what it reads
 *                               XORed with FLIP & 0xffff: a process that
 *                               changes a field between two reads
 *   nmaps x { u64 start; u32 pages; u32 bytes; u8 prot; u8 kind;
 *             u16 offset_pages; u32 inode }
 *   then each mapping's first BYTES bytes of content; the rest of its
 *   PAGES pages reads as zeros.
 * kind: 0 anonymous, 1 "/memfd:nonstop:x (deleted)", 2 the program's file,
 * 3 "/memfd:nonstop:shadow (deleted)". Mappings that overlap one before
 * them (by start) are dropped, as the kernel never shows such a map. A
 * truncated input keeps the mappings it describes whole. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli/status.h"
#include "core/hooks.h"
#include "core/xform.h"
#include "proc/maps.h"
#include "proc/mem.h"
#include "registry/registry.h"
#include "runtime/rt.h"
#include "util/escape.h"

#define PAGE       4096ULL
#define MAX_MAPS   64
#define MAX_PAGES  256          /* 1 MiB a mapping */
#define MAX_THREADS 8

struct fz_map_desc {
	uint64_t start;
	uint32_t pages, bytes;
	uint8_t  prot, kind;
	uint16_t offset_pages;
	uint32_t inode;
} __attribute__((packed));

/* A mapping of the process played: its content is DATA (LEN bytes, the
 * rest zeros), pointing into the input. */
struct fz_map {
	uint64_t start, end, offset, inode;
	unsigned prot, kind;
	const uint8_t *data;
	size_t len;
};

/* The process of the current input (libFuzzer runs one input at a time;
 * the readers take the memory through these link-time substitutes, which
 * have no argument to carry it). */
static struct {
	struct fz_map v[MAX_MAPS];
	size_t n;
	uint32_t flip;
	unsigned long reads;
} proc;

static const char *const kind_path[] = {
	"", "/memfd:nonstop:x (deleted)", "/usr/bin/prog",
	"/memfd:nonstop:shadow (deleted)",
};

static const struct fz_map *find(uint64_t addr)
{
	for (size_t i = 0; i < proc.n; i++)
		if (addr >= proc.v[i].start && addr < proc.v[i].end)
			return &proc.v[i];
	return NULL;
}

/* What the process changed, at every second read, in the LEN bytes at
 * BUF (as PROC.flip says). */
static void flip(uint8_t *buf, size_t len)
{
	size_t at = proc.flip >> 16;

	if (!proc.flip || proc.reads++ % 2 == 0 || len < at + 2)
		return;
	buf[at] ^= (uint8_t)proc.flip;
	buf[at + 1] ^= (uint8_t)(proc.flip >> 8);
}

/* As a read of /proc/PID/mem: the bytes of consecutive mappings; EIO at
 * the first byte no mapping has. */
int ns_mem_read(int fd, uint64_t addr, void *buf, size_t len)
{
	uint8_t *out = buf;
	size_t all = len;

	(void)fd;
	while (len) {
		const struct fz_map *m = find(addr);
		uint64_t off, n, have;

		if (!m) {
			errno = EIO;
			return -1;
		}
		off = addr - m->start;
		n = m->end - addr < len ? m->end - addr : len;
		have = off < m->len ? m->len - off : 0;
		have = have < n ? have : n;
		if (have)
			memcpy(out, m->data + off, have);
		memset(out + have, 0, n - have);
		out += n;
		addr += n;
		len -= n;
	}
	flip(buf, all);
	return 0;
}

/* The readers never write; a write is refused, as to a process gone. */
int ns_mem_write(int fd, uint64_t addr, const void *buf, size_t len)
{
	(void)fd;
	(void)addr;
	(void)buf;
	(void)len;
	errno = ESRCH;
	return -1;
}

int ns_maps_read(pid_t pid, struct ns_maps *out)
{
	(void)pid;
	memset(out, 0, sizeof(*out));
	out->v = calloc(proc.n ? proc.n : 1, sizeof(*out->v));
	if (!out->v)
		return -1;
	for (size_t i = 0; i < proc.n; i++) {
		const struct fz_map *m = &proc.v[i];
		struct ns_map *d = &out->v[i];

		d->start = m->start;
		d->end = m->end;
		d->offset = m->offset;
		d->inode = m->inode;
		d->prot = m->prot;
		d->path = strdup(kind_path[m->kind]);
		if (!d->path) {
			ns_maps_free(out);
			return -1;
		}
		out->n++;
	}
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct fz_map *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Plays the process described by DATA; its control block's address in
 * *RT_ADDR. */
static void load(const uint8_t *data, size_t size, uint64_t *rt_addr)
{
	struct fz_map_desc d[MAX_MAPS];
	uint32_t nmaps = 0;
	size_t at = 16, kept = 0;

	proc.n = 0;
	proc.flip = 0;
	proc.reads = 0;
	*rt_addr = 0;
	if (size < 16)
		return;
	memcpy(rt_addr, data, 8);
	memcpy(&nmaps, data + 8, 4);
	memcpy(&proc.flip, data + 12, 4);
	nmaps = nmaps > MAX_MAPS ? MAX_MAPS : nmaps;
	if (nmaps > (size - at) / sizeof(d[0]))
		nmaps = (uint32_t)((size - at) / sizeof(d[0]));
	memcpy(d, data + at, nmaps * sizeof(d[0]));
	at += nmaps * sizeof(d[0]);
	for (uint32_t i = 0; i < nmaps; i++) {
		struct fz_map *m = &proc.v[proc.n];
		uint64_t len = (uint64_t)(d[i].pages % (MAX_PAGES + 1)) * PAGE;
		size_t bytes = d[i].bytes < len ? d[i].bytes : len;

		bytes = bytes < size - at ? bytes : size - at;
		m->start = d[i].start & ~(PAGE - 1);
		m->data = data + at;
		m->len = bytes;
		at += bytes;
		if (!len || m->start > UINT64_MAX - len)
			continue;
		m->end = m->start + len;
		m->offset = (uint64_t)d[i].offset_pages * PAGE;
		m->inode = d[i].inode;
		m->prot = d[i].prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
		m->kind = d[i].kind % (sizeof(kind_path) / sizeof(*kind_path));
		proc.n++;
	}
	qsort(proc.v, proc.n, sizeof(proc.v[0]), by_start);
	for (size_t i = 0; i < proc.n; i++)
		if (!kept || proc.v[i].start >= proc.v[kept - 1].end)
			proc.v[kept++] = proc.v[i];
	proc.n = kept;
}

/* ns_esc's promise: nothing a terminal obeys comes out. */
static void check_escape(const uint8_t *data, size_t size)
{
	char in[257], out[NS_ESC_SIZE(sizeof(in))];
	size_t n = size < sizeof(in) - 1 ? size : sizeof(in) - 1;

	memcpy(in, data, n);
	in[n] = 0;
	ns_esc(in, out, sizeof(out));
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		if (*p < 0x20 || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			abort();
}

/* The threads status would list, as /proc would give them: a few tids,
 * the runtime's among them, their names taken from the input (any bytes
 * but NUL, as the kernel allows); every second one asleep in epoll_wait,
 * so that a slot's wait word (waits mode) is taken at its word. */
static size_t fake_threads(const struct ns_rt *blk, const uint8_t *data,
			   size_t size, struct ns_rt_thread *v)
{
	size_t n;

	memset(v, 0, MAX_THREADS * sizeof(*v));
	for (n = 0; n < MAX_THREADS; n++) {
		size_t from = size > 16 ? (n * 16) % (size - 16) : 0;

		v[n].tid = (pid_t)(n + 1) * 1000;
		memcpy(v[n].comm, data + from, size < 16 ? size : 16);
		v[n].blocked = n & 1;
		v[n].syscall = n & 1 ? SYS_epoll_wait : -1;
		snprintf(v[n].where, sizeof(v[n].where), n & 1 ?
			 "blocked in system call epoll_wait" : "running");
	}
	v[n - 1].tid = (pid_t)blk->tid;
	v[n - 1].runtime = true;
	return n;
}

/* The table of transformers of every record, and every "nonstop:"
 * mapping read as a single record. */
static void run_records(pid_t pid, struct ns_registry *reg)
{
	char why[1024];

	for (size_t i = 0; i < reg->n; i++) {
		struct ns_err err = { 0 };
		struct ns_rec_xform *x;

		if (ns_xform_read(-1, reg->v[i].rec, &x, &err) == 0)
			free(x);
	}
	for (size_t i = 0; i < proc.n; i++) {
		struct ns_rec *rec;
		bool damaged;

		if (proc.v[i].kind != 1 && proc.v[i].kind != 3)
			continue;   /* no "nonstop:" mapping: nothing to read */
		rec = ns_rec_read_at(pid, -1, proc.v[i].start, &damaged, why,
				     sizeof(why));
		free(rec);
	}
}

/* With TARGET_READ_FUZZ_VERBOSE set, what the readers made of an input,
 * on stderr: to check that seeds are taken as real memory is. */
static void say(const struct ns_registry *reg, uint64_t rt_addr, const char *rt)
{
	char why[NS_ESC_SIZE(sizeof(reg->bad->why))];

	fprintf(stderr, "target_read_fuzz: %zu mappings, %zu records, %zu "
		"damaged, control block at 0x%llx: %s\n", proc.n, reg->n,
		reg->nbad, (unsigned long long)rt_addr, rt);
	for (size_t i = 0; i < reg->nbad; i++)
		fprintf(stderr, "target_read_fuzz: damaged: %s\n",
			ns_esc(reg->bad[i].why, why, sizeof(why)));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* status prints on stdout: into /dev/null, so that the fuzzer's own
	 * output stays readable. */
	if (!freopen("/dev/null", "w", stdout))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ns_status_threads t = { 0 };
	struct ns_rt_thread v[MAX_THREADS];
	bool done[MAX_THREADS] = { false };
	char why[MAX_THREADS][256] = { "" };
	struct ns_registry reg;
	struct ns_status st;
	uint64_t rt_addr;
	pid_t pid = getpid();
	struct ns_err err = { 0 };
	bool pt = false;

	check_escape(data, size);
	load(data, size, &rt_addr);
	if (ns_registry_read(pid, -1, &reg) < 0)
		return 0;
	run_records(pid, &reg);
	if (rt_addr && ns_mem_read(-1, rt_addr, &t.rt.blk, sizeof(t.rt.blk)) == 0 &&
	    ns_rt_check(pid, &t.rt.blk, &err) == 0) {
		t.rt.addr = rt_addr;
		t.n = fake_threads(&t.rt.blk, data, size, v);
		t.v = v;
		t.done = done;
		t.why = why;
		pt = ns_rt_read_slots(-1, &t.rt.blk, v, t.n) == 0;
		for (size_t i = 0; i < t.n; i++)
			done[i] = v[i].registered && v[i].view == t.rt.blk.gen;
	}
	if (getenv("TARGET_READ_FUZZ_VERBOSE"))
		say(&reg, rt_addr, pt ? "ok" : err.set ? err.msg : "none");
	st = (struct ns_status){ .pid = pid, .mem_fd = -1, .reg = &reg,
				 .threads = t.n, .t = pt ? &t : NULL };
	ns_status_text(&st);
	ns_status_json(&st);
	ns_registry_free(&reg);
	return 0;
}
