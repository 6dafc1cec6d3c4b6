#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
static __attribute__((noinline)) int kscale(const int *v, int n, int k)
{
	int r = 0;
	for (int i = 0; i < n; i++) {
		if (k == 1) r += v[i];
		else if (k == 2) r -= v[i] * 3;
		else if (k == 3) r ^= v[i] << 2;
		else r |= v[i];
	}
	return r;
}
NOINLINE int use1(const int *v, int n) { return kscale(v, n, 1) + 1; }
NOINLINE int use2(const int *v, int n) { return kscale(v, n, 2) - 1; }
int main(int argc, char **argv)
{
	int v[4] = { argc, 2, 3, 4 };
	(void)argv;
	printf("%d %d\n", use1(v, argc), use2(v, argc));
	return 0;
}
