/* snapshot.c — the target's memory as the unwinder reads it (snapshot.h).
 *
 * libdwfl asks for one word at a time. Served by a read of /proc/PID/mem
 * each, a sleeping thread's unwind costs a system call per frame and
 * more: that is what the whole process waits for during the pause. So,
 * each thread stopped, its live stack (from its stack pointer to the end
 * of the mapping holding it) is copied in one read, and the unwind of
 * that thread reads from the copy. A word outside the copy (a signal
 * stack, a frame deeper than the bound, a stack mapped after the bounds
 * were read) comes from a small cache of whole pages, as before.
 *
 * The bounds come from /proc/PID/maps, read before the threads stop. A
 * process can change its mappings in the meantime; the bounds only size
 * a read of the target's own memory, never anything else: a wrong one
 * costs a shorter copy (the rest is read page by page) or a longer one
 * (capped at SNAP_MAX). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc/maps.h"
#include "proc/mem.h"
#include "transition/snapshot.h"

#define SNAP_MAX     (256u * 1024)  /* most one thread's copy holds */
#define SNAP_UNKNOWN (16u * 1024)   /* copied when SP is in no known mapping */
#define CACHE_PAGES  16
#define PAGE         4096u

struct span {
	uint64_t start, end;
};

struct ns_snapshot {
	int      mem_fd;
	struct span *maps;       /* the process's mappings, in address order */
	size_t   nmaps;
	uint8_t *stack;          /* the copy of the last thread's stack */
	uint64_t stack_at;
	size_t   stack_len, stack_cap;
	uint64_t page_addr[CACHE_PAGES];  /* 0: empty */
	uint8_t  page[CACHE_PAGES][PAGE];
};

static int read_bounds(struct ns_snapshot *s, pid_t pid)
{
	struct ns_maps m;

	if (ns_maps_read(pid, &m) < 0)
		return 0;   /* no bounds: every copy is SNAP_UNKNOWN long */
	s->maps = calloc(m.n ? m.n : 1, sizeof(*s->maps));
	if (!s->maps) {
		ns_maps_free(&m);
		return -1;
	}
	for (size_t i = 0; i < m.n; i++)
		s->maps[i] = (struct span) { m.v[i].start, m.v[i].end };
	s->nmaps = m.n;
	ns_maps_free(&m);
	return 0;
}

struct ns_snapshot *ns_snapshot_new(pid_t pid, int mem_fd)
{
	struct ns_snapshot *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->mem_fd = mem_fd;
	if (read_bounds(s, pid) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

void ns_snapshot_free(struct ns_snapshot *s)
{
	if (!s)
		return;
	free(s->maps);
	free(s->stack);
	free(s);
}

void ns_snapshot_forget(struct ns_snapshot *s)
{
	memset(s->page_addr, 0, sizeof(s->page_addr));
	s->stack_len = 0;
}

/* How far the copy of a stack at SP goes: the end of SP's mapping. */
static size_t stack_extent(const struct ns_snapshot *s, uint64_t sp)
{
	size_t lo = 0, hi = s->nmaps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sp < s->maps[mid].start)
			hi = mid;
		else if (sp >= s->maps[mid].end)
			lo = mid + 1;
		else
			return s->maps[mid].end - sp > SNAP_MAX
			       ? SNAP_MAX : (size_t)(s->maps[mid].end - sp);
	}
	return SNAP_UNKNOWN;
}

size_t ns_snapshot_stack(struct ns_snapshot *s, uint64_t sp)
{
	size_t want = stack_extent(s, sp);
	ssize_t n;

	s->stack_len = 0;
	if (want > s->stack_cap) {
		uint8_t *p = realloc(s->stack, want);

		if (!p)
			return 0;   /* every word then comes page by page */
		s->stack = p;
		s->stack_cap = want;
	}
	/* One read; a short one (the mapping ended sooner than its bounds
	 * said) keeps what came. */
	do
		n = pread(s->mem_fd, s->stack, want, (off_t)sp);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0;
	s->stack_at = sp;
	s->stack_len = (size_t)n;
	return s->stack_len;
}

static bool page_word(struct ns_snapshot *s, uint64_t addr, uint64_t *word)
{
	uint64_t page = addr & ~(uint64_t)(PAGE - 1);
	size_t slot = (page / PAGE) % CACHE_PAGES;

	if (addr - page > PAGE - sizeof(*word)) /* straddles two pages */
		return ns_mem_read(s->mem_fd, addr, word, sizeof(*word)) == 0;
	if (s->page_addr[slot] != page) {
		if (ns_mem_read(s->mem_fd, page, s->page[slot], PAGE) < 0) {
			s->page_addr[slot] = 0;
			return ns_mem_read(s->mem_fd, addr, word,
					   sizeof(*word)) == 0;
		}
		s->page_addr[slot] = page;
	}
	memcpy(word, s->page[slot] + (addr - page), sizeof(*word));
	return true;
}

bool ns_snapshot_word(struct ns_snapshot *s, uint64_t addr, uint64_t *word)
{
	if (addr >= s->stack_at && s->stack_len >= sizeof(*word) &&
	    addr - s->stack_at <= s->stack_len - sizeof(*word)) {
		memcpy(word, s->stack + (addr - s->stack_at), sizeof(*word));
		return true;
	}
	return page_word(s, addr, word);
}
