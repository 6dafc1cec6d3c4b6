/* v1. greet() and calc() of v2 differ from these only in a relocated field
 * (the string greet() returns, the function calc() calls): their bytes,
 * with the relocated fields masked, are v1's. */
const char *greet(void)
{
	return "hello";
}
