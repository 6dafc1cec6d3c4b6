/* v3 (fix B, on top of A): tally() counts twice. */
static int hits_a, hits_b;
int *const hit_counters[] = { &hits_a, &hits_b };  /* both kept */

int tally(int w)
{
	hits_b += 2;
	return w;
}

int hits(int w)
{
	return w ? hits_b : hits_a;
}
