/* v2 (fix A): another string, the same code. */
const char *greet(void)
{
	return "hello, world";
}
