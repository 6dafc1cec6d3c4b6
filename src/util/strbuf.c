/* strbuf.c — the growable string of strbuf.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

static int reserve(struct strbuf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return -1;
	if (b->len + n + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < b->len + n + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void sb_add(struct strbuf *b, const void *s, size_t n)
{
	if (reserve(b, n))
		return;
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void sb_puts(struct strbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

void sb_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sb_prepend(struct strbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (reserve(b, n))
		return;
	memmove(b->p + n, b->p, b->len);
	memcpy(b->p, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

const char *sb_str(const struct strbuf *b)
{
	return b->p && !b->oom ? b->p : "";
}

int sb_failed(const struct strbuf *b)
{
	return b->oom;
}

void sb_reset(struct strbuf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void sb_free(struct strbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}
