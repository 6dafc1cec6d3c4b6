/* v2 (fix A): tally() counts in hits_b. */
static int hits_a, hits_b;
int *const hit_counters[] = { &hits_a, &hits_b };  /* both kept */

int tally(int w)
{
	hits_b += 1;
	return w;
}

int hits(int w)
{
	return w ? hits_b : hits_a;
}
