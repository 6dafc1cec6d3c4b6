#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
#include "nonstop.h"
struct ctr { int n; int step; };
struct old_ctr { int n; };
void xf_st(const void *old, void *new)
{
	((struct ctr *)new)->n = ((const struct old_ctr *)old)->n;
}
NOINLINE int next(void)
{
	static struct ctr st = { 40, 2 };
	NONSTOP_TRANSFORM(st, xf_st);
	st.n += st.step;
	return st.n;
}
int main(int argc, char **argv) { (void)argc; (void)argv; printf("%d\n", next()); return 0; }
