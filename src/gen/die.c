/* die.c — the small questions asked of one DWARF DIE (die.h). */
#include <dwarf.h>
#include <stddef.h>

#include "gen/die.h"

#define DEPTH_MAX 48   /* typedef and qualifier chains are never this long */

int die_type(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute at;

	if (!dwarf_attr_integrate(die, DW_AT_type, &at) || !dwarf_formref_die(&at, out))
		return -1;
	return 0;
}

int64_t die_udata(Dwarf_Die *die, unsigned name)
{
	Dwarf_Attribute at;
	Dwarf_Word w;

	if (!dwarf_attr_integrate(die, name, &at) || dwarf_formudata(&at, &w))
		return -1;
	return (int64_t)w;
}

int die_has_addr(Dwarf_Die *die, Dwarf_Addr addr)
{
	Dwarf_Addr base, start, end;
	ptrdiff_t off = 0;

	/* low_pc/high_pc first: dwarf_ranges() of elfutils 0.188 fails on
	 * clang's DW_FORM_addrx low_pc in relocated objects. */
	if (dwarf_lowpc(die, &start) == 0 && dwarf_highpc(die, &end) == 0)
		return addr >= start && addr < end;
	while ((off = dwarf_ranges(die, off, &base, &start, &end)) > 0)
		if (addr >= start && addr < end)
			return 1;
	return 0;
}

int die_is_aggregate(int tag)
{
	return tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
	       tag == DW_TAG_class_type;
}

int die_is_qualifier(int tag)
{
	return tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
	       tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type;
}

void die_strip(Dwarf_Die *t, Dwarf_Die *out)
{
	Dwarf_Die cur = *t, next;

	for (int i = 0; i < DEPTH_MAX; i++) {
		int tag = dwarf_tag(&cur);

		if ((tag != DW_TAG_typedef && !die_is_qualifier(tag)) || die_type(&cur, &next))
			break;
		cur = next;
	}
	*out = cur;
}

int64_t die_size(Dwarf_Die *t)
{
	Dwarf_Word w;
	Dwarf_Die s;

	if (dwarf_aggregate_size(t, &w) == 0)
		return (int64_t)w;
	die_strip(t, &s);
	if (dwarf_tag(&s) == DW_TAG_pointer_type)
		return 8;
	return die_udata(&s, DW_AT_byte_size);
}

int die_array_dims(Dwarf_Die *t, int64_t *dims, int max)
{
	Dwarf_Die c;
	int n = 0;

	if (dwarf_child(t, &c) != 0)
		return 0;
	do {
		int64_t count, ub;

		if (dwarf_tag(&c) != DW_TAG_subrange_type || n == max)
			continue;
		count = die_udata(&c, DW_AT_count);
		if (count < 0 && (ub = die_udata(&c, DW_AT_upper_bound)) >= 0) {
			int64_t lb = die_udata(&c, DW_AT_lower_bound);

			count = ub - (lb > 0 ? lb : 0) + 1;
		}
		dims[n++] = count;
	} while (dwarf_siblingof(&c, &c) == 0);
	return n;
}

int die_member_bits(Dwarf_Die *m, uint64_t *bit_off, uint64_t *bit_size)
{
	Dwarf_Attribute at;
	Dwarf_Word loc = 0, w;
	int64_t bs = die_udata(m, DW_AT_bit_size);

	*bit_size = bs > 0 ? (uint64_t)bs : 0;
	if (dwarf_attr(m, DW_AT_data_bit_offset, &at)) {
		if (dwarf_formudata(&at, &w))
			return -1;
		*bit_off = w;
		return 0;
	}
	if (dwarf_attr(m, DW_AT_data_member_location, &at) &&
	    dwarf_formudata(&at, &loc)) {
		/* DWARF 2 style: a location expression DW_OP_plus_uconst N. */
		Dwarf_Op *ops;
		size_t n;

		if (dwarf_getlocation(&at, &ops, &n) || n != 1 ||
		    ops[0].atom != DW_OP_plus_uconst)
			return -1;
		loc = ops[0].number;
	}
	*bit_off = loc * 8;
	if (bs > 0 && dwarf_attr(m, DW_AT_bit_offset, &at) && !dwarf_formudata(&at, &w)) {
		/* DWARF 2-4: bits from the most significant bit of a storage
		 * unit of DW_AT_byte_size (or the type's size) bytes. */
		int64_t unit = die_udata(m, DW_AT_byte_size);
		Dwarf_Die t;

		if (unit < 0 && die_type(m, &t) == 0)
			unit = die_size(&t);
		if (unit < 0 || (uint64_t)unit * 8 < w + (uint64_t)bs)
			return -1;
		*bit_off += (uint64_t)unit * 8 - w - (uint64_t)bs;
	}
	return 0;
}
