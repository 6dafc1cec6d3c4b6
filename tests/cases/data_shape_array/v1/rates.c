/* v1: two kinds of request. The hits are live state. */
#include <stdio.h>
#include <string.h>

struct rate {
	const char *name;
	unsigned limit;
	unsigned long hits;
};

static struct rate rates[] = {
	{ "get", 100, 0 },
	{ "put", 2, 0 },
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
