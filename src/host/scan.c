/* scan.c — finding the processes a host-wide command acts on (scan.h).
 *
 * The build-id of each mapped file is read once per command, whatever the
 * number of processes that map it: a cache keyed by the device and inode
 * the maps line gives (hundreds of processes of one program map the same
 * few files). Only a mapping at file offset 0 is looked at: every ELF
 * module has one, holding its headers and the note with its build-id. */
#include <ctype.h>
#include <dirent.h>
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "host/scan.h"
#include "proc/mapfile.h"
#include "proc/maps.h"

#define CACHE_BUCKETS 1024

struct idcache_ent {
	uint64_t dev, inode;
	uint8_t  id[NS_HOST_ID_MAX];
	size_t   len;                /* 0: no build-id (or not ELF, unreadable) */
	struct idcache_ent *next;
};

struct idcache {
	struct idcache_ent *b[CACHE_BUCKETS];
};

static void idcache_free(struct idcache *c)
{
	for (size_t i = 0; i < CACHE_BUCKETS; i++)
		while (c->b[i]) {
			struct idcache_ent *e = c->b[i];

			c->b[i] = e->next;
			free(e);
		}
}

/* The build-id in FD's ELF notes (0: none, or not ELF). Read, not mapped:
 * the file is the target's, and a mapped file its owner truncates kills
 * the reader with SIGBUS. */
static size_t read_build_id(int fd, uint8_t *id)
{
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	const void *p;
	ssize_t n = -1;

	if (elf && elf_kind(elf) == ELF_K_ELF)
		n = dwelf_elf_gnu_build_id(elf, &p);
	if (n > 0 && n <= NS_HOST_ID_MAX)
		memcpy(id, p, (size_t)n);
	else
		n = 0;
	elf_end(elf);
	return (size_t)n;
}

/* The build-id of the file M of PID maps, from the cache or read. NULL
 * when out of memory. */
static const struct idcache_ent *build_id_of(struct idcache *c, pid_t pid,
					     const struct ns_map *m)
{
	size_t h = (size_t)((m->dev * 31 + m->inode) % CACHE_BUCKETS);
	struct idcache_ent *e;
	struct ns_err err = { 0 };
	int fd;

	for (e = c->b[h]; e; e = e->next)
		if (e->dev == m->dev && e->inode == m->inode)
			return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->dev = m->dev;
	e->inode = m->inode;
	fd = ns_mapfile_open(pid, m, &err);
	if (fd >= 0) {
		e->len = read_build_id(fd, e->id);
		close(fd);
	}
	e->next = c->b[h];
	c->b[h] = e;
	return e;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* A mapping that may be an ELF module's headers: a file on a file system
 * (deleted too: the process runs it), not nonstop's memory. */
static bool is_module_head(const struct ns_map *m)
{
	return m->offset == 0 && m->inode && m->path[0] == '/' &&
	       strncmp(m->path, "/memfd:", 7) != 0;
}

/* Whether the file M maps has an executable mapping in MAPS: a module
 * the process runs, not a file it merely read with mmap (a nonstop
 * reading that program's ELF, a backup tool). */
static bool runs_file(const struct ns_maps *maps, const struct ns_map *m)
{
	for (size_t i = 0; i < maps->n; i++)
		if ((maps->v[i].prot & PROT_EXEC) && maps->v[i].inode == m->inode &&
		    maps->v[i].dev == m->dev)
			return true;
	return false;
}

#define MAX_FUSE 64

/* The devices of PID's FUSE mounts (its /proc/PID/mountinfo, which the
 * kernel writes): a file there is served by a daemon, perhaps the
 * target's owner's, that could keep an open or a read of it waiting for
 * ever. Such files are never opened by the scan (a module on FUSE is not
 * found). How many, in DEVS. */
static size_t fuse_devs(pid_t pid, uint64_t *devs)
{
	char fn[64], line[1024];
	size_t n = 0;
	FILE *f;

	snprintf(fn, sizeof(fn), "/proc/%d/mountinfo", (int)pid);
	f = fopen(fn, "re");
	if (!f)
		return 0;
	while (n < MAX_FUSE && fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		const char *sep = strstr(line, " - ");

		if (sep && !strncmp(sep + 3, "fuse", 4) &&
		    sscanf(line, "%*u %*u %u:%u", &maj, &min) == 2)
			devs[n++] = makedev(maj, min);
	}
	fclose(f);
	return n;
}

static bool on_fuse(const struct ns_map *m, const uint64_t *devs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (devs[i] == m->dev)
			return true;
	return false;
}

/* What PID maps, as F asks: NS_HOST_MATCH, NS_HOST_OTHER (P->other_id
 * filled), or 0. */
static int judge_module(const struct ns_host_filter *f, struct idcache *c,
			pid_t pid, const struct ns_maps *maps,
			struct ns_host_proc *p)
{
	uint64_t fuse[MAX_FUSE];
	size_t nfuse = fuse_devs(pid, fuse);
	int kind = 0;

	for (size_t i = 0; i < maps->n; i++) {
		const struct ns_map *m = &maps->v[i];
		const struct idcache_ent *e;

		if (!is_module_head(m) || !runs_file(maps, m) ||
		    on_fuse(m, fuse, nfuse))
			continue;
		e = build_id_of(c, pid, m);
		if (!e)
			return -1;
		if (e->len == f->build_id_len &&
		    !memcmp(e->id, f->build_id, e->len))
			return NS_HOST_MATCH;
		if (!kind && e->len && f->name && *f->name &&
		    !strcmp(base_name(m->path), f->name)) {
			kind = NS_HOST_OTHER;
			memcpy(p->other_id, e->id, e->len);
			p->other_id_len = e->len;
		}
	}
	return kind;
}

/* Whether nonstop is in PID: patch memory, or libnonstop. */
static int judge_nonstop(const struct ns_maps *maps)
{
	for (size_t i = 0; i < maps->n; i++) {
		const char *path = maps->v[i].path;

		if (!strncmp(path, "/memfd:nonstop:", 15) ||
		    (path[0] == '/' && !strncmp(base_name(path), "libnonstop.so", 13)))
			return NS_HOST_MATCH;
	}
	return 0;
}

/* The effective uid (Uid: line of /proc/PID/status) and name of PID. */
static int read_ids(pid_t pid, struct ns_host_proc *p)
{
	char fn[64], line[256];
	unsigned long ruid, euid;
	bool found = false;
	FILE *f;

	snprintf(fn, sizeof(fn), "/proc/%d/status", (int)pid);
	f = fopen(fn, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Name:\t", 6)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(p->comm, sizeof(p->comm), "%.16s", line + 6);
		} else if (sscanf(line, "Uid: %lu %lu", &ruid, &euid) == 2) {
			p->uid = (uid_t)euid;
			found = true;
			break;
		}
	}
	fclose(f);
	return found ? 0 : -1;
}

/* Whether PID runs the same program as this nonstop: another nonstop
 * (its own memory holds patches being prepared), never a target. */
static bool is_nonstop(pid_t pid, const struct stat *self)
{
	char fn[64];
	struct stat st;

	snprintf(fn, sizeof(fn), "/proc/%d/exe", (int)pid);
	return stat(fn, &st) == 0 && st.st_dev == self->st_dev &&
	       st.st_ino == self->st_ino;
}

static bool excluded(const struct ns_host_filter *f, pid_t pid)
{
	for (size_t i = 0; i < f->nexclude; i++)
		if (f->exclude[i] == pid)
			return true;
	return false;
}

static int add(struct ns_host_list *l, size_t *cap, const struct ns_host_proc *p)
{
	if (l->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct ns_host_proc *nv = realloc(l->v, nc * sizeof(*nv));

		if (!nv)
			return -1;
		l->v = nv;
		*cap = nc;
	}
	l->v[l->n++] = *p;
	return 0;
}

/* Looks at PID: adds it to L if F selects it. -1 out of memory. */
static int look_at(const struct ns_host_filter *f, struct idcache *c,
		   const struct stat *self, pid_t pid, struct ns_host_list *l,
		   size_t *cap)
{
	struct ns_host_proc p = { .pid = pid };
	struct ns_maps maps;
	int kind, rc = 0;

	if (read_ids(pid, &p) < 0 || (f->by_uid && p.uid != f->uid))
		return 0;   /* gone, or not selected */
	if (ns_maps_read(pid, &maps) < 0) {
		l->unreadable += errno != ENOENT && errno != ESRCH;
		return 0;
	}
	kind = f->build_id ? judge_module(f, c, pid, &maps, &p)
			   : judge_nonstop(&maps);
	ns_maps_free(&maps);
	if (kind > 0 && self && is_nonstop(pid, self))
		kind = 0;
	if (kind < 0)
		return -1;
	p.kind = kind;
	if (kind)
		rc = add(l, cap, &p);
	return rc;
}

static int by_pid(const void *a, const void *b)
{
	const struct ns_host_proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

int ns_host_scan(const struct ns_host_filter *f, struct ns_host_list *out,
		 struct ns_err *err)
{
	struct idcache *c = calloc(1, sizeof(*c));
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t cap = 0;
	pid_t self = getpid();
	struct stat exe;
	bool have_exe = stat("/proc/self/exe", &exe) == 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	elf_version(EV_CURRENT);
	if (!c || !d) {
		ns_err_set(err, "cannot read /proc: %s", strerror(errno));
		goto out;
	}
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (!isdigit((unsigned char)de->d_name[0]) || *end ||
		    pid <= 0 || pid > INT32_MAX || pid == self ||
		    excluded(f, (pid_t)pid))
			continue;
		if (look_at(f, c, have_exe ? &exe : NULL, (pid_t)pid, out,
			    &cap) < 0) {
			ns_err_set(err, "out of memory");
			goto out;
		}
	}
	qsort(out->v, out->n, sizeof(*out->v), by_pid);
	rc = 0;
out:
	if (d)
		closedir(d);
	if (c)
		idcache_free(c);
	free(c);
	if (rc)
		ns_host_list_free(out);
	return rc;
}

void ns_host_list_free(struct ns_host_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}
