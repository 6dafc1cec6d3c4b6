/* server.h — what the demo server's files share. */
#ifndef DEMO_SERVER_H
#define DEMO_SERVER_H

#include <stddef.h>
#include <stdio.h>

/* Formats the reply to "WC <text>" (the number of words of text). */
int wc_reply(const char *text, char *out, size_t len);

#endif
