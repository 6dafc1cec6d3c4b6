/* Target of the t_sec_* tests: a hostile process that forges nonstop's
 * records itself (registry/registry.h), to check that nonstop believes
 * none of a record's values out of range and prints none of its bytes raw.
 * Built with -I src (the record's layout) and linked with libnonstop (so
 * that status lists its threads, by their names). Commands on stdin, one
 * answer line each:
 *   ping          pong
 *   call N        compute(N)
 *   name          names this thread with a terminal escape, CR and LF
 *   forge KIND    maps a "nonstop:evil" memfd (3 pages: record r--, code
 *                 r-x, data rw-) holding a record of KIND: "ok 0xADDR"
 *     escape      valid per-thread record; its name and a function's are
 *                 full of escapes, its time is 2^62 (localtime fails)
 *     plain       valid stop-the-world record, escapes in its name
 *   (the others are named "evil")
 *     damaged     as escape, but its size is not its mapping's
 *     canary      stop-the-world record restoring "saved" bytes over the
 *                 variable canary (not code)
 *     journal     its commit gate's journal is the array scratch
 *     huge        its size covers every mapping above it
 *     sweep       as huge, and "reverting" (any apply or revert removes
 *                 such a record's memory)
 *     counts      100000 functions in one page
 *   drop          unmaps every forged mapping: "ok N"
 *   canary        the canary's bytes
 *   scratch       the sum of scratch's bytes */
#define _GNU_SOURCE   /* memfd_create */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fixture.h"
#include "registry/registry.h"

#define PAGE 4096UL
#define TASK_END 0x7ffffffff000ULL   /* x86-64 user space ends here */
/* ESC ] 0 ; (set the terminal's title), BEL, CR, LF, and U+009B (CSI, a
 * C1 control) in UTF-8. */
#define EVIL_NAME "evil\x1b]0;owned\x07\r\nFAKE\xc2\x9b"

int compute(int x);

static char canary[16] = "canary-intact";
static unsigned char scratch[4096];
static void *forged[16];
static size_t nforged;

/* The record every kind starts from: valid, stop-the-world, no function,
 * in a mapping of 3 pages at BASE. */
static void base_record(struct ns_rec *r, uint64_t base)
{
	memcpy(r->magic, NS_REC_MAGIC, 8);
	r->state = NS_REC_APPLIED;
	r->seq = 1;
	r->base = base;
	r->size = 3 * PAGE;
	r->code_start = base + PAGE;
	r->code_end = base + 2 * PAGE;
	r->applied_at = 1700000000;
	snprintf(r->name, sizeof(r->name), "evil");
}

/* One function redirected per thread: compute's entry. */
static void per_thread(struct ns_rec *r, uint64_t base)
{
	struct ns_rec_func *f = &r->funcs[0];
	uint64_t fn = (uint64_t)(uintptr_t)compute;

	r->mode = NS_MODE_PER_THREAD;
	r->pt.gens = base + 2 * PAGE;
	r->pt.plan = base + 2 * PAGE + 64;
	r->pt.plan_cap = 1024;
	r->pt.bypassed = 1;
	r->nfuncs = 1;
	r->applied_at = 1ULL << 62;
	snprintf(r->name, sizeof(r->name), "%s", EVIL_NAME);
	f->old_addr = fn;
	f->new_addr = base + PAGE + 64;
	f->disp = base + PAGE;
	f->entry = fn;
	f->prev = fn + 2;
	memcpy(f->saved, (const void *)(uintptr_t)(fn - 5), 7);
	f->saved_len = 7;
	snprintf(f->name, sizeof(f->name), "%s", "fn\x1b[31mred\r\x7f");
}

/* Fills the record of KIND; 0, or -1 if there is no such kind. */
static int fill(struct ns_rec *r, uint64_t base, const char *kind)
{
	base_record(r, base);
	if (!strcmp(kind, "escape") || !strcmp(kind, "damaged")) {
		per_thread(r, base);
		if (!strcmp(kind, "damaged"))
			r->size = 64 * PAGE;
	} else if (!strcmp(kind, "canary")) {
		r->nfuncs = 1;
		r->funcs[0].old_addr = (uint64_t)(uintptr_t)canary;
		r->funcs[0].new_addr = base + PAGE;
		memcpy(r->funcs[0].saved, "OVERWRITTEN!", 12);
		r->funcs[0].saved_len = 12;
		snprintf(r->funcs[0].name, NS_NAME_MAX, "canary");
	} else if (!strcmp(kind, "journal")) {
		r->gate = base + PAGE;
		r->journal = (uint64_t)(uintptr_t)scratch;
		r->journal_cap = sizeof(scratch);
	} else if (!strcmp(kind, "huge") || !strcmp(kind, "sweep")) {
		r->size = TASK_END - base;
		if (!strcmp(kind, "sweep"))
			r->state = NS_REC_REVERTING;
	} else if (!strcmp(kind, "counts")) {
		r->nfuncs = 100000;
	} else if (!strcmp(kind, "plain")) {
		snprintf(r->name, sizeof(r->name), "%s", EVIL_NAME);
	} else {
		return -1;
	}
	return 0;
}

static void forge(const char *kind)
{
	int fd = memfd_create("nonstop:evil", MFD_CLOEXEC);
	uint8_t *m;

	if (fd < 0 || ftruncate(fd, 3 * PAGE) < 0) {
		printf("error: memfd\n");
		return;
	}
	m = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED || nforged == sizeof(forged) / sizeof(*forged)) {
		printf("error: mmap\n");
		return;
	}
	if (fill((struct ns_rec *)m, (uint64_t)(uintptr_t)m, kind) < 0) {
		munmap(m, 3 * PAGE);
		printf("error: no kind %s\n", kind);
		return;
	}
	m[PAGE] = 0xc3;   /* ret: code, never run */
	mprotect(m, PAGE, PROT_READ);
	mprotect(m + PAGE, PAGE, PROT_READ | PROT_EXEC);
	forged[nforged++] = m;
	printf("ok %p\n", (void *)m);
}

static int command(const char *line)
{
	const char *arg;

	if ((arg = FIXTURE_ARG(line, "call ")))
		return printf("%d\n", compute(atoi(arg)));
	if (!strcmp(line, "name")) {
		prctl(PR_SET_NAME, "\x1b]2;x\x07\r\nEVIL", 0, 0, 0);
		return printf("ok\n");
	}
	if ((arg = FIXTURE_ARG(line, "forge "))) {
		forge(arg);
		return 1;
	}
	if (!strcmp(line, "drop")) {
		size_t n = nforged;

		while (nforged)
			munmap(forged[--nforged], 3 * PAGE);
		return printf("ok %zu\n", n);
	}
	if (!strcmp(line, "canary"))
		return printf("%.15s\n", canary);
	if (!strcmp(line, "scratch")) {
		unsigned long sum = 0;

		for (size_t i = 0; i < sizeof(scratch); i++)
			sum += scratch[i];
		return printf("%lu\n", sum);
	}
	return 0;
}

int main(void)
{
	fixture_init();
	printf("ready\n");
	return fixture_loop(command);
}
