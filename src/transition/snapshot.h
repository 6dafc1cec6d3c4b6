/* snapshot.h — the target's memory as the unwinder reads it: each stopped
 * thread's live stack copied in one read, other pages read once each. */
#ifndef NONSTOP_SNAPSHOT_H
#define NONSTOP_SNAPSHOT_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct ns_snapshot;

/* For the process PID, whose memory is MEM_FD (kept, not closed). Reads
 * the bounds of its mappings now (before any thread stops): they bound
 * what one thread's snapshot copies. NULL if out of memory. */
struct ns_snapshot *ns_snapshot_new(pid_t pid, int mem_fd);
void ns_snapshot_free(struct ns_snapshot *s);

/* Threads ran: nothing copied so far holds any more. */
void ns_snapshot_forget(struct ns_snapshot *s);

/* Copies, in one read, the live part of the stack whose pointer is SP:
 * from SP up to the end of its mapping (at most a bound). The copy
 * replaces the last thread's. How many bytes were copied. */
size_t ns_snapshot_stack(struct ns_snapshot *s, uint64_t sp);

/* The word at ADDR: from the stack copy, or from a page read once per
 * ns_snapshot_forget(). False if the target has no such memory. */
bool ns_snapshot_word(struct ns_snapshot *s, uint64_t addr, uint64_t *word);

#endif
