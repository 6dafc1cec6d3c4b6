#include <stdio.h>
#include <stdlib.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
#include "nonstop.h"
struct cfg { int a; int b; int c; };
struct cfg conf = { 5, 7, 9 };
NOINLINE int get(void) { return conf.a * 100 + conf.b * 10 + conf.c; }
NOINLINE int first(void) { return conf.a; }
struct old_cfg { int a; int c; };
void xf_conf(const void *old, void *new)
{
	const struct old_cfg *o = old;
	struct cfg *n = new;

	n->a = o->a;
	n->c = o->c;
}
NONSTOP_TRANSFORM(conf, xf_conf);
int main(int argc, char **argv) { (void)argc; (void)argv; printf("%d %d\n", get(), first()); return 0; }
