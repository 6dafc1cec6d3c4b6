#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
/* added
 * lines */
#include <assert.h>
NOINLINE int checked(int x)
{
	assert(x > 0);
	return x * 2;
}
NOINLINE int changed(int x) { return x * 5 + (x >> 3); }
int main(int argc, char **argv) { (void)argv; printf("%d %d\n", checked(argc), changed(argc)); return 0; }
