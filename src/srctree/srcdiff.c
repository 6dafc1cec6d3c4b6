/* srcdiff.c — the source-diff workflow: from the user's source tree and a
 * fix (a unified diff) to two build trees the generator can compare.
 *
 *   DIR ──cp -a──► WORK/old ──CMD──► built original
 *                  WORK/old ──cp -a──► WORK/new ──patch (line-neutral)──► CMD
 *
 * DIR itself is only read. WORK/new is a copy with the timestamps kept, so
 * CMD rebuilds only what the fix touches. The fix is applied line-neutral
 * (fixapply.c); this file runs the steps, finds the program CMD built and
 * counts the objects the rebuild changed.
 *
 * WORK is private (workdir.c): every file written there is created anew by
 * this run, and every tool (cp, patch, diff, CMD) runs inside it, given
 * paths relative to it; what nonstop reads back of its own files (logs, the
 * exact diff) is read through the descriptor it wrote them with. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "srctree/fixapply.h"
#include "srctree/srcdiff.h"
#include "srctree/workdir.h"
#include "srctree/worklog.h"
#include "util/err.h"

/* What a run creates in WORK, removed before --work WORK is reused (every
 * file is created O_EXCL, one per step). */
static const char *const made[] = {
	"old", "new", "copy-old.log", "copy-new.log", "build-old.log", "build-new.log",
	"patch-p1.log", "patch-p0.log", "patch.log", "patch-line-neutral.log",
	"fix.exact.diff", NS_FIX_NEUTRAL, NULL
};

char *ns_srcdiff_read_file(const char *path, size_t *len, struct ns_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;

	if (fd < 0) {
		ns_err_set(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!(buf = ns_read_fd(fd, len)))
		ns_err_set(err, "%s: %s", path, strerror(errno));
	close(fd);
	return buf;
}

static int is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* cp -a FROM/. WORK/TO, logged to WORK/LOGNAME. */
static int copy_tree(const struct ns_workdir *w, const char *from, const char *to,
		     const char *logname, struct ns_err *err)
{
	struct ns_worklog l;
	char *src = NULL;
	int rc;

	if (mkdirat(w->fd, to, 0700))
		return ns_err_set(err, "cannot create %s/%s: %s", w->path, to,
			       strerror(errno));
	if (ns_worklog_open(w, logname, &l, err))
		return -1;
	if (asprintf(&src, "%s/.", from) < 0) {
		ns_worklog_close(&l);
		return ns_err_set(err, "out of memory");
	}
	char *args[] = { "cp", "-a", "--", src, (char *)to, NULL };
	rc = ns_workdir_run(w, NULL, l.fd, args);
	free(src);
	if (rc) {
		ns_worklog_show_tail(&l, 10);
		ns_err_set(err, "copying %s%s%s to %s/%s failed (output in %s)",
			from[0] == '/' ? "" : w->path, from[0] == '/' ? "" : "/", from,
			w->path, to, l.path);
	}
	ns_worklog_close(&l);
	return rc ? -1 : 0;
}

/* ---- finding files in a tree (nftw has no user pointer) ----------------- */

static struct {
	time_t start;
	size_t rootlen;
	char **paths;
	size_t n, cap;
	int newer;         /* only files modified at or after start */
	int objects;       /* *.o instead of executables */
} scan;

static int scan_add(const char *path)
{
	if (scan.n == scan.cap) {
		char **p2 = realloc(scan.paths, (scan.cap = scan.cap ? 2 * scan.cap : 16) *
				    sizeof(*p2));
		if (!p2)
			return -1;
		scan.paths = p2;
	}
	if (!(scan.paths[scan.n] = strdup(path + scan.rootlen + 1)))
		return -1;
	scan.n++;
	return 0;
}

static int scan_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	unsigned char h[18];
	size_t n = strlen(path);
	FILE *f;

	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	if (scan.objects)
		return n > 2 && !strcmp(path + n - 2, ".o") ? scan_add(path) : 0;
	if (!(st->st_mode & S_IXUSR) || (scan.newer && st->st_mtime < scan.start))
		return 0;
	if (!(f = fopen(path, "r")))
		return 0;
	n = fread(h, 1, sizeof(h), f);
	fclose(f);
	if (n == sizeof(h) && !memcmp(h, "\177ELF", 4) && (h[16] == 2 || h[16] == 3) &&
	    h[17] == 0)
		return scan_add(path);
	return 0;
}

static void scan_reset(void)
{
	for (size_t i = 0; i < scan.n; i++)
		free(scan.paths[i]);
	free(scan.paths);
	memset(&scan, 0, sizeof(scan));
}

static int scan_tree(const char *root)
{
	scan.rootlen = strlen(root);
	return nftw(root, scan_cb, 32, FTW_PHYS);
}

/* The program CMD built in OLD: the one executable ELF file written since
 * START, else the only one in the tree. */
static int find_binary(const char *old, time_t start, char **out,
		       struct ns_err *err)
{
	char list[512] = "";
	int rc = -1;

	for (int pass = 0; pass < 2; pass++) {
		scan_reset();
		scan.start = start;
		scan.newer = pass == 0;
		if (scan_tree(old)) {
			ns_err_set(err, "cannot scan %s", old);
			goto out;
		}
		if (scan.n == 1) {
			if (asprintf(out, "%s/%s", old, scan.paths[0]) < 0)
				ns_err_set(err, "out of memory");
			else
				rc = 0;
			goto out;
		}
		if (scan.n > 1)
			break;
	}
	for (size_t i = 0; i < scan.n && strlen(list) < sizeof(list) - 64; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i ? ", " : "", scan.paths[i]);
	if (scan.n)
		ns_err_set(err, "the build produced several programs (%s); name one with "
			"--binary (relative to the source tree)", list);
	else
		ns_err_set(err, "the build produced no executable ELF file; name the "
			"program with --binary (relative to the source tree)");
out:
	scan_reset();
	return rc;
}

/* Objects of NEW that are not in OLD or whose mtime differs. */
static unsigned count_changed(const char *old, const char *new, int verbose)
{
	unsigned changed = 0;

	scan_reset();
	scan.objects = 1;
	if (scan_tree(new)) {
		scan_reset();
		return 0;
	}
	for (size_t i = 0; i < scan.n; i++) {
		struct stat so, sn;
		char *po = NULL, *pn = NULL;

		if (asprintf(&po, "%s/%s", old, scan.paths[i]) >= 0 &&
		    asprintf(&pn, "%s/%s", new, scan.paths[i]) >= 0 && !stat(pn, &sn) &&
		    (stat(po, &so) || so.st_mtim.tv_sec != sn.st_mtim.tv_sec ||
		     so.st_mtim.tv_nsec != sn.st_mtim.tv_nsec || so.st_size != sn.st_size)) {
			changed++;
			if (verbose)
				printf("  rebuilt %s\n", scan.paths[i]);
		}
		free(po);
		free(pn);
	}
	scan_reset();
	return changed;
}

/* ---- the steps ---------------------------------------------------------- */

/* Runs CMD in WORK/SUB, logged to WORK/NAME.log. */
static int build(const struct ns_workdir *w, const char *what, const char *sub,
		 const char *name, const char *cmd, struct ns_err *err)
{
	char logname[64];
	char *args[] = { "sh", "-c", (char *)cmd, NULL };
	struct ns_worklog l;
	int rc;

	snprintf(logname, sizeof(logname), "%s.log", name);
	if (ns_worklog_open(w, logname, &l, err))
		return -1;
	rc = ns_workdir_run(w, sub, l.fd, args);
	if (rc) {
		ns_worklog_show_tail(&l, 15);
		ns_err_set(err, "%s: '%s' in %s/%s failed (exit %d; output in %s)",
			what, cmd, w->path, sub, rc, l.path);
	}
	ns_worklog_close(&l);
	return rc ? -1 : 0;
}

/* True if path A is B or inside B (both real paths). */
static int inside(const char *a, const char *b)
{
	size_t n = strlen(b);

	return !strncmp(a, b, n) && (a[n] == '\0' || a[n] == '/' || (n == 1 && b[0] == '/'));
}

/* PATH's real directory, then its base name and SUFFIX: the real path of
 * what PATH will name once created. NULL with errno set. */
static char *real_path_of(const char *path, const char *suffix)
{
	char *d1 = strdup(path), *d2 = strdup(path), *parent, *res = NULL;

	parent = d1 ? realpath(dirname(d1), NULL) : NULL;
	if (parent && d2 && asprintf(&res, "%s/%s%s", parent, basename(d2), suffix) < 0)
		res = NULL;
	free(parent);
	free(d1);
	free(d2);
	return res;
}

/* The program built in WORK/old: --binary (relative to DIR, or absolute),
 * else the one executable CMD produced since START. */
static int program(const struct ns_srcdiff_opts *o, const char *src, time_t start,
		   struct ns_srcdiff_result *r, struct ns_err *err)
{
	char *b = NULL;

	if (!o->binary)
		return find_binary(r->old_dir, start, &r->binary, err);
	if (o->binary[0] == '/') {
		char *rb = realpath(o->binary, NULL);

		if (rb && inside(rb, src))
			b = rb[strlen(src)] ? strdup(rb + strlen(src) + 1) : NULL;
		if (!b && rb && asprintf(&r->binary, "%s", rb) < 0)
			r->binary = NULL;
		free(rb);
		if (!b && !r->binary)
			return ns_err_set(err, "--binary %s: %s", o->binary, strerror(errno));
	} else {
		b = strdup(o->binary);
	}
	if (b && asprintf(&r->binary, "%s/%s", r->old_dir, b) < 0)
		r->binary = NULL;
	free(b);
	if (!r->binary)
		return ns_err_set(err, "out of memory");
	if (access(r->binary, R_OK))
		return ns_err_set(err, "--binary %s: %s after building the original tree: %s",
			       o->binary, r->binary, strerror(errno));
	return 0;
}

/* Makes WORK: --work's directory checked (and cleared of an earlier run),
 * else a fresh PATCH.work.XXXXXX next to PATCH. Never inside SRC. */
static int make_work(const struct ns_srcdiff_opts *o, const char *src,
		     struct ns_workdir *w, struct ns_err *err)
{
	char *work = o->work ? real_path_of(o->work, "") : real_path_of(o->patch, ".work.XXXXXX");
	int rc;

	w->fd = -1;
	w->path = NULL;
	if (!work)
		return ns_err_set(err, "work directory %s%s: %s", o->work ? o->work : o->patch,
			       o->work ? "" : ".work", strerror(errno));
	if (inside(work, src) || inside(src, work)) {
		ns_err_set(err, "the work directory %s is inside the source tree %s; "
			"choose another with --work (or write PATCH elsewhere)", work, src);
		free(work);
		return -1;
	}
	rc = o->work ? ns_workdir_reuse(w, work, made, err)
		     : ns_workdir_fresh(w, work, err);
	free(work);
	return rc;
}

int ns_srcdiff_prepare(const struct ns_srcdiff_opts *o, struct ns_srcdiff_result *r,
		       struct ns_err *err)
{
	const char *cmd = o->make ? o->make : "make";
	struct ns_workdir w = { -1, NULL };
	char *src = NULL;
	time_t start;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (!is_dir(o->src))
		return ns_err_set(err, "--src %s: not a directory", o->src);
	if (access(o->diff, R_OK))
		return ns_err_set(err, "--diff %s: %s", o->diff, strerror(errno));
	if (!(src = realpath(o->src, NULL))) {
		ns_err_set(err, "%s: %s", o->src, strerror(errno));
		goto out;
	}
	if (make_work(o, src, &w, err))
		goto out;
	printf("work directory: %s\n", w.path);
	if (asprintf(&r->old_dir, "%s/old", w.path) < 0 ||
	    asprintf(&r->new_dir, "%s/new", w.path) < 0) {
		ns_err_set(err, "out of memory");
		goto out;
	}

	printf("copying %s to %s\n", o->src, r->old_dir);
	if (copy_tree(&w, src, "old", "copy-old.log", err))
		goto out;
	start = time(NULL);
	printf("building the original tree: %s in %s\n", cmd, r->old_dir);
	if (build(&w, "building the original tree", "old", "build-old", cmd, err))
		goto out;
	if (program(o, src, start, r, err))
		goto out;
	printf("  program: %s\n", r->binary);

	printf("copying %s to %s (timestamps kept)\n", r->old_dir, r->new_dir);
	if (copy_tree(&w, "old", "new", "copy-new.log", err))
		goto out;
	printf("applying %s (line-neutral)\n", o->diff);
	if (ns_fix_apply(&w, o->diff, o->src, err))
		goto out;
	printf("rebuilding: %s in %s\n", cmd, r->new_dir);
	if (build(&w, "rebuilding", "new", "build-new", cmd, err))
		goto out;
	r->changed = count_changed(r->old_dir, r->new_dir, o->verbose);
	printf("rebuilding: %u object%s changed\n", r->changed, r->changed == 1 ? "" : "s");
	/* The generator reads WORK/old and WORK/new by path. */
	if (ns_workdir_check(&w, err))
		goto out;
	rc = 0;
out:
	ns_workdir_close(&w);
	free(src);
	if (rc)
		ns_srcdiff_result_free(r);
	return rc;
}

void ns_srcdiff_result_free(struct ns_srcdiff_result *r)
{
	free(r->old_dir);
	free(r->new_dir);
	free(r->binary);
	memset(r, 0, sizeof(*r));
}
