/* Functions that embed their own source line: assert's line argument and a
 * logging macro's __LINE__. v2 inserts lines above them and changes nothing
 * else: nonstop build must see no code difference (exit 3). */
#include <assert.h>
#include <stdio.h>

#define LOG(fmt, ...) \
	fprintf(stderr, "%s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__)

int before(int x)
{
	return x - 1;
}

int checked(int x)
{
	assert(x > 0);
	return x * 2;
}

int logged(int x)
{
	if (x > 100)
		LOG("large value %d", x);
	return x + 1;
}

int fixme(int x)
{
	return x + 10;
}

int masked(int x)
{
	return (x & 0x0f) | 0x100;
}
