/* redirect.h — the jump that sends callers of an old function to its new
 * version, and its removal. */
#ifndef NONSTOP_REDIRECT_H
#define NONSTOP_REDIRECT_H
#include <stddef.h>
#include <stdint.h>

#define NS_JMP_LEN 5

/* Encodes `jmp rel32` at FROM to TO into OUT. -1 if out of reach. */
int ns_redirect_encode(uint64_t from, uint64_t to, uint8_t out[NS_JMP_LEN]);
#endif
