/* Only the string changes in v2; the code is the same bytes. */
const char *greeting(void)
{
	return "HELLO FROM V2";
}
