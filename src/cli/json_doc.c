/* json_doc.c — one JSON document per command run with --json (see
 * json_doc.h).
 *
 * A command prints its own document when it succeeds, and the failures
 * that know more (which process, which patch) print theirs. Every other
 * way out of a command goes through ns_fail or ns_usage_error, which ask
 * here: with --json and nothing printed yet, the failure becomes the
 * document, so a script reading stdout always gets one. The state is one
 * process-wide flag pair, on purpose: it is a property of the command's
 * stdout, which is process-wide too, and every error path of every
 * command reaches it without being handed it. A command killed by its
 * own deadline or by SIGBUS (util/guard.h) ends from a signal handler:
 * last_words then writes the failure document, or closes the one left
 * open, with write(2) alone. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/json_doc.h"
#include "util/escape.h"
#include "util/guard.h"

static volatile bool wanted, printed, open_array;

/* Async-signal-safe: appends S to BUF (of LEN, at *AT) as the inside of
 * a JSON string; drops what does not fit. */
static void put(char *buf, size_t len, size_t *at, const char *s, bool esc)
{
	for (; *s && *at + 7 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (esc && (c == '"' || c == '\\')) {
			buf[(*at)++] = '\\';
			buf[(*at)++] = (char)c;
		} else if (esc && c < 0x20) {
			if (c != '\n')
				buf[(*at)++] = ' ';
		} else {
			buf[(*at)++] = (char)c;
		}
	}
}

/* From guard.c's handlers (util/guard.h): the document the command
 * would not have the time to print. */
static void last_words(const char *line)
{
	char doc[768];
	size_t at = 0;
	ssize_t rc;

	if (!wanted || (printed && !open_array))
		return;
	put(doc, sizeof(doc), &at, open_array ? "],\"ok\":false,\"error\":\""
					      : "{\"ok\":false,\"error\":\"", false);
	put(doc, sizeof(doc), &at, line, true);
	put(doc, sizeof(doc), &at, "\",\"exit\":1}\n", false);
	rc = write(STDOUT_FILENO, doc, at);
	(void)rc;
}

void ns_json_doc_want(void)
{
	wanted = true;
	ns_guard_last_words(last_words);
}

/* Out now: a deadline that ends the command later loses nothing. */
void ns_json_doc_printed(void)
{
	fflush(stdout);
	printed = true;
}

void ns_json_doc_open_array(void)
{
	ns_json_doc_printed();
	open_array = true;
}

void ns_json_doc_end(void)
{
	ns_json_doc_printed();
	open_array = false;
}

void ns_json_doc_fail_at(const char *fields, const char *msg, int code)
{
	if (!wanted || printed)
		return;
	printed = true;
	printf("{\"ok\":false,%s\"error\":", fields);
	ns_json_str(msg);
	printf(",\"exit\":%d%s}\n", code, code == 2 ? ",\"usage\":true" : "");
	fflush(stdout);
}

void ns_json_doc_fail(const char *msg, int code)
{
	ns_json_doc_fail_at("", msg, code);
}
