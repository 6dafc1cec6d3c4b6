/* strbuf.h — a growable buffer, NUL-terminated after its LEN bytes: the
 * generator's text (type names, messages, identities of what relocations
 * refer to, the C of --emit-transformer) and the patch writer's tables.
 * Running out of memory sets a flag instead of failing each call: the
 * caller checks it once, at the end (sb_failed). */
#ifndef NONSTOP_UTIL_STRBUF_H
#define NONSTOP_UTIL_STRBUF_H

#include <stddef.h>

struct strbuf {
	char  *p;       /* NUL-terminated once anything was added; may be NULL */
	size_t len, cap;
	int    oom;
};

/* Appends the N bytes at S (any bytes: NULs too). */
void sb_add(struct strbuf *b, const void *s, size_t n);
void sb_puts(struct strbuf *b, const char *s);
void sb_printf(struct strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Inserts S at the front. */
void sb_prepend(struct strbuf *b, const char *s);
/* The text so far ("" if empty). */
const char *sb_str(const struct strbuf *b);
int  sb_failed(const struct strbuf *b);
void sb_reset(struct strbuf *b);   /* empty, keeps the memory */
void sb_free(struct strbuf *b);

#endif
