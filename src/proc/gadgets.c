/* gadgets.c — finding, in the target's executable memory, the code nonstop
 * borrows (see gadgets.h): a `syscall; ret` for its system calls, and
 * glibc's signal restorer, the return address of the signal frame that
 * brings a borrowed thread back (sigframe.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "util/err.h"
#include "proc/gadgets.h"
#include "proc/maps.h"
#include "proc/mem.h"
#include "registry/mapname.h"

static const uint8_t SYSCALL_RET[] = { 0x0f, 0x05, 0xc3 };  /* syscall; ret */
/* glibc's __restore_rt: mov $15 (rt_sigreturn), %rax; syscall
 * (NS_RESTORER_LEN bytes) */
static const uint8_t SIGRETURN[] = { 0x48, 0xc7, 0xc0, 0x0f, 0, 0, 0, 0x0f, 0x05 };
_Static_assert(sizeof(SIGRETURN) == NS_RESTORER_LEN, "restorer length");

/* Mappings a gadget may not come from: nonstop's own (revert unmaps them
 * under the borrowed thread's feet) and the vsyscall page (executing it
 * anywhere but at its entry points faults). */
static bool gadget_source(const struct ns_map *m)
{
	return (m->prot & PROT_EXEC) && !strstr(m->path, NS_REC_MAPNAME) &&
	       strcmp(m->path, "[vsyscall]") && m->end - m->start <= (64u << 20);
}

static void scan(const uint8_t *buf, size_t len, uint64_t at,
		 struct ns_gadgets *g)
{
	const uint8_t *p;

	if (!g->syscall && (p = memmem(buf, len, SYSCALL_RET, 3)))
		g->syscall = at + (uint64_t)(p - buf);
	if (!g->sigreturn && (p = memmem(buf, len, SIGRETURN, sizeof(SIGRETURN))))
		g->sigreturn = at + (uint64_t)(p - buf);
}

/* How much executable memory the search for gadgets reads at most: the
 * target chooses how many mappings it has (tens of thousands) and how
 * large; glibc's restorer is in the first few megabytes of libc. */
#define GADGET_SCAN_MAX (256u << 20)

/* The search reads a mapping a chunk at a time and stops once both are
 * found: glibc's restorer lies a few hundred kilobytes into libc's code,
 * which used to be read whole (1.4 MB, a fifth of an apply's CPU time). */
#define CHUNK (64u << 10)

/* Scans M for the gadgets not found yet, a chunk at a time, each chunk
 * overlapping the last by a gadget's length less one. */
static void scan_mapping(struct ns_tracee *tr, const struct ns_map *m,
			 uint8_t *buf, struct ns_gadgets *g)
{
	const size_t overlap = sizeof(SIGRETURN) - 1;

	for (uint64_t at = m->start; at < m->end && !(g->syscall && g->sigreturn);) {
		size_t len = m->end - at < CHUNK ? (size_t)(m->end - at) : CHUNK;

		if (ns_mem_read(tr->mem_fd, at, buf, len) < 0)
			return;
		scan(buf, len, at, g);
		if (at + len >= m->end)
			return;
		at += len - overlap;
	}
}

/* Where each gadget was last found in a file (device, inode, offset):
 * the processes of a host that map the same libc have them at the same
 * place of the same file, and the search through libc's code is the
 * costly part (on some kernels the vDSO has no `syscall; ret`: libc's
 * first one lies 450 KB into its code). Process-wide on purpose: a
 * worker of a host-wide command finds them in its first process and only
 * checks them in the next (host/jobs.h); only ever a guess, checked
 * against the target's own bytes before it is used. */
struct hint {
	bool set;
	uint64_t dev, inode, off;
};
static struct hint syscall_hint, restorer_hint;

/* The mapping of MAPS holding file offset OFF of (DEV, INODE), executable,
 * or NULL. */
static const struct ns_map *file_place(const struct ns_maps *maps,
				       const struct hint *h)
{
	for (size_t i = 0; i < maps->n; i++) {
		const struct ns_map *m = &maps->v[i];

		if (m->inode == h->inode && m->dev == h->dev &&
		    (m->prot & PROT_EXEC) && gadget_source(m) &&
		    h->off >= m->offset && h->off - m->offset < m->end - m->start)
			return m;
	}
	return NULL;
}

/* The address where hint H says the LEN bytes WANT are, if the target has
 * them there; else 0. */
static uint64_t try_hint(struct ns_tracee *tr, const struct ns_maps *maps,
			 const struct hint *h, const uint8_t *want, size_t len)
{
	const struct ns_map *m;
	uint8_t b[16];
	uint64_t at;

	if (!h->set || len > sizeof(b) || !(m = file_place(maps, h)))
		return 0;
	at = m->start + (h->off - m->offset);
	if (at + len <= m->end && ns_mem_read(tr->mem_fd, at, b, len) == 0 &&
	    !memcmp(b, want, len))
		return at;
	return 0;
}

/* Remembers where ADDR lies, if in a file. */
static void remember(const struct ns_maps *maps, uint64_t addr, struct hint *h)
{
	const struct ns_map *m = addr ? ns_maps_find(maps, addr) : NULL;

	if (!m || !m->inode)
		return;
	h->dev = m->dev;
	h->inode = m->inode;
	h->off = m->offset + (addr - m->start);
	h->set = true;
}

/* Finds `syscall; ret` (the vDSO first: it is small) and glibc's signal
 * restorer in the target's executable memory. */
int ns_remote_find_gadgets(struct ns_tracee *tr, struct ns_gadgets *g)
{
	struct ns_maps maps;
	size_t budget = GADGET_SCAN_MAX;
	bool hinted;
	uint8_t *buf;

	memset(g, 0, sizeof(*g));
	if (ns_maps_read(tr->pid, &maps) < 0) {
		ns_err_set(tr->err, "cannot read the maps of "
			 "process %d", tr->pid);
		return -1;
	}
	g->syscall = try_hint(tr, &maps, &syscall_hint, SYSCALL_RET,
			      sizeof(SYSCALL_RET));
	g->sigreturn = try_hint(tr, &maps, &restorer_hint, SIGRETURN,
				sizeof(SIGRETURN));
	hinted = g->syscall && g->sigreturn;
	buf = malloc(CHUNK);
	for (int pass = 0; buf && pass < 2; pass++) {
		for (size_t i = 0; i < maps.n; i++) {
			const struct ns_map *m = &maps.v[i];
			bool vdso = !strcmp(m->path, "[vdso]");
			size_t len = m->end - m->start;

			if (!gadget_source(m) || vdso != (pass == 0) ||
			    (g->syscall && g->sigreturn) || len > budget)
				continue;
			budget -= len;
			scan_mapping(tr, m, buf, g);
		}
	}
	free(buf);
	if (!hinted) {
		remember(&maps, g->syscall, &syscall_hint);
		remember(&maps, g->sigreturn, &restorer_hint);
	}
	ns_maps_free(&maps);
	if (!g->syscall) {
		ns_err_set(tr->err, "no `syscall; ret` "
			 "instruction sequence found in process %d", tr->pid);
		return -1;
	}
	return 0;
}
