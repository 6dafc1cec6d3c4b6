/* Shared by prog and tool, compiled the same way for both. */
#include <stdio.h>

__attribute__((noinline)) int base(void)
{
	return 1000;
}

void banner(const char *who)
{
	printf("%s %d\n", who, base());
}
