/* server.h — what the demo server's files share. */
#ifndef DEMO_SERVER_H
#define DEMO_SERVER_H

#include <stddef.h>
#include <stdio.h>

/* Formats the reply to "WC <text>" (the number of words of text). */
int wc_reply(const char *text, char *out, size_t len);

/* One open connection, from accept() until conn_close(). */
struct conn {
	int fd;
};

/* Answers one request line of connection C (without its newline) into
 * out (requests.c). */
void handle_request(struct conn *c, const char *line, char *out, size_t len);

/* Closes connection C and frees it. */
void conn_close(struct conn *c);

/* Requests served since the server started. */
unsigned long requests_served(void);

#endif
