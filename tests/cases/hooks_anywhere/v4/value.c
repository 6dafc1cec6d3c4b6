int value(void)
{
	return 4;
}
