#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
static int cmp(const void *x, const void *y) { return *(const int *)x - *(const int *)y; }
NOINLINE void sort_them(int *v, int n)
{
	qsort(v, n, sizeof *v, cmp);
	for (int i = 0; i < n; i++)
		printf("%d ", v[i]);
	printf("\n");
}
int main(int argc, char **argv)
{
	int v[5] = { 5, argc, 3, 9, 1 };
	(void)argv;
	sort_them(v, 5);
	return 0;
}
