/* die.h — the small questions the generator asks of one DWARF DIE (die.c):
 * the type it refers to, an unsigned attribute, whether its code covers an
 * address, which class its tag is in, and for a type DIE its size, the
 * type under its typedefs and qualifiers, an array's bounds and a member's
 * offset in bits. Asked by the type comparison (typecmp.c), the C writer
 * (ctype.c), the transformer writer (transformer_body.c) and the DWARF of
 * one object (dwobj.c, lineshift.c). */
#ifndef NONSTOP_GEN_DIE_H
#define NONSTOP_GEN_DIE_H

#include <elfutils/libdw.h>
#include <stdint.h>

/* The type DIE refers to (DW_AT_type, through abstract origins): 0 and
 * *OUT, or -1 for none (void). */
int die_type(Dwarf_Die *die, Dwarf_Die *out);

/* The unsigned attribute NAME of DIE (through abstract origins), or -1 if
 * it has none. */
int64_t die_udata(Dwarf_Die *die, unsigned name);

/* True if ADDR is in one of the address ranges of DIE. */
int die_has_addr(Dwarf_Die *die, Dwarf_Addr addr);

/* True for struct, union and class tags. */
int die_is_aggregate(int tag);
/* True for const, volatile, restrict and _Atomic. */
int die_is_qualifier(int tag);

/* Type T with its typedefs and qualifiers removed (T itself if neither). */
void die_strip(Dwarf_Die *t, Dwarf_Die *out);
/* Its size in bytes, or -1 if unknown. */
int64_t die_size(Dwarf_Die *t);

/* The dimensions of array type T (its DW_TAG_subrange_type children):
 * element counts into DIMS (at most MAX; -1 for an unknown bound), their
 * number as the result. */
int die_array_dims(Dwarf_Die *t, int64_t *dims, int max);

/* A member's offset in bits from the start of its struct (bit-fields
 * included: DW_AT_data_bit_offset, or DW_AT_bit_offset of DWARF 2-4), and
 * its width in bits if it is a bit-field (else 0). -1 if unknown. */
int die_member_bits(Dwarf_Die *m, uint64_t *bit_off, uint64_t *bit_size);

#endif
