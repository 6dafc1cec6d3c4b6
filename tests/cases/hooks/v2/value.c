/* The function the hook tests patch: 1 in v1, 2 in v2. */
int value(void)
{
	return 2;
}
