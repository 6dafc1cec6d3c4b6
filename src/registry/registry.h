/* registry.h — reading the records of every patch applied to a process
 * (their layout: record.h) and updating them in place. The process can
 * write any of it (or forge such a mapping): every record is checked as
 * it is read (registry/rec_check.h), and one that fails is never acted on. */
#ifndef NONSTOP_REGISTRY_H
#define NONSTOP_REGISTRY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "registry/record.h"

/* A record read back from a process. */
struct ns_rec_entry {
	struct ns_rec *rec;        /* malloc'd copy */
	uint64_t addr;             /* where it lives in the target */
};

/* A "nonstop:" mapping with no record yet (see ns_mapping_sweep). */
struct ns_orphan {
	uint64_t start, end;
};

/* A "nonstop:" mapping with our magic whose record is damaged (a value
 * out of range: registry/rec_check.h): listed, never acted on. */
struct ns_rec_bad {
	uint64_t addr;
	char     name[NS_NAME_MAX]; /* as the record says, cut and terminated:
				       any bytes (ns_esc() to print) */
	char     why[160];          /* which value, and why it is out of range */
};

struct ns_registry {
	struct ns_rec_entry *v;
	size_t n;                  /* sorted by seq */
	struct ns_orphan *orphans;
	size_t norphans;
	struct ns_rec_bad *bad;    /* in the order of the mappings */
	size_t nbad;
};

/* At most this many bytes of records are read from one process (the
 * records beyond count as damaged): a target cannot make nonstop read or
 * allocate more, however many "nonstop:" mappings it makes. */
#define NS_REGISTRY_BYTES_MAX (64u << 20)

/* Reads every nonstop record of PID (through MEM_FD), each checked
 * (registry/rec_check.h): mappings that are not records are ignored,
 * damaged records go to REG->bad. 0, or -1 with errno. */
int ns_registry_read(pid_t pid, int mem_fd, struct ns_registry *reg);
void ns_registry_free(struct ns_registry *reg);

/* The record at BASE in PID, read and checked as ns_registry_read does
 * (malloc'd); NULL if there is none there (*DAMAGED false, WHY says why)
 * or it is damaged (*DAMAGED true, WHY: "the record of the patch at ADDR
 * in process PID is damaged: ..."). */
struct ns_rec *ns_rec_read_at(pid_t pid, int mem_fd, uint64_t base,
			      bool *damaged, char *why, size_t whylen);

/* The record named NAME, or the last applied if NAME is NULL (not one
 * already reverted and retiring); NULL if none. */
struct ns_rec_entry *ns_registry_find(struct ns_registry *reg, const char *name);


/* Writes the frames field of the record at ADDR. */
int ns_rec_set_frames(int mem_fd, uint64_t addr, uint32_t frames);

#endif
