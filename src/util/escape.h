/* escape.h — making a string that nonstop did not write (read from a
 * target: a record's names, a thread's name, a hook's message; or from a
 * patch file) safe to print on a terminal or in JSON. A target that could
 * put ESC, CR or LF into nonstop's output could rewrite what the user
 * sees (terminal escape sequences, forged lines); escaped, every byte it
 * controls shows as what it is. */
#ifndef NONSTOP_ESCAPE_H
#define NONSTOP_ESCAPE_H
#include <stddef.h>

/* Room for a string of N bytes escaped (each byte at most "\xHH"), with
 * its terminating NUL. */
#define NS_ESC_SIZE(n) ((n) * 4 + 1)

/* Copies S into BUF (LEN bytes, always NUL-terminated; cut before an
 * escape that does not fit) with every byte that could drive a terminal
 * escaped: the C0 controls and DEL as \t \n \r \e or \xHH, a backslash as
 * \\, and bytes that are not valid UTF-8 (stray or overlong sequences,
 * surrogates, beyond U+10FFFF), or that encode a C1 control (U+0080 to
 * U+009F, which some terminals obey as ESC sequences), as \xHH each.
 * Valid UTF-8 otherwise passes unchanged. Returns BUF. */
const char *ns_esc(const char *s, char *buf, size_t len);

/* Prints S on stdout escaped as ns_esc() does, however long it is (a
 * name from a patch file has no fixed bound). */
void ns_esc_put(const char *s);

/* Prints S on stdout as a JSON string (null if S is NULL): '"' and '\'
 * escaped, every byte below 0x20 or from 0x7f up as \u00XX (the output is
 * plain ASCII, valid JSON whatever the bytes). */
void ns_json_str(const char *s);
#endif
