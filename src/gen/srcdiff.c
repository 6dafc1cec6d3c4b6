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
 * directives carry the true old line numbers. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gen/linemap.h"
#include "gen/srcdiff.h"

#define MARKER ".nonstop-work"

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

char *ns_srcdiff_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f) {
		fail(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	do {
		if (n + 4096 + 1 > cap) {
			char *b2 = realloc(buf, cap = cap ? 2 * cap : 8192);

			if (!b2) {
				free(buf);
				fclose(f);
				fail(err, errlen, "out of memory");
				return NULL;
			}
			buf = b2;
		}
		got = fread(buf + n, 1, 4096, f);
		n += got;
	} while (got == 4096);
	if (ferror(f)) {
		fail(err, errlen, "%s: read error", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static int write_file(const char *path, const char *s, size_t n)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	if (fwrite(s, 1, n, f) != n) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

/* Runs ARGV in DIR with stdin from /dev/null, stdout and stderr to LOG
 * (truncated; appended if APPEND). Exit status, or -1 if it did not run. */
static int run(const char *dir, const char *log, int append, char *const argv[])
{
	pid_t pid;
	int st;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644);
		int in = open("/dev/null", O_RDONLY);

		if (fd < 0 || in < 0 || (dir && chdir(dir)))
			_exit(127);
		dup2(in, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
		close(in);
		execvp(argv[0], argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Prints the last N lines of LOG, indented, on stdout. */
static void show_tail(const char *log, int n)
{
	char e[64];
	size_t len;
	char *s = ns_srcdiff_read_file(log, &len, e, sizeof(e)), *p;
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
	printf("  last lines of the output (%s):\n", log);
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

/* Makes WORK ready: created if missing, else it must be empty or a work
 * directory of ours (its old/ and new/ are then removed). */
static int prepare_work(const char *work, char *err, size_t errlen)
{
	char *marker = NULL, *p;
	int rc = -1;

	if (asprintf(&marker, "%s/" MARKER, work) < 0)
		return fail(err, errlen, "out of memory");
	if (mkdir(work, 0755) && errno != EEXIST) {
		fail(err, errlen, "cannot create the work directory %s: %s", work, strerror(errno));
		goto out;
	}
	if (access(marker, F_OK)) {
		char *args[] = { "sh", "-c", "[ -z \"$(ls -A \"$1\")\" ]", "sh", (char *)work, NULL };

		if (run(NULL, "/dev/null", 0, args)) {
			fail(err, errlen, "the work directory %s exists and is not one of "
			     "nonstop's; remove it or choose another with --work", work);
			goto out;
		}
		if (write_file(marker, "nonstop build --src work directory\n", 35)) {
			fail(err, errlen, "cannot write %s: %s", marker, strerror(errno));
			goto out;
		}
	}
	for (int i = 0; i < 2; i++) {
		char *args[] = { "rm", "-rf", NULL, NULL };

		if (asprintf(&p, "%s/%s", work, i ? "new" : "old") < 0) {
			fail(err, errlen, "out of memory");
			goto out;
		}
		args[2] = p;
		if (run(NULL, "/dev/null", 0, args)) {
			fail(err, errlen, "cannot remove the previous %s", p);
			free(p);
			goto out;
		}
		free(p);
	}
	rc = 0;
out:
	free(marker);
	return rc;
}

/* cp -a FROM/. TO */
static int copy_tree(const char *from, const char *to, const char *log,
		     char *err, size_t errlen)
{
	char *src = NULL;
	int rc;

	if (asprintf(&src, "%s/.", from) < 0)
		return fail(err, errlen, "out of memory");
	char *args[] = { "cp", "-a", src, (char *)to, NULL };
	rc = run(NULL, log, 0, args);
	free(src);
	if (rc) {
		show_tail(log, 10);
		return fail(err, errlen, "copying %s to %s failed", from, to);
	}
	return 0;
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
			fail(err, errlen, "cannot scan %s", old);
			goto out;
		}
		if (scan.n == 1) {
			if (asprintf(out, "%s/%s", old, scan.paths[0]) < 0)
				fail(err, errlen, "out of memory");
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
		fail(err, errlen, "the build produced several programs (%s); name one with "
		     "--binary (relative to the source tree)", list);
	else
		fail(err, errlen, "the build produced no executable ELF file; name the "
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

/* Why patch refused: the first "can't find file" or failed hunk, with the
 * file it was checking. */
static void patch_reason(const char *log, char *buf, size_t len)
{
	char e[64], file[256] = "";
	char *s = ns_srcdiff_read_file(log, NULL, e, sizeof(e)), *line, *save = NULL;

	snprintf(buf, len, "see %s", log);
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

/* Files named by "patching file X" in LOG (GNU patch quotes odd names). */
static char **patched_files(const char *log, size_t *n)
{
	char e[64];
	char *s = ns_srcdiff_read_file(log, NULL, e, sizeof(e)), *line, *save = NULL;
	char **v = NULL;

	*n = 0;
	if (!s)
		return NULL;
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *name, **v2;
		size_t l;

		if (strncmp(line, "patching file ", 14))
			continue;
		name = line + 14;
		l = strlen(name);
		if (l >= 2 && name[0] == '\'' && name[l - 1] == '\'') {
			name[l - 1] = '\0';
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

static int apply_diff(const struct ns_srcdiff_opts *o, const char *work,
		      const char *old, const char *new, char *err, size_t errlen)
{
	char *diff = NULL, *log = NULL, *canon = NULL, *rewritten = NULL, *text = NULL;
	char *neutral = NULL, *nfile = NULL, warn[2048], why[512];
	char **files = NULL;
	size_t nfiles = 0, len, nlen;
	unsigned nwarn;
	const char *level = NULL;
	int rc = -1;

	if (!(diff = realpath(o->diff, NULL)))
		return fail(err, errlen, "%s: %s", o->diff, strerror(errno));
	if (asprintf(&log, "%s/patch.log", work) < 0 ||
	    asprintf(&canon, "%s/fix.exact.diff", work) < 0 ||
	    asprintf(&nfile, "%s/fix.line-neutral.diff", work) < 0) {
		fail(err, errlen, "out of memory");
		goto out;
	}
	/* Which -p level applies? (dry runs leave the tree as it is) */
	for (int i = 0; i < 2 && !level; i++) {
		const char *p = i ? "-p0" : "-p1";
		char *args[] = { "patch", (char *)p, "--dry-run", "--batch", "--forward",
				 "-i", diff, NULL };
		char *l2 = NULL;

		if (asprintf(&l2, "%s/patch%s.log", work, p) < 0) {
			fail(err, errlen, "out of memory");
			goto out;
		}
		if (!run(new, l2, 0, args))
			level = p;
		else if (i == 0)
			patch_reason(l2, why, sizeof(why));
		free(l2);
	}
	if (!level) {
		fail(err, errlen, "applying %s: it does not apply to %s (tried -p1 and -p0): %s",
		     o->diff, o->src, why);
		goto out;
	}
	{
		char *args[] = { "patch", (char *)level, "--batch", "--forward",
				 "--no-backup-if-mismatch", "-i", diff, NULL };

		if (run(new, log, 0, args)) {
			patch_reason(log, why, sizeof(why));
			show_tail(log, 10);
			fail(err, errlen, "applying %s failed: %s", o->diff, why);
			goto out;
		}
	}
	/* The exact diff of every touched file, then the files back as they were. */
	files = patched_files(log, &nfiles);
	if (!nfiles) {
		fail(err, errlen, "applying %s: it changes no file", o->diff);
		goto out;
	}
	unlink(canon);
	for (size_t i = 0; i < nfiles; i++) {
		char *la = NULL, *lb = NULL, *pa = NULL, *pb = NULL;
		int r = -1;

		if (asprintf(&la, "a/%s", files[i]) >= 0 && asprintf(&lb, "b/%s", files[i]) >= 0 &&
		    asprintf(&pa, "%s/%s", old, files[i]) >= 0 &&
		    asprintf(&pb, "%s/%s", new, files[i]) >= 0) {
			char *args[] = { "diff", "-u", "-N", "--label", la, "--label", lb, pa, pb, NULL };
			char *cp[] = { "cp", "-a", pa, pb, NULL };
			char *rm[] = { "rm", "-f", pb, NULL };

			r = run(NULL, canon, 1, args);
			r = (r == 0 || r == 1) ? 0 : -1;
			if (!r)
				r = run(NULL, "/dev/null", 0, access(pa, F_OK) ? rm : cp);
		}
		free(la);
		free(lb);
		free(pa);
		free(pb);
		if (r) {
			fail(err, errlen, "applying %s: cannot re-express the change of %s",
			     o->diff, files[i]);
			goto out;
		}
	}
	if (!(text = ns_srcdiff_read_file(canon, &len, err, errlen)))
		goto out;
	if (!(neutral = ns_linemap_rewrite(text, len, &nlen, &nwarn, warn, sizeof(warn),
					   why, sizeof(why)))) {
		fail(err, errlen, "applying %s: %s", o->diff, why);
		goto out;
	}
	if (nwarn)
		printf("  warning: %s", warn);
	if (write_file(nfile, neutral, nlen)) {
		fail(err, errlen, "cannot write %s: %s", nfile, strerror(errno));
		goto out;
	}
	{
		char *args[] = { "patch", "-p1", "--batch", "--forward",
				 "--no-backup-if-mismatch", "-i", nfile, NULL };

		if (run(new, log, 0, args)) {
			patch_reason(log, why, sizeof(why));
			show_tail(log, 10);
			fail(err, errlen, "applying the line-neutral form of %s (%s) failed: %s",
			     o->diff, nfile, why);
			goto out;
		}
	}
	rc = 0;
out:
	for (size_t i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	free(diff);
	free(log);
	free(canon);
	free(rewritten);
	free(text);
	free(neutral);
	free(nfile);
	return rc;
}

/* ---- the steps ---------------------------------------------------------- */

static int build(const char *what, const char *dir, const char *work,
		 const char *name, const char *cmd, char *err, size_t errlen)
{
	char *log = NULL;
	char *args[] = { "sh", "-c", (char *)cmd, NULL };
	int rc;

	if (asprintf(&log, "%s/%s.log", work, name) < 0)
		return fail(err, errlen, "out of memory");
	rc = run(dir, log, 0, args);
	if (rc) {
		show_tail(log, 15);
		fail(err, errlen, "%s: '%s' in %s failed (exit %d; output in %s)",
		     what, cmd, dir, rc, log);
	}
	free(log);
	return rc ? -1 : 0;
}

/* True if path A is B or inside B (both real paths). */
static int inside(const char *a, const char *b)
{
	size_t n = strlen(b);

	return !strncmp(a, b, n) && (a[n] == '\0' || a[n] == '/' || (n == 1 && b[0] == '/'));
}

int ns_srcdiff_prepare(const struct ns_srcdiff_opts *o, struct ns_srcdiff_result *r,
		       char *err, size_t errlen)
{
	const char *cmd = o->make ? o->make : "make";
	char *src = NULL, *work = NULL;
	time_t start;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (!is_dir(o->src))
		return fail(err, errlen, "--src %s: not a directory", o->src);
	if (access(o->diff, R_OK))
		return fail(err, errlen, "--diff %s: %s", o->diff, strerror(errno));
	if (!(src = realpath(o->src, NULL))) {
		fail(err, errlen, "%s: %s", o->src, strerror(errno));
		goto out;
	}
	{
		/* The work directory's real path, before creating it. */
		char *d1 = strdup(o->work), *d2 = strdup(o->work), *parent;

		parent = d1 ? realpath(dirname(d1), NULL) : NULL;
		if (!parent || !d2 || asprintf(&work, "%s/%s", parent, basename(d2)) < 0)
			work = NULL;
		free(parent);
		free(d1);
		free(d2);
		if (!work) {
			fail(err, errlen, "work directory %s: %s", o->work, strerror(errno));
			goto out;
		}
	}
	if (inside(work, src) || inside(src, work)) {
		fail(err, errlen, "the work directory %s is inside the source tree %s; "
		     "choose another with --work (or write PATCH elsewhere)", work, src);
		goto out;
	}
	if (prepare_work(work, err, errlen))
		goto out;
	if (asprintf(&r->old_dir, "%s/old", work) < 0 ||
	    asprintf(&r->new_dir, "%s/new", work) < 0) {
		fail(err, errlen, "out of memory");
		goto out;
	}

	printf("copying %s to %s\n", o->src, r->old_dir);
	if (mkdir(r->old_dir, 0755) || copy_tree(src, r->old_dir, "/dev/null", err, errlen))
		goto out;
	start = time(NULL);
	printf("building the original tree: %s in %s\n", cmd, r->old_dir);
	if (build("building the original tree", r->old_dir, work, "build-old", cmd, err, errlen))
		goto out;
	if (o->binary) {
		char *b = NULL;

		if (o->binary[0] == '/') {
			char *rb = realpath(o->binary, NULL);

			if (rb && inside(rb, src))
				b = rb[strlen(src)] ? strdup(rb + strlen(src) + 1) : NULL;
			if (!b && rb && asprintf(&r->binary, "%s", rb) < 0)
				r->binary = NULL;
			free(rb);
			if (!b && !r->binary) {
				fail(err, errlen, "--binary %s: %s", o->binary, strerror(errno));
				goto out;
			}
		} else {
			b = strdup(o->binary);
		}
		if (b && asprintf(&r->binary, "%s/%s", r->old_dir, b) < 0)
			r->binary = NULL;
		free(b);
		if (!r->binary) {
			fail(err, errlen, "out of memory");
			goto out;
		}
		if (access(r->binary, R_OK)) {
			fail(err, errlen, "--binary %s: %s after building the original tree: %s",
			     o->binary, r->binary, strerror(errno));
			goto out;
		}
	} else if (find_binary(r->old_dir, start, &r->binary, err, errlen)) {
		goto out;
	}
	printf("  program: %s\n", r->binary);

	printf("copying %s to %s (timestamps kept)\n", r->old_dir, r->new_dir);
	if (mkdir(r->new_dir, 0755) || copy_tree(r->old_dir, r->new_dir, "/dev/null", err, errlen))
		goto out;
	printf("applying %s (line-neutral)\n", o->diff);
	if (apply_diff(o, work, r->old_dir, r->new_dir, err, errlen))
		goto out;
	printf("rebuilding: %s in %s\n", cmd, r->new_dir);
	if (build("rebuilding", r->new_dir, work, "build-new", cmd, err, errlen))
		goto out;
	r->changed = count_changed(r->old_dir, r->new_dir, o->verbose);
	printf("rebuilding: %u object%s changed\n", r->changed, r->changed == 1 ? "" : "s");
	rc = 0;
out:
	free(src);
	free(work);
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
