/* Another program of the tree: prints base() and exits. */
void banner(const char *who);

int main(void)
{
	banner("tool");
	return 0;
}
