/* libshl.so, v1. calc() calls rare() only for negative inputs: until then
 * the library's PLT slot for rare() is not resolved (lazy binding).
 * verbose is the library's variable, which the program reads directly:
 * the program holds the live copy (a copy relocation), the library's own
 * is dead. */
int verbose = 1;

__attribute__((noinline)) int rare(int x)
{
	return -x;
}

__attribute__((noinline)) int often(int x)
{
	return x + 100;
}

int calc(int x)
{
	if (x < 0)
		return rare(x);
	return often(x) * 2 + verbose;
}
