/* Patch C: run_job(n) = step(n) + 2. */
int step(int n);

__attribute__((noinline)) int run_job(int n)
{
	if (n < 0)
		return 0;
	return step(n) + 2;
}
