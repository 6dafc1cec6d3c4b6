/* shadow_map.c — the "nonstop:shadow" mapping: finding it, creating it on
 * a patch's first need, and dropping it after a failed apply that created
 * it (see shadow_map.h). */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "nonstop.h"

#include "core/mapping.h"
#include "core/shadow_map.h"
#include "link/shadow_root.h"
#include "proc/maps.h"
#include "proc/mem.h"
#include "proc/remote.h"
#include "registry/registry.h"

_Static_assert(NS_SHADOW_MAP_ROOT + sizeof(struct nonstop__shadow_root) <=
	       NS_SHADOW_MAP_SIZE, "the root fits in the mapping");

/* "/memfd:nonstop:shadow", as /proc/PID/maps shows it (" (deleted)"). */
static bool is_shadow_path(const char *path)
{
	const char *want = "/memfd:" NS_REC_MAPNAME NS_SHADOW_MAP_NAME;
	size_t n = strlen(want);

	return !strncmp(path, want, n) &&
	       (!path[n] || !strcmp(path + n, " (deleted)"));
}

/* The root in an existing mapping: named for it, and with its magic (a
 * patch may have been named "shadow" too: its mapping holds a record). */
static int find_map(struct ns_tracee *tr, uint64_t *root)
{
	struct ns_maps maps;
	int rc = 1;

	if (ns_maps_read(tr->pid, &maps) < 0)
		return -1;
	for (size_t i = 0; i < maps.n && rc == 1; i++) {
		const struct ns_map *m = &maps.v[i];
		char magic[8];

		if (!is_shadow_path(m->path) || m->offset != 0 ||
		    m->end - m->start < NS_SHADOW_MAP_SIZE ||
		    ns_mem_read(tr->mem_fd, m->start, magic, sizeof(magic)) < 0 ||
		    memcmp(magic, NS_SHADOW_MAP_MAGIC, sizeof(magic)))
			continue;
		*root = m->start + NS_SHADOW_MAP_ROOT;
		rc = 0;
	}
	ns_maps_free(&maps);
	return rc;
}

/* Maps a new one, with a borrowed thread, and writes its magic: from then
 * on it is the process's root (*CREATED), even if giving the thread back
 * fails. */
static int create_map(struct ns_tracee *tr, uint64_t *root, bool *created)
{
	struct ns_err *err = tr->err;
	struct ns_remote rs;
	uint64_t addr;
	int64_t r;
	int rc = -1;

	if (ns_remote_begin(&rs, tr, NULL) < 0)
		return -1;
	if (ns_mapping_memfd(&rs, NS_SHADOW_MAP_NAME, 0, NS_SHADOW_MAP_SIZE,
			     PROT_READ | PROT_WRITE, &addr) < 0)
		goto out;
	if (ns_mem_write(tr->mem_fd, addr, NS_SHADOW_MAP_MAGIC, 8) < 0) {
		ns_err_set(err, "cannot write to process %d: the "
			 "shadow-variable root", (int)tr->pid);
		ns_remote_syscall(&rs, SYS_munmap, &r, addr, NS_SHADOW_MAP_SIZE,
				  0, 0, 0, 0);
		goto out;
	}
	*root = addr + NS_SHADOW_MAP_ROOT;
	*created = true;
	rc = 0;
out:
	if (ns_remote_end(&rs, false) < 0 && rc == 0) {
		rc = -1;
	}
	return rc;
}

int ns_shadow_root_find(struct ns_tracee *tr, struct ns_target *t,
			struct ns_module *m, uint64_t *root)
{
	if (ns_link_find_shadow_root(t, m, root) == 0)
		return 0;
	return find_map(tr, root);
}

int ns_shadow_root_create(struct ns_tracee *tr, uint64_t *root, bool *created)
{

	*created = false;
	return create_map(tr, root, created);
}

void ns_shadow_root_drop_unused(struct ns_tracee *tr, uint64_t root)
{
	static const struct nonstop__shadow_root empty;
	struct nonstop__shadow_root now;
	struct ns_remote rs;
	int64_t r;

	if (ns_mem_read(tr->mem_fd, root, &now, sizeof(now)) < 0 ||
	    memcmp(&now, &empty, sizeof(now)))
		return;
	if (ns_remote_begin(&rs, tr, NULL) < 0)
		return;
	ns_remote_syscall(&rs, SYS_munmap, &r, root - NS_SHADOW_MAP_ROOT,
			  NS_SHADOW_MAP_SIZE, 0, 0, 0, 0);
	ns_remote_end(&rs, false);
}
