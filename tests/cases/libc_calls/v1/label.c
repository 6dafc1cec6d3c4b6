/* v1 copies a fixed word by hand: no libc at all. */
void label(int x, char *buf, unsigned long len)
{
	const char *s = x > 0 ? "positive" : "other";
	unsigned long i;

	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = s[i];
	buf[i] = '\0';
}
