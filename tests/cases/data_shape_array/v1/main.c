/* Target (docs/data-shapes.md, shape 1): a static array of structs, one
 * entry per kind of request with its limit and its live hit counter.
 * "hit NAME" counts a request of kind NAME (prints its hits, "over" once
 * they pass the limit, -1 for a kind the table does not have), "show NAME"
 * prints the entry, "kinds" the number of entries. */
#include "fixture.h"

int rate_hit(const char *name);
int rate_show(const char *name, char *buf, size_t len);
int rate_kinds(void);

static int command(const char *line)
{
	const char *arg;
	char buf[128];

	if ((arg = FIXTURE_ARG(line, "hit ")))
		return printf("%d\n", rate_hit(arg));
	if ((arg = FIXTURE_ARG(line, "show "))) {
		if (rate_show(arg, buf, sizeof(buf)) < 0)
			return printf("no kind %s\n", arg);
		return printf("%s\n", buf);
	}
	if (!strcmp(line, "kinds"))
		return printf("%d\n", rate_kinds());
	return 0;
}

int main(void)
{
	fixture_init();
	printf("ready\n");
	return fixture_loop(command);
}
