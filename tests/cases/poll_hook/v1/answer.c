/* The function the patch changes. */
const char *answer(void)
{
	return "old";
}
