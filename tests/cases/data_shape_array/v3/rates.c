/* v3, the patch as the user writes it: v2 (a third kind of request,
 * "del"), and a state transformer that moves the live hits into the
 * patch's new, longer table (docs/data-shapes.md, shape 1). */
#include <stdio.h>
#include <string.h>

#include "nonstop.h"

struct rate {
	const char *name;
	unsigned limit;
	unsigned long hits;
};

static struct rate rates[] = {
	{ "get", 100, 0 },
	{ "put", 2, 0 },
	{ "del", 5, 0 },
};
#define NRATES (sizeof(rates) / sizeof(rates[0]))

static struct rate *find(const char *name)
{
	for (size_t i = 0; i < NRATES; i++)
		if (!strcmp(rates[i].name, name))
			return &rates[i];
	return NULL;
}

int rate_hit(const char *name)
{
	struct rate *r = find(name);

	if (!r)
		return -1;
	return (int)++r->hits;
}

int rate_show(const char *name, char *buf, size_t len)
{
	const struct rate *r = find(name);

	if (!r)
		return -1;
	snprintf(buf, len, "%s limit=%u hits=%lu%s", r->name, r->limit, r->hits,
		 r->hits > r->limit ? " over" : "");
	return 0;
}

int rate_kinds(void)
{
	return (int)NRATES;
}

/* The running table has the first two entries of this one, in the same
 * order. NEW holds this build's initial value: the names and limits of
 * the new version, and the new entry. Only the state moves. */
#define OLD_NRATES 2

void rates_grow(const void *old, void *new)
{
	const struct rate *o = old;
	struct rate *n = new;

	for (size_t i = 0; i < OLD_NRATES; i++)
		n[i].hits = o[i].hits;
}

/* For revert: the old table gets the hits of its entries back; the new
 * entry's are dropped with the patch. */
void rates_shrink(const void *new, void *old)
{
	const struct rate *n = new;
	struct rate *o = old;

	for (size_t i = 0; i < OLD_NRATES; i++)
		o[i].hits = n[i].hits;
}

NONSTOP_TRANSFORM(rates, rates_grow);
NONSTOP_UNTRANSFORM(rates, rates_shrink);
