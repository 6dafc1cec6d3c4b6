#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif
static NOINLINE size_t token_len(const char *s)
{
	size_t n = 0;
	while (s[n] && s[n] != ' ' && s[n] != '\t')
		n++;
	return n;
}
NOINLINE long first_token(const char *s) { return (long)token_len(s) * 100; }
int main(int argc, char **argv) { (void)argc; (void)argv; printf("%ld\n", first_token("hello world")); return 0; }
