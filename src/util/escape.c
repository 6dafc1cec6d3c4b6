/* escape.c — escaping strings nonstop did not write, for text and JSON
 * output (escape.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/escape.h"

/* The length of the valid UTF-8 sequence at S that encodes a printable
 * character (U+00A0 and up), 0 if there is none. Strict (RFC 3629): no
 * overlong forms, no surrogates, nothing beyond U+10FFFF. */
static size_t utf8_printable(const unsigned char *s)
{
	uint32_t c;
	size_t n;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	/* A NUL ends the string: it is no continuation byte, so the loop
	 * stops there and never reads past it. */
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff) || c < 0xa0)
		return 0;
	return n;
}

/* How byte B prints when escaped: into OUT (at least 5 bytes). */
static void esc_byte(unsigned char b, char *out)
{
	switch (b) {
	case '\t': strcpy(out, "\\t"); break;
	case '\n': strcpy(out, "\\n"); break;
	case '\r': strcpy(out, "\\r"); break;
	case 0x1b: strcpy(out, "\\e"); break;
	case '\\': strcpy(out, "\\\\"); break;
	default:   snprintf(out, 5, "\\x%02x", b); break;
	}
}

/* The bytes the character at P prints as: P itself if it is safe (*USED
 * bytes of it), else its escape in E. Returns their length. */
static size_t piece(const unsigned char *p, char e[5], const char **out,
		    size_t *used)
{
	*used = 1;
	*out = e;
	if (*p >= 0x20 && *p < 0x7f && *p != '\\') {
		e[0] = (char)*p;
		e[1] = 0;
	} else if (*p >= 0x80 && (*used = utf8_printable(p)) != 0) {
		*out = (const char *)p;
		return *used;
	} else {
		*used = 1;
		esc_byte(*p, e);
	}
	return strlen(e);
}

const char *ns_esc(const char *s, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t at = 0;

	if (!len)
		return buf;
	while (*p) {
		char e[5];
		const char *out;
		size_t used, n = piece(p, e, &out, &used);

		if (at + n >= len)
			break;
		memcpy(buf + at, out, n);
		at += n;
		p += used;
	}
	buf[at] = 0;
	return buf;
}

void ns_esc_put(const char *s)
{
	size_t n = NS_ESC_SIZE(strlen(s));
	char small[NS_ESC_SIZE(64)], *buf = n <= sizeof(small) ? small : malloc(n);

	if (!buf) {
		fputs("(out of memory)", stdout);
		return;
	}
	fputs(ns_esc(s, buf, n), stdout);
	if (buf != small)
		free(buf);
}

void ns_json_str(const char *s)
{
	if (!s) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}
