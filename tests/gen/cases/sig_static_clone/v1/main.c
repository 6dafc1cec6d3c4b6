#include <stdio.h>
/* noinline only: gcc may clone scan (the constant mode: scan.constprop.N) */
static __attribute__((noinline)) int scan(const char *s, int lim, int mode)
{
	int n = 0;

	for (int i = 0; s[i] && i < lim; i++)
		n += mode ? s[i] == 'a' : s[i] == 'b';
	return n;
}
__attribute__((noinline)) int count(const char *s) { return scan(s, 64, 1); }
int main(void) { printf("%d\n", count("banana bread")); return 0; }
