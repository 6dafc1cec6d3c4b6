/* Patch A: a call counter per item, kept in a shadow variable. */
#include <stdint.h>
#include <string.h>

#include "nonstop.h"

#define CALLS   1	/* the counter's shadow id, shared with patch B */
#define SCRATCH 2	/* check()'s */

struct item {
	int id;
	char name[12];
};

int visit(struct item *it)
{
	int *n = nonstop_shadow_alloc(it, CALLS, sizeof(*n));

	return n ? ++*n : -1;
}

int peek(struct item *it)
{
	int *n = nonstop_shadow_get(it, CALLS);

	return n ? *n : -1;
}

/* The API as include/nonstop.h documents it; 0, or the number of the
 * first check that failed. */
int check(struct item *items)
{
	struct item *it = &items[0];
	unsigned char *a = nonstop_shadow_alloc(it, SCRATCH, 40), *b;

	if (!a)
		return 1;
	for (int i = 0; i < 40; i++)
		if (a[i])
			return 2;                 /* zeroed */
	if ((uintptr_t)a % 16)
		return 3;                         /* aligned */
	memset(a, 0x5a, 40);
	if (nonstop_shadow_alloc(it, SCRATCH, 40) != a || a[39] != 0x5a)
		return 4;                         /* the existing one, as it was */
	if (nonstop_shadow_alloc(it, SCRATCH, 41))
		return 5;                         /* not with another size */
	if (nonstop_shadow_get(it, SCRATCH) != a)
		return 6;
	if (nonstop_shadow_get(&items[1], SCRATCH))
		return 7;                         /* per object */
	if (nonstop_shadow_get(it, SCRATCH + 1))
		return 8;                         /* per id */
	nonstop_shadow_free(it, SCRATCH);
	if (nonstop_shadow_get(it, SCRATCH))
		return 9;
	nonstop_shadow_free(it, SCRATCH);        /* none: nothing happens */
	b = nonstop_shadow_alloc(it, SCRATCH, 40);
	if (!b || b[0] || b[39])
		return 10;                        /* a new one, zeroed again */
	nonstop_shadow_free_all(SCRATCH);
	if (nonstop_shadow_get(it, SCRATCH))
		return 11;
	return 0;
}

int drop(void)
{
	nonstop_shadow_free_all(CALLS);
	return 1;
}
