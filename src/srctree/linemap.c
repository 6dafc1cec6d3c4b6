/* linemap.c — line neutrality at the source. A fix that adds or removes
 * lines moves every later line of its file, and with it every __LINE__
 * (assert, logging macros) of the functions below it: they would land in
 * the patch although their code did not change. This file rewrites the
 * fix's unified diff so that after each group of changed lines a `#line N`
 * directive gives the next line back the number it had in the old file.
 *
 * Only the diff text is seen, so whether a point is a valid place for a
 * directive is judged from the hunk's own lines: the new-side lines of a
 * hunk are lexed from its first line (assumed outside any comment); a
 * point inside a block comment or after a line continued with a backslash
 * is skipped, and the directive goes after the next context line that is
 * safe.
 *
 * The number a directive gives is the one the compiler gives that line of
 * the old file: its physical line, unless the file already carries line
 * directives (an earlier fix's, when the tree is an earlier build's
 * WORK/new): then the old file is read to count as the compiler does.
 * Only C sources and headers get directives: in a grammar or lexer source
 * (bison, flex) a line at column 0 may be a rule, and "#line" would become
 * one. */
#include <ctype.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "srctree/linemap.h"
#include "srctree/worklog.h"

struct line {
	const char *s;
	size_t      n;     /* without the newline */
	int         nl;    /* followed by a newline */
};

/* Lexer state over the new side of a hunk. */
struct lex {
	int in_comment;
	int cont;          /* the last line ended with a backslash */
};

static void lex_line(struct lex *lx, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (lx->in_comment) {
			if (s[i] == '*' && i + 1 < n && s[i + 1] == '/') {
				lx->in_comment = 0;
				i += 2;
			} else {
				i++;
			}
			continue;
		}
		if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
			lx->in_comment = 1;
			i += 2;
		} else if (s[i] == '/' && i + 1 < n && s[i + 1] == '/') {
			break;
		} else if (s[i] == '"' || s[i] == '\'') {
			char q = s[i++];

			while (i < n && s[i] != q)
				i += (s[i] == '\\') ? 2 : 1;
			i++;
		} else {
			i++;
		}
	}
	lx->cont = n > 0 && s[n - 1] == '\\';
}

static void addf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void addf(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* Parses "@@ -A[,B] +C[,D] @@REST". */
static int parse_header(const struct line *l, long *a, long *b, long *c,
			long *d, const char **rest)
{
	char tmp[128], *p, *e;
	size_t n = l->n < sizeof(tmp) - 1 ? l->n : sizeof(tmp) - 1;

	memcpy(tmp, l->s, n);
	tmp[n] = '\0';
	p = tmp + 3;
	if (*p++ != '-')
		return -1;
	*a = strtol(p, &e, 10);
	if (e == p)
		return -1;
	*b = 1;
	if (*e == ',')
		*b = strtol(e + 1, &e, 10);
	if (*e++ != ' ' || *e++ != '+')
		return -1;
	p = e;
	*c = strtol(p, &e, 10);
	if (e == p)
		return -1;
	*d = 1;
	if (*e == ',')
		*d = strtol(e + 1, &e, 10);
	if (strncmp(e, " @@", 3))
		return -1;
	*rest = l->s + (e - tmp) + 3;
	return 0;
}

static void put_line(FILE *f, const struct line *l)
{
	fwrite(l->s, 1, l->n, f);
	if (l->nl)
		fputc('\n', f);
}

static int is_change(const struct line *l)
{
	return l->n && (l->s[0] == '+' || l->s[0] == '-');
}

/* Type of a hunk body line: ' ', '-', '+', '\\'; an empty line is context
 * (editors strip the trailing space of an empty context line). */
static char ltype(const struct line *l)
{
	return l->n ? l->s[0] : ' ';
}

/* Whether FILE is C source or a header, which line directives fit. */
static int is_c_file(const char *file)
{
	static const char *const ext[] = { ".c", ".h", ".cc", ".cpp", ".cxx", ".hh",
					   ".hpp", ".hxx" };
	const char *dot = strrchr(file, '.');

	for (size_t i = 0; dot && i < sizeof(ext) / sizeof(ext[0]); i++)
		if (!strcmp(dot, ext[i]))
			return 1;
	return 0;
}

/* If the line at S (N bytes) is a line directive ("#line N", "# N ..."),
 * the number it gives the next line into *TO: 1, else 0. */
static int directive(const char *s, size_t n, long *to)
{
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n || s[i++] != '#')
		return 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (n - i > 4 && !strncmp(s + i, "line", 4) && (s[i + 4] == ' ' || s[i + 4] == '\t'))
		for (i += 4; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
			;
	if (i == n || !isdigit((unsigned char)s[i]))
		return 0;
	*to = strtol(s + i, NULL, 10);
	return 1;
}

/* The compiler's line number of each physical line of FILE in DIRFD
 * (index 1 up, *N of them), or NULL when it has no line directive (or
 * cannot be read: physical numbers). */
static long *line_numbers(int dirfd, const char *file, size_t *n)
{
	size_t len = 0, cap = 0, k = 0;
	long *num = NULL, cur = 1, to;
	int fd, seen = 0;
	char *text;

	*n = 0;
	if (dirfd < 0 || file[0] == '/' || strstr(file, "..") ||
	    (fd = openat(dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return NULL;
	text = ns_read_fd(fd, &len);
	close(fd);
	for (const char *p = text, *end = text + len; text && p < end;) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		size_t ln = e ? (size_t)(e - p) : (size_t)(end - p);

		if (k + 2 > cap) {
			long *n2 = realloc(num, (cap = cap ? 2 * cap : 1024) * sizeof(*num));

			if (!n2) {
				seen = 0;
				break;
			}
			num = n2;
		}
		num[++k] = cur;
		if (directive(p, ln, &to)) {
			seen = 1;
			cur = to;
		} else {
			cur++;
		}
		p = e ? e + 1 : end;
	}
	free(text);
	if (!seen) {
		free(num);
		return NULL;
	}
	*n = k;
	return num;
}

char *ns_linemap_rewrite(const char *in, size_t len, int old_dir, size_t *outlen,
			 unsigned *nwarn, char *warn, size_t warnlen,
			 struct ns_err *err)
{
	long *num = NULL;	/* the old file's line numbers (line_numbers()) */
	size_t nnum = 0;
	int cfile = 1;
	struct line *ls = NULL;
	size_t nl = 0, cap = 0, i;
	char *out = NULL, *body = NULL, file[512] = "";
	size_t outsz = 0, bodysz = 0;
	FILE *f = NULL, *bf = NULL;
	long file_added = 0;	/* directives inserted so far in this file */
	unsigned hunkno = 0;

	*nwarn = 0;
	if (warnlen)
		warn[0] = '\0';
	for (const char *p = in, *end = in + len; p < end;) {
		const char *e = memchr(p, '\n', (size_t)(end - p));

		if (nl == cap) {
			struct line *n2 = realloc(ls, (cap = cap ? 2 * cap : 256) * sizeof(*ls));

			if (!n2)
				goto oom;
			ls = n2;
		}
		ls[nl].s = p;
		ls[nl].n = e ? (size_t)(e - p) : (size_t)(end - p);
		ls[nl].nl = e != NULL;
		if (ls[nl].n && ls[nl].s[ls[nl].n - 1] == '\r') {
			ns_err_set(err, "line %zu: CRLF line endings are not supported", nl + 1);
			goto fail;
		}
		nl++;
		p = e ? e + 1 : end;
	}
	if (!(f = open_memstream(&out, &outsz)))
		goto oom;
	for (i = 0; i < nl;) {
		const struct line *l = &ls[i];
		long a, b, c, d, oline, orem, nrem, offset = 0, added = 0;
		const char *rest;
		struct lex lx = { 0, 0 };
		int pending = 0, last_new_eof = 0, had_context = 0;
		size_t j;

		if (l->n >= 4 && !strncmp(l->s, "+++ ", 4)) {
			/* New file: its name for messages, counters restart. */
			size_t k = 4, n;

			if (l->n > 6 && !strncmp(l->s + 4, "b/", 2))
				k = 6;
			for (n = 0; k + n < l->n && l->s[k + n] != '\t' &&
				    n + 1 < sizeof(file); n++)
				file[n] = l->s[k + n];
			file[n] = '\0';
			file_added = 0;
			hunkno = 0;
			free(num);
			num = line_numbers(old_dir, file, &nnum);
			cfile = is_c_file(file);
			if (!cfile) {
				(*nwarn)++;
				addf(warn, warnlen, "%s: not C: no #line directives; the lines "
				     "after each change move\n", file);
			}
			put_line(f, l);
			i++;
			continue;
		}
		if (l->n < 3 || strncmp(l->s, "@@ ", 3)) {
			put_line(f, l);
			i++;
			continue;
		}
		if (parse_header(l, &a, &b, &c, &d, &rest)) {
			ns_err_set(err, "line %zu: malformed hunk header", i + 1);
			goto fail;
		}
		hunkno++;
		oline = b ? a : a + 1;
		orem = b;
		nrem = d;
		if (!(bf = open_memstream(&body, &bodysz)))
			goto oom;
		for (j = i + 1; j < nl && (orem > 0 || nrem > 0 ||
					   (ls[j].n && ls[j].s[0] == '\\')); j++) {
			const struct line *bl = &ls[j];
			char t = ltype(bl);
			size_t k;

			switch (t) {
			case ' ': orem--; nrem--; had_context = 1; break;
			case '-': orem--; break;
			case '+': nrem--; break;
			case '\\': break;
			default:
				ns_err_set(err, "%s: hunk %u: unexpected line %zu in a hunk",
					 file, hunkno, j + 1);
				goto fail;
			}
			if (orem < 0 || nrem < 0) {
				ns_err_set(err, "%s: hunk %u: more lines than its header says",
					 file, hunkno);
				goto fail;
			}
			put_line(bf, bl);
			if (t == '-') {
				offset--;
				oline++;
			} else if (t == '+') {
				offset++;
				lex_line(&lx, bl->s + 1, bl->n - 1);
				last_new_eof = 0;
			} else if (t == ' ') {
				oline++;
				lex_line(&lx, bl->s + (bl->n ? 1 : 0), bl->n ? bl->n - 1 : 0);
				last_new_eof = 0;
			} else {
				/* "\ No newline at end of file" after a new-side line:
				 * nothing follows on the new side. */
				if (j > 0 && ltype(&ls[j - 1]) != '-')
					last_new_eof = 1;
			}
			/* End of a group of changes? (markers are transparent) */
			for (k = j + 1; k < nl && ls[k].n && ls[k].s[0] == '\\'; k++)
				;
			if (t != ' ' && t != '\\' && (k == nl || !is_change(&ls[k]) ||
						       (orem == 0 && nrem == 0)))
				pending = offset != 0;
			if (!pending)
				continue;
			/* Place the directive here if nothing forbids it. */
			if (j + 1 < nl && ls[j + 1].n && ls[j + 1].s[0] == '\\')
				continue;      /* after the marker */
			if (j + 1 < nl && is_change(&ls[j + 1]) && (orem > 0 || nrem > 0))
				continue;      /* still inside the group */
			if (last_new_eof) {
				pending = 0;   /* end of the file: nothing follows */
				offset = 0;
				continue;
			}
			if ((a == 0 && b == 0) ||
			    (had_context && t != ' ' && orem == 0 && nrem == 0)) {
				/* A new file, or a hunk with context but none
				 * after its last change (the end of the file):
				 * nothing follows. */
				pending = 0;
				offset = 0;
				continue;
			}
			if (!cfile) {
				pending = 0;
				offset = 0;
				continue;
			}
			if (lx.in_comment || lx.cont)
				continue;
			fprintf(bf, "+#line %ld\n", num && oline >= 1 && (size_t)oline <= nnum ?
				num[oline] : oline);
			added++;
			pending = 0;
			offset = 0;
		}
		if (orem > 0 || nrem > 0) {
			ns_err_set(err, "%s: hunk %u: truncated (%ld old and %ld new lines missing)",
				 file, hunkno, orem, nrem);
			goto fail;
		}
		if (pending) {
			(*nwarn)++;
			addf(warn, warnlen, "%s: hunk %u (@@ -%ld): no place for a #line directive "
			     "(inside a comment or a macro continuation); the lines after it move by %ld\n",
			     file, hunkno, a, offset);
		}
		fclose(bf);
		bf = NULL;
		fprintf(f, "@@ -%ld,%ld +%ld,%ld @@", a, b,
			c + file_added + (d == 0 && added ? 1 : 0), d + added);
		fwrite(rest, 1, (size_t)(l->s + l->n - rest), f);
		fputc('\n', f);
		fwrite(body, 1, bodysz, f);
		free(body);
		body = NULL;
		file_added += added;
		i = j;
	}
	if (fclose(f)) {
		f = NULL;
		goto oom;
	}
	f = NULL;
	free(ls);
	free(num);
	*outlen = outsz;
	return out;
oom:
	ns_err_set(err, "out of memory");
fail:
	if (bf)
		fclose(bf);
	free(body);
	if (f)
		fclose(f);
	free(out);
	free(ls);
	free(num);
	return NULL;
}
