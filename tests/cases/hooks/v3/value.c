/* v3: built on v2 (its hooks.c unchanged): 3. */
int value(void)
{
	return 3;
}
