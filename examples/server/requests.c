/* requests.c — the demo server's protocol: answering one request line, and
 * the end of a connection.
 *
 * In a file of its own, like wordcount.c, so that a fix to the protocol
 * replaces these functions and nothing of the network code. They are
 * called, not inlined, by connection_thread(), whose loop never returns
 * while its connection is open: in the per-thread mode, a thread inside a
 * patched loop function would keep running the old loop, but it calls the
 * new handle_request() from its next update point on.
 * (examples/server/conn-count.diff is such a fix.) */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

/* Requests served since start; incremented by every connection thread. */
static atomic_ulong served;

void handle_request(struct conn *c, const char *line, char *out, size_t len)
{
	(void)c;
	if (strncmp(line, "WC", 2) == 0 && (line[2] == ' ' || line[2] == '\0'))
		wc_reply(line[2] ? line + 3 : "", out, len);
	else if (strcmp(line, "STATS") == 0)
		snprintf(out, len, "served=%lu", atomic_load(&served) + 1);
	else
		snprintf(out, len, "ERR unknown request");
	atomic_fetch_add(&served, 1);
}

void conn_close(struct conn *c)
{
	close(c->fd);
	free(c);
}

unsigned long requests_served(void)
{
	return atomic_load(&served);
}
