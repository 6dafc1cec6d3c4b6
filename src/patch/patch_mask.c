/* patch_mask.c — which bytes of an old function its checksum skips.
 *
 * A patch checks, before writing anything, that every function it replaces
 * is the code it was built against. That code is not always where the
 * patch's build saw it: when patches stack (patch.h), it may be an earlier
 * patch's copy, linked by nonstop at other addresses, or the original
 * binary's, linked at other addresses than in the build the patch was made
 * from. What differs between two links of the same object code is the
 * fields the relocations fill and, where the linker relaxes an instruction
 * (a GOT load into a lea or an immediate, an initial-exec TLS access into a
 * local-exec one), a few bytes of that instruction before the field. The
 * generator lists those ranges for each replaced function from the old
 * object's relocations; the checksum counts them as zero bytes, at build
 * and at apply alike. */
#include <stdlib.h>
#include <string.h>

#include "patch/patch.h"
#include "util/checksum.h"

int ns_mask_of_reloc(uint32_t type, unsigned *before, unsigned *width)
{
	*before = 0;
	switch (type) {
	case 0:  /* R_X86_64_NONE */
		*width = 0;
		return 0;
	case 1:  /* R_X86_64_64 */
	case 16: /* R_X86_64_DTPMOD64 */
	case 17: /* R_X86_64_DTPOFF64 */
	case 18: /* R_X86_64_TPOFF64 */
	case 24: /* R_X86_64_PC64 */
	case 25: /* R_X86_64_GOTOFF64 */
	case 27: /* R_X86_64_GOT64 */
	case 28: /* R_X86_64_GOTPCREL64 */
	case 29: /* R_X86_64_GOTPC64 */
	case 30: /* R_X86_64_GOTPLT64 */
	case 31: /* R_X86_64_PLTOFF64 */
	case 33: /* R_X86_64_SIZE64 */
		*width = 8;
		return 0;
	case 2:  /* R_X86_64_PC32 */
	case 3:  /* R_X86_64_GOT32 */
	case 4:  /* R_X86_64_PLT32 */
	case 9:  /* R_X86_64_GOTPCREL: never relaxed */
	case 10: /* R_X86_64_32 */
	case 11: /* R_X86_64_32S */
	case 21: /* R_X86_64_DTPOFF32 */
	case 23: /* R_X86_64_TPOFF32 */
	case 26: /* R_X86_64_GOTPC32 */
	case 32: /* R_X86_64_SIZE32 */
		*width = 4;
		return 0;
	case 12: /* R_X86_64_16 */
	case 13: /* R_X86_64_PC16 */
		*width = 2;
		return 0;
	case 14: /* R_X86_64_8 */
	case 15: /* R_X86_64_PC8 */
		*width = 1;
		return 0;
	case 41: /* R_X86_64_GOTPCRELX: mov/call/jmp/test/binop *foo@GOTPCREL
		    become lea, addr32 call, jmp + nop, immediate forms: the
		    opcode and ModRM before the field change */
		*before = 2;
		*width = 4;
		return 0;
	case 42: /* R_X86_64_REX_GOTPCRELX: the same, and the REX prefix's
		    R bit may move to B (mov $imm, %r8) */
	case 22: /* R_X86_64_GOTTPOFF: mov/add foo@gottpoff(%rip) become
		    mov/add $imm (initial-exec to local-exec): REX, opcode and
		    ModRM change */
	case 34: /* R_X86_64_GOTPC32_TLSDESC: lea becomes mov $imm */
		*before = 3;
		*width = 4;
		return 0;
	case 35: /* R_X86_64_TLSDESC_CALL: call *(%rax), 2 bytes, becomes a nop */
		*width = 2;
		return 0;
	case 19: /* R_X86_64_TLSGD: the 16-byte general-dynamic sequence
		    (data16 lea; data16 data16 rex.W call __tls_get_addr) is
		    rewritten whole; the field is at its byte 4 */
		*before = 4;
		*width = 12;
		return 0;
	case 20: /* R_X86_64_TLSLD: the 12-byte local-dynamic sequence (lea;
		    call __tls_get_addr), field at byte 3 */
		*before = 3;
		*width = 9;
		return 0;
	default:
		*width = 0;
		return -1;
	}
}

int ns_mask_add(struct ns_mask_list *l, int64_t off, unsigned before,
		unsigned width)
{
	int64_t lo = off - (int64_t)before, hi = off + (int64_t)width;

	if (lo < 0)
		lo = 0;
	if ((uint64_t)hi > l->size)
		hi = (int64_t)l->size;
	if (hi <= lo || l->size > UINT32_MAX)
		return 0;
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 16;
		struct ns_mask *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].off = (uint32_t)lo;
	l->v[l->n].len = (uint32_t)(hi - lo);
	l->n++;
	return 0;
}

static int by_off(const void *a, const void *b)
{
	const struct ns_mask *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

void ns_mask_finish(struct ns_mask_list *l)
{
	uint32_t k = 0;

	if (!l->n)
		return;
	qsort(l->v, l->n, sizeof(*l->v), by_off);
	for (uint32_t i = 1; i < l->n; i++) {
		struct ns_mask *last = &l->v[k];
		uint64_t end = (uint64_t)last->off + last->len;

		if (l->v[i].off <= end) {
			uint64_t e2 = (uint64_t)l->v[i].off + l->v[i].len;

			if (e2 > end)
				last->len = (uint32_t)(e2 - last->off);
		} else {
			l->v[++k] = l->v[i];
		}
	}
	l->n = k + 1;
}

uint64_t ns_mask_checksum(uint8_t *code, uint64_t size,
			  const struct ns_mask *masks, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t off = masks[i].off, len = masks[i].len;

		if (off >= size)
			continue;
		if (len > size - off)
			len = size - off;
		memset(code + off, 0, len);
	}
	return ns_checksum(code, size);
}
