/* dispatch.c — reading a function's patchable entry and encoding the
 * per-thread redirection (dispatch.h has the picture). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proc/mem.h"
#include "transition/dispatch.h"

static const uint8_t endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };

static bool is_nop_pad(const uint8_t *p)
{
	for (int i = 0; i < NS_PAD_LEN; i++)
		if (p[i] != 0x90)
			return false;
	return true;
}

static bool is_entry_nop(const uint8_t *e)
{
	return (e[0] == 0x90 && e[1] == 0x90) || (e[0] == 0x66 && e[1] == 0x90);
}

/* Each store the transition makes must be one that no thread can see
 * half of: inside one cache line. */
static bool within_line(uint64_t addr, unsigned len)
{
	return (addr & 63) + len <= 64;
}

uint16_t ns_entry_jump(const struct ns_entry_site *s)
{
	int8_t rel = (int8_t)((int64_t)s->pad - (int64_t)(s->entry + 2));

	return (uint16_t)(0xeb | ((uint16_t)(uint8_t)rel << 8));
}

uint16_t ns_entry_nop(const struct ns_entry_site *s)
{
	return (uint16_t)(s->orig[NS_PAD_LEN] | (s->orig[NS_PAD_LEN + 1] << 8));
}

int ns_entry_site_read(int mem_fd, uint64_t func, struct ns_entry_site *s,
		       char *why, size_t whylen)
{
	uint8_t b[NS_PAD_LEN + 6];   /* pad, endbr64?, entry */
	const uint8_t *e;

	memset(s, 0, sizeof(*s));
	if (ns_mem_read(mem_fd, func - NS_PAD_LEN, b, sizeof(b)) < 0) {
		snprintf(why, whylen, "cannot read its code: %s", strerror(errno));
		return -1;
	}
	s->func = func;
	s->pad = func - NS_PAD_LEN;
	s->entry = func;
	e = b + NS_PAD_LEN;
	if (!memcmp(e, endbr64, sizeof(endbr64))) {
		s->entry += sizeof(endbr64);
		e += sizeof(endbr64);
	}
	s->body = s->entry + 2;
	if (e[0] == (ns_entry_jump(s) & 0xff) && e[1] == ns_entry_jump(s) >> 8) {
		/* Redirected by an earlier per-thread patch: the pad jumps. */
		int32_t rel;
		if (b[0] != 0xe9) {
			snprintf(why, whylen, "its entry jumps to a pad that holds "
				 "no jump");
			return -1;
		}
		memcpy(&rel, b + 1, sizeof(rel));
		s->redirected = true;
		s->target = s->pad + NS_PAD_LEN + (int64_t)rel;
	} else if (!is_entry_nop(e) || !is_nop_pad(b)) {
		snprintf(why, whylen, "has no patchable entry (build it with "
			 "$(nonstop cflags), which has "
			 "-fpatchable-function-entry=7,5)");
		return -1;
	} else {
		memcpy(s->orig, b, NS_PAD_LEN);
		memcpy(s->orig + NS_PAD_LEN, e, 2);
	}
	if (!within_line(s->entry, 2) || !within_line(s->pad + 1, 4)) {
		snprintf(why, whylen, "its patchable entry crosses a cache line "
			 "(so it cannot be rewritten atomically)");
		return -1;
	}
	return 0;
}

static int rel32(uint64_t next, uint64_t to, int32_t *out)
{
	int64_t d = (int64_t)(to - next);

	if (d < INT32_MIN || d > INT32_MAX)
		return -1;
	*out = (int32_t)d;
	return 0;
}

int ns_pad_rel(const struct ns_entry_site *s, uint64_t to, uint32_t *rel)
{
	int32_t r;

	if (rel32(s->pad + NS_PAD_LEN, to, &r) < 0)
		return -1;
	*rel = (uint32_t)r;
	return 0;
}

int ns_pad_encode(const struct ns_entry_site *s, uint64_t to,
		  uint8_t out[NS_PAD_LEN])
{
	uint32_t rel;

	if (ns_pad_rel(s, to, &rel) < 0)
		return -1;
	out[0] = 0xe9;
	memcpy(out + 1, &rel, sizeof(rel));
	return 0;
}

/* Appends BYTES, then the 32-bit displacement to TO from the end of the
 * instruction (the displacement is its last field). */
static int put_rel(uint8_t *out, size_t *at, uint64_t base, const uint8_t *bytes,
		   size_t n, uint64_t to)
{
	int32_t d;

	memcpy(out + *at, bytes, n);
	*at += n;
	if (rel32(base + *at + 4, to, &d) < 0)
		return -1;
	memcpy(out + *at, &d, 4);
	*at += 4;
	return 0;
}

int ns_dispatch_encode(uint8_t out[NS_DISPATCH_LEN], uint64_t at,
		       int64_t view_tpoff, uint64_t from, uint64_t to,
		       uint64_t new_fn, uint64_t fallback)
{
	static const uint8_t mov_fs_r11d[] = { 0x64, 0x44, 0x8b, 0x1c, 0x25 };
	static const uint8_t cmp_rip_r11d[] = { 0x44, 0x3b, 0x1d };
	static const uint8_t jmp[] = { 0xe9 };
	int32_t tp;
	size_t n = 0;

	if (view_tpoff < INT32_MIN || view_tpoff > INT32_MAX)
		return -1;
	tp = (int32_t)view_tpoff;
	memcpy(out + n, mov_fs_r11d, sizeof(mov_fs_r11d));
	n += sizeof(mov_fs_r11d);
	memcpy(out + n, &tp, 4);
	n += 4;
	if (put_rel(out, &n, at, cmp_rip_r11d, sizeof(cmp_rip_r11d), from) < 0)
		return -1;
	out[n++] = 0x72;                 /* jb fallback */
	out[n++] = 7 + 2 + 5;
	if (put_rel(out, &n, at, cmp_rip_r11d, sizeof(cmp_rip_r11d), to) < 0)
		return -1;
	out[n++] = 0x73;                 /* jae fallback */
	out[n++] = 5;
	if (put_rel(out, &n, at, jmp, 1, new_fn) < 0 ||
	    put_rel(out, &n, at, jmp, 1, fallback) < 0)
		return -1;
	return n == NS_DISPATCH_LEN ? 0 : -1;
}
