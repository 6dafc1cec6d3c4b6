/* wordcount.c — the word counting behind the server's "WC" request.
 *
 * Kept in a file of its own so that a fix to it is a small patch: only the
 * functions of this file can change, and the server's network code is not
 * touched (and not even recompiled differently).
 *
 * v1 has a plausible bug: it counts the separators and adds one, so runs of
 * spaces and leading spaces count as extra words ("hello  world" -> 3).
 * fix.diff replaces count_words() with an in-word/out-of-word scan.
 */
#include "server.h"

/* noinline: keep count_words() a function of its own at -O2, so the demo
 * patches a static function that unchanged code (wc_reply) calls. */
static __attribute__((noinline)) unsigned long count_words(const char *s)
{
	unsigned long n = 1;

	for (; *s; s++)
		if (*s == ' ' || *s == '\t')
			n++;
	return n;
}

/* Formats the reply to "WC <text>" into out (at most len bytes). */
int wc_reply(const char *text, char *out, size_t len)
{
	return snprintf(out, len, "%lu", count_words(text));
}
