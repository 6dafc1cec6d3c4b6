/* dispatch.h — the code of the per-thread transition: how a function's
 * patchable entry is redirected, and the dispatcher that picks, by the
 * calling thread's view, the version of the function it runs.
 *
 * A function built with `nonstop cflags` (-fpatchable-function-entry=7,5)
 * looks like this, with F its symbol:
 *
 *   F-5:  90 90 90 90 90        the pad: never executed
 *   F:   [f3 0f 1e fa]          endbr64, with -fcf-protection
 *   E:    90 90 | 66 90         the entry: a 2-byte nop (gcc: two 1-byte)
 *   E+2:  ...                   the body
 *
 * Redirected, the pad holds `jmp DISPATCHER` and the entry `jmp F-5`
 * (eb f9, or eb f5 after endbr64). The pad is written while nothing
 * executes it; the entry with one 2-byte store. A thread that was between
 * gcc's two 1-byte nops at that instant executes the jump's second byte as
 * an instruction of its own: f9 is stc, f5 is cmc, which only change the
 * carry flag, which no caller expects to survive a call; it then runs the
 * old body, as it had already entered it.
 *
 * The dispatcher of a function in patch P, with P's generations [FROM, TO):
 *
 *   mov  %fs:VIEW, %r11d        the calling thread's view (libnonstop TLS)
 *   cmp  FROM(%rip), %r11d ; jb  fallback
 *   cmp  TO(%rip), %r11d   ; jae fallback
 *   jmp  NEW                    P's version
 *   fallback: jmp PREV          what the pad jumped to before P: the old
 *                               body (E+2), or an earlier patch's dispatcher
 *
 * r11 and the flags are free at a function's entry in the SysV ABI (r11 is
 * what PLT stubs use), so nothing of the caller's is disturbed. */
#ifndef NONSTOP_DISPATCH_H
#define NONSTOP_DISPATCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NS_PAD_LEN       5
#define NS_DISPATCH_LEN  37

/* A function's patchable entry, as read from the target. */
struct ns_entry_site {
	uint64_t func;          /* the symbol */
	uint64_t pad;           /* func - 5 */
	uint64_t entry;         /* func, or func + 4 after endbr64 */
	uint64_t body;          /* entry + 2: where the old code goes on */
	uint8_t  orig[NS_PAD_LEN + 2]; /* pad and entry bytes before any
					  redirection */
	bool     redirected;    /* entry holds the jump to the pad */
	uint64_t target;        /* then: where the pad jumps */
};

/* Reads the entry of the function at FUNC through MEM_FD. 0; -1 with WHY
 * ("has no patchable entry", ...) if it cannot be redirected this way. */
int ns_entry_site_read(int mem_fd, uint64_t func, struct ns_entry_site *s,
		       char *why, size_t whylen);

/* The 2-byte jump the entry gets (little-endian, for a 2-byte store). */
uint16_t ns_entry_jump(const struct ns_entry_site *s);
/* The entry's 2 bytes before redirection. */
uint16_t ns_entry_nop(const struct ns_entry_site *s);

/* `jmp TO` at the pad, 5 bytes. -1 if out of reach. */
int ns_pad_encode(const struct ns_entry_site *s, uint64_t to,
		  uint8_t out[NS_PAD_LEN]);
/* The pad's jump target field (pad + 1, 4 bytes) for TO. */
int ns_pad_rel(const struct ns_entry_site *s, uint64_t to, uint32_t *rel);

/* The dispatcher placed at AT. VIEW_TPOFF: the view's offset from %fs;
 * FROM/TO: addresses of P's two 32-bit generation bounds. -1 if a target
 * is out of reach of a 32-bit displacement. */
int ns_dispatch_encode(uint8_t out[NS_DISPATCH_LEN], uint64_t at,
		       int64_t view_tpoff, uint64_t from, uint64_t to,
		       uint64_t new_fn, uint64_t fallback);
#endif
