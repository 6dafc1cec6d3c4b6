/* v2: the new answer. */
const char *answer(void)
{
	return "new";
}
