/* fixapply.c — the fix applied to WORK/new, line-neutral. The diff is first
 * applied as given, by GNU patch at -p1 or else -p0 (any offset or fuzz is
 * the user's diff against slightly different sources); then every file it
 * touched is re-expressed as an exact diff against WORK/old and put back,
 * that exact diff is rewritten with #line directives (linemap.c) and
 * applied again, so that the directives carry the true old line numbers.
 * patch and diff run in the work directory (workdir.c), each with its log
 * (worklog.c), from which a failure's reason is read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "srctree/fixapply.h"
#include "srctree/linemap.h"
#include "srctree/worklog.h"
#include "util/err.h"

/* Why patch refused, from its log L: the first "can't find file" or failed
 * hunk, with the file it was checking. */
static void patch_reason(const struct ns_worklog *l, char *buf, size_t len)
{
	char file[256] = "";
	char *s = ns_worklog_read(l, NULL), *line, *save = NULL;

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
static char **patched_files(const struct ns_worklog *l, size_t *n)
{
	char *s = ns_worklog_read(l, NULL), *line, *save = NULL;
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
		     int quiet, struct ns_worklog *l, char *why, size_t whylen,
		     struct ns_err *err)
{
	int rc;

	if (ns_worklog_open(w, logname, l, err)) {
		snprintf(why, whylen, "%s", ns_err_msg(err));
		return -1;
	}
	rc = ns_workdir_run(w, "new", l->fd, args);
	if (rc) {
		patch_reason(l, why, whylen);
		if (!quiet)
			ns_worklog_show_tail(l, 10);
	}
	return rc ? -1 : 0;
}

/* Which -p level applies DIFF to WORK/new? Dry runs leave the tree as it
 * is. NULL, with patch's reason for -p1 in WHY, if neither. */
static const char *diff_level(const struct ns_workdir *w, char *diff, char *why,
			      size_t whylen, struct ns_err *err)
{
	bool mark = ns_err_mark(err);

	for (int i = 0; i < 2; i++) {
		const char *p = i ? "-p0" : "-p1";
		char *args[] = { "patch", (char *)p, "--dry-run", "--batch", "--forward",
				 "-i", diff, NULL };
		char name[32], w2[512];
		struct ns_worklog l;
		int rc;

		snprintf(name, sizeof(name), "patch%s.log", p);
		rc = run_patch(w, args, name, 1, &l, i ? w2 : why, i ? sizeof(w2) : whylen,
			       err);
		ns_worklog_close(&l);
		if (!rc) {
			ns_err_forget(err, mark);   /* a dry run that failed */
			return p;
		}
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

int ns_fix_apply(const struct ns_workdir *w, const char *fix, const char *src,
		 struct ns_err *err)
{
	char *diff = NULL, *text = NULL, *neutral = NULL, warn[2048], why[512];
	struct ns_worklog plog = { -1, NULL }, nlog = { -1, NULL };
	char **files = NULL;
	size_t nfiles = 0, len, nlen;
	unsigned nwarn;
	const char *level;
	int canon = -1, old_dir, rc = -1;

	if (!(diff = realpath(fix, NULL)))
		return ns_err_set(err, "%s: %s", fix, strerror(errno));
	if (!(level = diff_level(w, diff, why, sizeof(why), err))) {
		ns_err_replace(err, "applying %s: it does not apply to %s (tried -p1 and -p0): %s",
			fix, src, why);
		goto out;
	}
	{
		char *args[] = { "patch", (char *)level, "--batch", "--forward",
				 "--no-backup-if-mismatch", "-i", diff, NULL };

		if (run_patch(w, args, "patch.log", 0, &plog, why, sizeof(why), err)) {
			ns_err_replace(err, "applying %s failed: %s", fix, why);
			goto out;
		}
	}
	/* The exact diff of every touched file, then the files back as they were. */
	files = patched_files(&plog, &nfiles);
	if (!nfiles) {
		ns_err_set(err, "applying %s: it changes no file", fix);
		goto out;
	}
	if ((canon = ns_workdir_create(w, "fix.exact.diff", err)) < 0)
		goto out;
	for (size_t i = 0; i < nfiles; i++)
		if (reexpress(w, canon, files[i])) {
			ns_err_set(err, "applying %s: cannot re-express the change of %s",
				fix, files[i]);
			goto out;
		}
	if (lseek(canon, 0, SEEK_SET) || !(text = ns_read_fd(canon, &len))) {
		ns_err_set(err, "%s/fix.exact.diff: %s", w->path, strerror(errno));
		goto out;
	}
	/* WORK/old: the old files, for their line numbers. */
	old_dir = openat(w->fd, "old", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	neutral = ns_linemap_rewrite(text, len, old_dir, &nlen, &nwarn, warn,
				     sizeof(warn), err);
	if (old_dir >= 0)
		close(old_dir);
	if (!neutral) {
		ns_err_wrap(err, "applying %s", fix);
		goto out;
	}
	if (nwarn)
		printf("  warning: %s", warn);
	if (ns_workdir_write(w, NS_FIX_NEUTRAL, neutral, nlen, err))
		goto out;
	{
		/* Relative to WORK/new, where patch runs: WORK's own file. */
		char *args[] = { "patch", "-p1", "--batch", "--forward",
				 "--no-backup-if-mismatch", "-i", "../" NS_FIX_NEUTRAL, NULL };

		if (run_patch(w, args, "patch-line-neutral.log", 0, &nlog, why, sizeof(why),
			      err)) {
			ns_err_replace(err, "applying the line-neutral form of %s (%s/%s) failed: %s",
				fix, w->path, NS_FIX_NEUTRAL, why);
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
	ns_worklog_close(&plog);
	ns_worklog_close(&nlog);
	free(diff);
	free(text);
	free(neutral);
	return rc;
}
