/* json_doc.h — the promise of --json: exactly one JSON document on
 * stdout, whatever happens, failures and usage errors included. */
#ifndef NONSTOP_CLI_JSON_DOC_H
#define NONSTOP_CLI_JSON_DOC_H
#include <stdbool.h>

/* The command runs with --json (set once its arguments are read, or when
 * they are seen to contain --json before they are understood). */
void ns_json_doc_want(void);
/* A command printed its document, or a whole element of the array left
 * open: no other document follows. */
void ns_json_doc_printed(void);
/* The document is printed up to an array still open (its elements are
 * printed and flushed one by one): a command that dies before it ends
 * closes it. ns_json_doc_end: the document is whole. */
void ns_json_doc_open_array(void);
void ns_json_doc_end(void);
/* With --json and no document printed yet, prints
 * {"ok":false,"error":MSG,"exit":CODE} (with "usage":true for CODE 2). */
void ns_json_doc_fail(const char *msg, int code);
/* The same with FIELDS (JSON members, each followed by a comma, e.g.
 * "\"pid\":12,") after "ok": a failure that knows what it is about. */
void ns_json_doc_fail_at(const char *fields, const char *msg, int code);
#endif
