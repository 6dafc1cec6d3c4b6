/* v3 (fix B, on top of A): greet() changes its code. */
static int greeted;

const char *greet(void)
{
	return greeted++ ? "hello again" : "hello, world";
}
