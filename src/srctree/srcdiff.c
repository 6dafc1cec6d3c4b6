/* srcdiff.c — the source-diff workflow: from the user's source tree and a
 * fix (a unified diff) to two build trees the generator can compare.
 *
 *   DIR ──cp -a──► WORK/old ──CMD──► built original
 *                  WORK/old ──cp -a──► WORK/new ──patch (line-neutral)──► CMD
 *
 * DIR itself is only read. WORK/new is a copy with the timestamps kept, so
 * CMD rebuilds only what the fix touches. The diff is first applied as
 * given (any offset or fuzz is the user's diff against slightly different
 * sources), then re-expressed as an exact diff of the touched files,
 * rewritten with #line directives (linemap.c) and applied again, so the
 * directives carry the true old line numbers.
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

#include "srctree/linemap.h"
#include "srctree/srcdiff.h"
#include "srctree/workdir.h"
#include "util/errbuf.h"

/* What a run creates in WORK, removed before --work WORK is reused (every
 * file is created O_EXCL, one per step). */
static const char *const made[] = {
	"old", "new", "copy-old.log", "copy-new.log", "build-old.log", "build-new.log",
	"patch-p1.log", "patch-p0.log", "patch.log", "patch-line-neutral.log",
	"fix.exact.diff", "fix.line-neutral.diff", NULL
};
#define NEUTRAL "fix.line-neutral.diff"   /* the fix as applied, kept */

/* Reads what is left of the file open as FD (NUL-terminated). */
static char *read_fd(int fd, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0, n = 0;

	for (;;) {
		ssize_t got;

		if (n + 4096 + 1 > cap) {
			char *b2 = realloc(buf, cap = cap ? 2 * cap : 8192);

			if (!b2) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = b2;
		}
		got = read(fd, buf + n, 4096);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(buf);
			return NULL;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

char *ns_srcdiff_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;

	if (fd < 0) {
		ns_errf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!(buf = read_fd(fd, len)))
		ns_errf(err, errlen, "%s: %s", path, strerror(errno));
	close(fd);
	return buf;
}

/* A log of one step: created new in WORK, read back through FD. */
struct log {
	int   fd;
	char *path;    /* WORK/NAME, for messages */
};

static int log_open(const struct ns_workdir *w, const char *name, struct log *l,
		    char *err, size_t errlen)
{
	l->path = NULL;
	if ((l->fd = ns_workdir_create(w, name, err, errlen)) < 0)
		return -1;
	if (asprintf(&l->path, "%s/%s", w->path, name) < 0) {
		l->path = NULL;
		close(l->fd);
		l->fd = -1;
		return ns_errf(err, errlen, "out of memory");
	}
	return 0;
}

static void log_close(struct log *l)
{
	if (l->fd >= 0)
		close(l->fd);
	free(l->path);
	l->fd = -1;
	l->path = NULL;
}

/* The whole of log L (NUL-terminated), or NULL. */
static char *log_read(const struct log *l, size_t *len)
{
	return lseek(l->fd, 0, SEEK_SET) ? NULL : read_fd(l->fd, len);
}

/* Prints the last N lines of L, indented, on stdout. */
static void show_tail(const struct log *l, int n)
{
	size_t len;
	char *s = log_read(l, &len), *p;
	int lines = 0;

	if (!s)
		return;
	p = s + len;
	if (p > s && p[-1] == '\n')
		p--;
	while (p > s && lines < n)
		if (*--p == '\n')
			lines++;
	if (*p == '\n')
		p++;
	printf("  last lines of the output (%s):\n", l->path);
	for (char *q = p; *q;) {
		char *nl = strchr(q, '\n');

		printf("  | %.*s\n", nl ? (int)(nl - q) : (int)strlen(q), q);
		q = nl ? nl + 1 : q + strlen(q);
	}
	free(s);
}

static int is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* cp -a FROM/. WORK/TO, logged to WORK/LOGNAME. */
static int copy_tree(const struct ns_workdir *w, const char *from, const char *to,
		     const char *logname, char *err, size_t errlen)
{
	struct log l;
	char *src = NULL;
	int rc;

	if (mkdirat(w->fd, to, 0700))
		return ns_errf(err, errlen, "cannot create %s/%s: %s", w->path, to,
			       strerror(errno));
	if (log_open(w, logname, &l, err, errlen))
		return -1;
	if (asprintf(&src, "%s/.", from) < 0) {
		log_close(&l);
		return ns_errf(err, errlen, "out of memory");
	}
	char *args[] = { "cp", "-a", "--", src, (char *)to, NULL };
	rc = ns_workdir_run(w, NULL, l.fd, args);
	free(src);
	if (rc) {
		show_tail(&l, 10);
		ns_errf(err, errlen, "copying %s%s%s to %s/%s failed (output in %s)",
			from[0] == '/' ? "" : w->path, from[0] == '/' ? "" : "/", from,
			w->path, to, l.path);
	}
	log_close(&l);
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
		       char *err, size_t errlen)
{
	char list[512] = "";
	int rc = -1;

	for (int pass = 0; pass < 2; pass++) {
		scan_reset();
		scan.start = start;
		scan.newer = pass == 0;
		if (scan_tree(old)) {
			ns_errf(err, errlen, "cannot scan %s", old);
			goto out;
		}
		if (scan.n == 1) {
			if (asprintf(out, "%s/%s", old, scan.paths[0]) < 0)
				ns_errf(err, errlen, "out of memory");
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
		ns_errf(err, errlen, "the build produced several programs (%s); name one with "
			"--binary (relative to the source tree)", list);
	else
		ns_errf(err, errlen, "the build produced no executable ELF file; name the "
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

/* ---- applying the diff -------------------------------------------------- */

/* Why patch refused, from its log L: the first "can't find file" or failed
 * hunk, with the file it was checking. */
static void patch_reason(const struct log *l, char *buf, size_t len)
{
	char file[256] = "";
	char *s = log_read(l, NULL), *line, *save = NULL;

	snprintf(buf, len, "see %s", l->path);
	if (!s)
		return;
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "checking file ", 14) || !strncmp(line, "patching file ", 14)) {
			snprintf(file, sizeof(file), "%s", line + 14);
		} else if (strstr(line, "can't find file to patch")) {
			snprintf(buf, len, "%s", line);
			break;
		} else if (strstr(line, "FAILED") || strstr(line, "malformed") ||
			   strstr(line, "Only garbage") || strstr(line, "Reversed")) {
			snprintf(buf, len, "%s%s%s", file, *file ? ": " : "", line);
			break;
		}
	}
	free(s);
}

/* Files named by "patching file X" in patch's log L (GNU patch quotes odd
 * names). */
static char **patched_files(const struct log *l, size_t *n)
{
	char *s = log_read(l, NULL), *line, *save = NULL;
	char **v = NULL;

	*n = 0;
	if (!s)
		return NULL;
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *name, **v2;
		size_t len;

		if (strncmp(line, "patching file ", 14))
			continue;
		name = line + 14;
		len = strlen(name);
		if (len >= 2 && name[0] == '\'' && name[len - 1] == '\'') {
			name[len - 1] = '\0';
			name++;
		}
		if (!(v2 = realloc(v, (*n + 1) * sizeof(*v))))
			break;
		v = v2;
		if (!(v[*n] = strdup(name)))
			break;
		(*n)++;
	}
	free(s);
	return v;
}

/* Runs patch (ARGS) in WORK/new, logged to WORK/LOGNAME, into L; on failure
 * prints the tail of the log and fills WHY. 0 if it applied. */
static int run_patch(const struct ns_workdir *w, char *const args[], const char *logname,
		     int quiet, struct log *l, char *why, size_t whylen,
		     char *err, size_t errlen)
{
	int rc;

	if (log_open(w, logname, l, err, errlen)) {
		snprintf(why, whylen, "%s", err);
		return -1;
	}
	rc = ns_workdir_run(w, "new", l->fd, args);
	if (rc) {
		patch_reason(l, why, whylen);
		if (!quiet)
			show_tail(l, 10);
	}
	return rc ? -1 : 0;
}

/* Which -p level applies DIFF to WORK/new? Dry runs leave the tree as it
 * is. NULL, with patch's reason for -p1 in WHY, if neither. */
static const char *diff_level(const struct ns_workdir *w, char *diff, char *why,
			      size_t whylen, char *err, size_t errlen)
{
	for (int i = 0; i < 2; i++) {
		const char *p = i ? "-p0" : "-p1";
		char *args[] = { "patch", (char *)p, "--dry-run", "--batch", "--forward",
				 "-i", diff, NULL };
		char name[32], w2[512];
		struct log l;
		int rc;

		snprintf(name, sizeof(name), "patch%s.log", p);
		rc = run_patch(w, args, name, 1, &l, i ? w2 : why, i ? sizeof(w2) : whylen,
			       err, errlen);
		log_close(&l);
		if (!rc)
			return p;
	}
	return NULL;
}

/* Appends to CANON (open in WORK) the exact diff WORK/old/FILE -> WORK/new/FILE,
 * then puts WORK/new/FILE back as it was in WORK/old. */
static int reexpress(const struct ns_workdir *w, int canon, const char *file)
{
	char *la = NULL, *lb = NULL, *pa = NULL, *pb = NULL;
	struct stat st;
	int r = -1;

	if (asprintf(&la, "a/%s", file) >= 0 && asprintf(&lb, "b/%s", file) >= 0 &&
	    asprintf(&pa, "old/%s", file) >= 0 && asprintf(&pb, "new/%s", file) >= 0) {
		char *args[] = { "diff", "-u", "-N", "--label", la, "--label", lb, "--",
				 pa, pb, NULL };
		char *cp[] = { "cp", "-a", "--", pa, pb, NULL };
		char *rm[] = { "rm", "-f", "--", pb, NULL };

		r = ns_workdir_run(w, NULL, canon, args);
		r = (r == 0 || r == 1) ? 0 : -1;
		if (!r)
			r = ns_workdir_run(w, NULL, -1,
					   fstatat(w->fd, pa, &st, AT_SYMLINK_NOFOLLOW) ? rm : cp);
	}
	free(la);
	free(lb);
	free(pa);
	free(pb);
	return r;
}

static int apply_diff(const struct ns_srcdiff_opts *o, const struct ns_workdir *w,
		      char *err, size_t errlen)
{
	char *diff = NULL, *text = NULL, *neutral = NULL, warn[2048], why[512];
	struct log plog = { -1, NULL }, nlog = { -1, NULL };
	char **files = NULL;
	size_t nfiles = 0, len, nlen;
	unsigned nwarn;
	const char *level;
	int canon = -1, rc = -1;

	if (!(diff = realpath(o->diff, NULL)))
		return ns_errf(err, errlen, "%s: %s", o->diff, strerror(errno));
	if (!(level = diff_level(w, diff, why, sizeof(why), err, errlen))) {
		ns_errf(err, errlen, "applying %s: it does not apply to %s (tried -p1 and -p0): %s",
			o->diff, o->src, why);
		goto out;
	}
	{
		char *args[] = { "patch", (char *)level, "--batch", "--forward",
				 "--no-backup-if-mismatch", "-i", diff, NULL };

		if (run_patch(w, args, "patch.log", 0, &plog, why, sizeof(why), err, errlen)) {
			ns_errf(err, errlen, "applying %s failed: %s", o->diff, why);
			goto out;
		}
	}
	/* The exact diff of every touched file, then the files back as they were. */
	files = patched_files(&plog, &nfiles);
	if (!nfiles) {
		ns_errf(err, errlen, "applying %s: it changes no file", o->diff);
		goto out;
	}
	if ((canon = ns_workdir_create(w, "fix.exact.diff", err, errlen)) < 0)
		goto out;
	for (size_t i = 0; i < nfiles; i++)
		if (reexpress(w, canon, files[i])) {
			ns_errf(err, errlen, "applying %s: cannot re-express the change of %s",
				o->diff, files[i]);
			goto out;
		}
	if (lseek(canon, 0, SEEK_SET) || !(text = read_fd(canon, &len))) {
		ns_errf(err, errlen, "%s/fix.exact.diff: %s", w->path, strerror(errno));
		goto out;
	}
	if (!(neutral = ns_linemap_rewrite(text, len, &nlen, &nwarn, warn, sizeof(warn),
					   why, sizeof(why)))) {
		ns_errf(err, errlen, "applying %s: %s", o->diff, why);
		goto out;
	}
	if (nwarn)
		printf("  warning: %s", warn);
	if (ns_workdir_write(w, NEUTRAL, neutral, nlen, err, errlen))
		goto out;
	{
		/* Relative to WORK/new, where patch runs: WORK's own file. */
		char *args[] = { "patch", "-p1", "--batch", "--forward",
				 "--no-backup-if-mismatch", "-i", "../" NEUTRAL, NULL };

		if (run_patch(w, args, "patch-line-neutral.log", 0, &nlog, why, sizeof(why),
			      err, errlen)) {
			ns_errf(err, errlen, "applying the line-neutral form of %s (%s/%s) failed: %s",
				o->diff, w->path, NEUTRAL, why);
			goto out;
		}
	}
	rc = 0;
out:
	for (size_t i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	if (canon >= 0)
		close(canon);
	log_close(&plog);
	log_close(&nlog);
	free(diff);
	free(text);
	free(neutral);
	return rc;
}

/* ---- the steps ---------------------------------------------------------- */

/* Runs CMD in WORK/SUB, logged to WORK/NAME.log. */
static int build(const struct ns_workdir *w, const char *what, const char *sub,
		 const char *name, const char *cmd, char *err, size_t errlen)
{
	char logname[64];
	char *args[] = { "sh", "-c", (char *)cmd, NULL };
	struct log l;
	int rc;

	snprintf(logname, sizeof(logname), "%s.log", name);
	if (log_open(w, logname, &l, err, errlen))
		return -1;
	rc = ns_workdir_run(w, sub, l.fd, args);
	if (rc) {
		show_tail(&l, 15);
		ns_errf(err, errlen, "%s: '%s' in %s/%s failed (exit %d; output in %s)",
			what, cmd, w->path, sub, rc, l.path);
	}
	log_close(&l);
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
		   struct ns_srcdiff_result *r, char *err, size_t errlen)
{
	char *b = NULL;

	if (!o->binary)
		return find_binary(r->old_dir, start, &r->binary, err, errlen);
	if (o->binary[0] == '/') {
		char *rb = realpath(o->binary, NULL);

		if (rb && inside(rb, src))
			b = rb[strlen(src)] ? strdup(rb + strlen(src) + 1) : NULL;
		if (!b && rb && asprintf(&r->binary, "%s", rb) < 0)
			r->binary = NULL;
		free(rb);
		if (!b && !r->binary)
			return ns_errf(err, errlen, "--binary %s: %s", o->binary, strerror(errno));
	} else {
		b = strdup(o->binary);
	}
	if (b && asprintf(&r->binary, "%s/%s", r->old_dir, b) < 0)
		r->binary = NULL;
	free(b);
	if (!r->binary)
		return ns_errf(err, errlen, "out of memory");
	if (access(r->binary, R_OK))
		return ns_errf(err, errlen, "--binary %s: %s after building the original tree: %s",
			       o->binary, r->binary, strerror(errno));
	return 0;
}

/* Makes WORK: --work's directory checked (and cleared of an earlier run),
 * else a fresh PATCH.work.XXXXXX next to PATCH. Never inside SRC. */
static int make_work(const struct ns_srcdiff_opts *o, const char *src,
		     struct ns_workdir *w, char *err, size_t errlen)
{
	char *work = o->work ? real_path_of(o->work, "") : real_path_of(o->patch, ".work.XXXXXX");
	int rc;

	w->fd = -1;
	w->path = NULL;
	if (!work)
		return ns_errf(err, errlen, "work directory %s%s: %s", o->work ? o->work : o->patch,
			       o->work ? "" : ".work", strerror(errno));
	if (inside(work, src) || inside(src, work)) {
		ns_errf(err, errlen, "the work directory %s is inside the source tree %s; "
			"choose another with --work (or write PATCH elsewhere)", work, src);
		free(work);
		return -1;
	}
	rc = o->work ? ns_workdir_reuse(w, work, made, err, errlen)
		     : ns_workdir_fresh(w, work, err, errlen);
	free(work);
	return rc;
}

int ns_srcdiff_prepare(const struct ns_srcdiff_opts *o, struct ns_srcdiff_result *r,
		       char *err, size_t errlen)
{
	const char *cmd = o->make ? o->make : "make";
	struct ns_workdir w = { -1, NULL };
	char *src = NULL;
	time_t start;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (!is_dir(o->src))
		return ns_errf(err, errlen, "--src %s: not a directory", o->src);
	if (access(o->diff, R_OK))
		return ns_errf(err, errlen, "--diff %s: %s", o->diff, strerror(errno));
	if (!(src = realpath(o->src, NULL))) {
		ns_errf(err, errlen, "%s: %s", o->src, strerror(errno));
		goto out;
	}
	if (make_work(o, src, &w, err, errlen))
		goto out;
	printf("work directory: %s\n", w.path);
	if (asprintf(&r->old_dir, "%s/old", w.path) < 0 ||
	    asprintf(&r->new_dir, "%s/new", w.path) < 0) {
		ns_errf(err, errlen, "out of memory");
		goto out;
	}

	printf("copying %s to %s\n", o->src, r->old_dir);
	if (copy_tree(&w, src, "old", "copy-old.log", err, errlen))
		goto out;
	start = time(NULL);
	printf("building the original tree: %s in %s\n", cmd, r->old_dir);
	if (build(&w, "building the original tree", "old", "build-old", cmd, err, errlen))
		goto out;
	if (program(o, src, start, r, err, errlen))
		goto out;
	printf("  program: %s\n", r->binary);

	printf("copying %s to %s (timestamps kept)\n", r->old_dir, r->new_dir);
	if (copy_tree(&w, "old", "new", "copy-new.log", err, errlen))
		goto out;
	printf("applying %s (line-neutral)\n", o->diff);
	if (apply_diff(o, &w, err, errlen))
		goto out;
	printf("rebuilding: %s in %s\n", cmd, r->new_dir);
	if (build(&w, "rebuilding", "new", "build-new", cmd, err, errlen))
		goto out;
	r->changed = count_changed(r->old_dir, r->new_dir, o->verbose);
	printf("rebuilding: %u object%s changed\n", r->changed, r->changed == 1 ? "" : "s");
	/* The generator reads WORK/old and WORK/new by path. */
	if (ns_workdir_check(&w, err, errlen))
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
