/* The global counter is live state; v2 changes only how bump() counts. */
long counter;

long bump(void)
{
	counter += 1;
	return counter;
}
