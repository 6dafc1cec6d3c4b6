/* Unchanged in every version. */
const char *greet(void)
{
	return "hello";
}

int limit(int x)
{
	return x > 10 ? 10 : x;
}
