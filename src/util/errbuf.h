/* errbuf.h — filling the caller's error buffer (char *err, size_t errlen),
 * the way functions that can fail report why. */
#ifndef NONSTOP_UTIL_ERRBUF_H
#define NONSTOP_UTIL_ERRBUF_H

#include <stddef.h>

/* Formats the message into ERR (truncated to ERRLEN); returns -1, so that
 * a failing path reads `return ns_errf(err, errlen, "...", ...);`. */
int ns_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
