/* n is a static local: live state owned by tick(). */
long tick(void)
{
	static long n;

	n += 1;
	return n;
}
