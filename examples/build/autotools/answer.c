/* answer.c — the function the fix changes (fix.diff). */
int answer(void)
{
	return 1;
}
