/* v1: a(x) = x + 1, b(x) = x + 10. v2 changes both; a test that sees one
 * changed and not the other has caught a half-applied patch. */
int a(int x)
{
	if (x < 0)
		return -1;
	return x + 1;
}

int b(int x)
{
	if (x < 0)
		return -1;
	return x + 10;
}
