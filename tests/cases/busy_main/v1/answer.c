/* v1: what the patch changes. */
const char *answer(void)
{
	return "old";
}
