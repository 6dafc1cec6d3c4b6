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
#include <sys/vfs.h>
#include <unistd.h>

#include "host/scan.h"
#include "proc/mapfile.h"
#include "proc/maps.h"
#include "proc/pidstat.h"
#include "proc/pidstatus.h"
#include "util/guard.h"

#define CACHE_BUCKETS 1024

struct idcache_ent {
	/* the file as fstat(2) of the opened descriptor gives it: not the
	 * maps line's numbers, which a file system may repeat (btrfs
	 * subvolumes) */
	uint64_t dev, inode, size;
	int64_t  mtime_s, mtime_ns;
	uint8_t  id[NS_HOST_ID_MAX];
	size_t   len;                /* 0: no build-id (or not ELF) */
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

#define MODULE_MAX ((off_t)1 << 30)

static bool same_file(const struct idcache_ent *e, const struct stat *st)
{
	return e->dev == st->st_dev && e->inode == st->st_ino &&
	       e->size == (uint64_t)st->st_size &&
	       e->mtime_s == st->st_mtim.tv_sec &&
	       e->mtime_ns == st->st_mtim.tv_nsec;
}

/* The build-id of the file M of PID maps (opened the careful way,
 * proc/mapfile.h), from the cache or read: *OUT. 0; 1 the file could not
 * be opened (the process cannot be judged: never cached, so that one
 * process unmapping a file cannot hide the others that map it); -1 out of
 * memory. */
static int build_id_of(struct idcache *c, pid_t pid, const struct ns_map *m,
		       const struct idcache_ent **out)
{
	struct ns_err err = { 0 };
	struct idcache_ent *e;
	struct stat st;
	size_t h;
	int fd = ns_mapfile_open(pid, m, &err);

	if (fd < 0)
		return 1;
	/* A module is never this large; a sparse file claiming to be one
	 * would have root read gigabytes of it. */
	if (fstat(fd, &st) < 0 || st.st_size > MODULE_MAX) {
		close(fd);
		return 1;
	}
	h = (size_t)((st.st_dev * 31 + st.st_ino) % CACHE_BUCKETS);
	for (e = c->b[h]; e; e = e->next)
		if (same_file(e, &st)) {
			close(fd);
			*out = e;
			return 0;
		}
	e = calloc(1, sizeof(*e));
	if (!e) {
		close(fd);
		return -1;
	}
	e->dev = st.st_dev;
	e->inode = st.st_ino;
	e->size = (uint64_t)st.st_size;
	e->mtime_s = st.st_mtim.tv_sec;
	e->mtime_ns = st.st_mtim.tv_nsec;
	e->len = read_build_id(fd, e->id);
	close(fd);
	e->next = c->b[h];
	c->b[h] = e;
	*out = e;
	return 0;
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

struct file_id {
	uint64_t dev, inode;
};

static int by_file(const void *a, const void *b)
{
	const struct file_id *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return (x->inode > y->inode) - (x->inode < y->inode);
}

/* The files MAPS maps executable, sorted (*OUT, *N): the modules the
 * process runs, not files it merely read with mmap (a nonstop reading
 * that program's ELF, a backup tool). Sorted once, searched per mapping:
 * a process may have tens of thousands of mappings. -1 out of memory. */
static int exec_files(const struct ns_maps *maps, struct file_id **out,
		      size_t *n)
{
	struct file_id *v = malloc((maps->n ? maps->n : 1) * sizeof(*v));

	*n = 0;
	if (!v)
		return -1;
	for (size_t i = 0; i < maps->n; i++)
		if ((maps->v[i].prot & PROT_EXEC) && maps->v[i].inode)
			v[(*n)++] = (struct file_id){ maps->v[i].dev, maps->v[i].inode };
	qsort(v, *n, sizeof(*v), by_file);
	*out = v;
	return 0;
}

static bool runs_file(const struct file_id *v, size_t n, const struct ns_map *m)
{
	struct file_id k = { m->dev, m->inode };

	return bsearch(&k, v, n, sizeof(*v), by_file) != NULL;
}

/* Whether the file M maps is on a FUSE file system: served by a daemon,
 * perhaps the target's owner's, that could keep an open or a read of it
 * waiting for ever. Such a file is never opened by the scan (a module on
 * FUSE is not found). Told by the kernel's FUSE connections (a directory
 * per mount, named by its anonymous device's minor number, in fusectl:
 * unmounted lazily too), else by PID's mountinfo (the kernel's). */
#define FUSECTL_MAGIC 0x65735543

static bool on_fuse(pid_t pid, const struct ns_map *m)
{
	char fn[96], *line = NULL;
	size_t cap = 0;
	bool fuse = false;
	FILE *f;

	struct statfs sf;

	if (major(m->dev) != 0)
		return false;   /* FUSE devices are anonymous (fuseblk aside) */
	if (statfs("/sys/fs/fuse/connections", &sf) == 0 &&
	    sf.f_type == FUSECTL_MAGIC) {
		snprintf(fn, sizeof(fn), "/sys/fs/fuse/connections/%u",
			 minor(m->dev));
		return access(fn, F_OK) == 0;
	}
	snprintf(fn, sizeof(fn), "/proc/%d/mountinfo", (int)pid);
	f = fopen(fn, "re");
	if (!f)
		return true;    /* cannot tell: not opened */
	while (!fuse && getline(&line, &cap, f) > 0) {
		unsigned maj, min;
		const char *sep = strstr(line, " - ");

		fuse = sep && !strncmp(sep + 3, "fuse", 4) &&
		       sscanf(line, "%*u %*u %u:%u", &maj, &min) == 2 &&
		       makedev(maj, min) == m->dev;
	}
	free(line);
	fclose(f);
	return fuse;
}

/* A module's file name, without the " (deleted)" the kernel adds to a
 * file removed since it was mapped (a package upgrade). */
static bool same_name(const char *path, const char *name)
{
	const char *b = base_name(path);
	size_t n = strlen(name);

	return !strncmp(b, name, n) && (!b[n] || !strcmp(b + n, " (deleted)"));
}

/* What PID maps, as F asks: NS_HOST_MATCH, NS_HOST_OTHER (P->other_id
 * filled), 0, NS_HOST_UNJUDGED (a module file could not be opened), or -1
 * (out of memory). */
static int judge_module(const struct ns_host_filter *f, struct idcache *c,
			pid_t pid, const struct ns_maps *maps,
			struct ns_host_proc *p)
{
	struct file_id *ex;
	size_t nex;
	int kind = 0;

	if (exec_files(maps, &ex, &nex) < 0)
		return -1;
	for (size_t i = 0; i < maps->n && kind != NS_HOST_MATCH; i++) {
		const struct ns_map *m = &maps->v[i];
		const struct idcache_ent *e = NULL;
		int rc;

		if (!is_module_head(m) || !runs_file(ex, nex, m) || on_fuse(pid, m))
			continue;
		rc = build_id_of(c, pid, m, &e);
		if (rc < 0) {
			kind = -1;
			break;
		}
		if (rc > 0) {
			if (!kind)
				kind = NS_HOST_UNJUDGED;
			continue;
		}
		if (e->len == f->build_id_len && !memcmp(e->id, f->build_id, e->len))
			kind = NS_HOST_MATCH;
		else if ((!kind || kind == NS_HOST_UNJUDGED) && e->len && f->name &&
			 *f->name && same_name(m->path, f->name)) {
			kind = NS_HOST_OTHER;
			memcpy(p->other_id, e->id, e->len);
			p->other_id_len = e->len;
		}
	}
	free(ex);
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

uint64_t ns_host_start_time(pid_t pid)
{
	struct ns_pidstat st;

	return ns_pidstat_read(pid, 0, &st) == 0 ? st.start : 0;
}

/* The effective uid and the name of PID. */
static int read_ids(pid_t pid, struct ns_host_proc *p)
{
	struct ns_pidstatus st;

	if (ns_pidstatus_read(pid, &st) < 0)
		return -1;
	p->uid = (uid_t)st.uid[1];
	memcpy(p->comm, st.name, sizeof(p->comm));
	return 0;
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

	p.start = ns_host_start_time(pid);
	if (!p.start || read_ids(pid, &p) < 0 || (f->by_uid && p.uid != f->uid))
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
	if (kind == NS_HOST_UNJUDGED) {
		l->unreadable++;   /* could not be judged: said, never hidden */
		return 0;
	}
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
	ns_guard_cap_data();   /* libelf allocates what the files say */
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
