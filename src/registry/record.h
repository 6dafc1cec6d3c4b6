/* record.h — the record nonstop keeps inside a target for every applied
 * patch: its layout, versions and states, and the helpers that find its
 * parts. Reading the records of a process is registry.h's, checking one
 * rec_check.h's; both build on this file, which needs neither.
 *
 * What is applied to a process is kept inside that process.
 *
 * Every applied patch lives in its own mapping, backed by a memfd named
 * "nonstop:NAME" so that it shows in /proc/PID/maps. The first page(s) of
 * that mapping hold the record below: which functions are redirected, the
 * bytes the redirection overwrote, and where the new code is. `status` and
 * `revert` read it back from a fresh nonstop invocation. The process can
 * write any of it (or forge such a mapping): every record is checked as
 * it is read (registry/rec_check.h), and one that fails is never acted on.
 *
 * Layout: struct ns_rec, its funcs[nfuncs], then (version 3) syms[nsyms].
 * Version 3 ("NSRECv3") added, before funcs[], where the patch's CFI is
 * (for unwinders: nonstop's safety check, the program's own backtrace())
 * and whether it is registered with the target's unwinder, and after
 * funcs[] the table of every function the patch brings. Version 2 records
 * (applied by an earlier nonstop) are still read, as version 3 records
 * without CFI. A nonstop that reads only version 2 does not see version 3
 * records at all: it cannot revert a patch whose frames libgcc knows
 * without deregistering them first (the program would crash in its next
 * unwind), so it must not see one. Version 4 ("NSRECv4", only for a
 * patch with hooks) is version 3 with, after syms[], the hooks block
 * below: a nonstop that cannot run hooks does not see such a record (it
 * would revert the patch without them, or unmap it while a hook runs). */
#ifndef NONSTOP_RECORD_H
#define NONSTOP_RECORD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "patch/patch.h"
#include "registry/mapname.h"

#define NS_REC_MAGIC    "NSRECv3"
#define NS_REC_MAGIC_V2 "NSRECv2"   /* still read */
#define NS_REC_MAGIC_V4 "NSRECv4"   /* NS_REC_MAGIC with hooks */
#define NS_NAME_MAX     64
#define NS_SAVED_MAX    16

enum ns_rec_state {
	NS_REC_LOADED   = 1, /* code placed, nothing redirected yet */
	NS_REC_APPLYING = 2, /* redirections being written (all stopped) */
	NS_REC_APPLIED  = 3,
	NS_REC_REVERTING = 4, /* switched back, memory not yet released: no
				 thread can be in its code */
	/* Per-thread mode (transition/perthread.h) */
	NS_REC_PT_BACK  = 5, /* being reverted: threads switch back at their
				update points; live */
	NS_REC_PT_RETIRING = 6, /* reverted; its memory is released once every
				   thread has passed an update point with none
				   of its code on its stack */
};

enum ns_rec_mode {
	NS_MODE_STOP       = 0, /* stop-the-world: entries jump to new code */
	NS_MODE_PER_THREAD = 1, /* entries jump to dispatchers */
};

/* The per-thread transition of a patch (transition/perthread.h). Threads
 * whose view is in [from, to) run the patch's code; FROM and TO live in
 * the patch's writable memory (at GENS), where its dispatchers read them. */
struct ns_rec_pt {
	uint64_t gens;             /* address of u32 from, u32 to, u32 the
				      generation installed with
				      (transition/perthread.h) */
	uint64_t plan, plan_cap;   /* room for the runtime's plans */
	uint32_t gen;              /* FROM: the generation it was installed
				      with (0 once it is being reverted after
				      completing) */
	uint32_t back_gen;         /* revert: the generation of old code */
	uint32_t grace_gen;        /* retiring: the generation every thread
				      must pass, its stack checked */
	uint32_t bypassed;         /* 1: every thread switched; the entries
				      jump straight to the new code */
};

/* Registration of the patch's CFI with libgcc's unwinder in the target
 * (core/frames.c). Written by nonstop before each call it makes, so that
 * a later nonstop knows, even if this one dies, whether the frames must be
 * deregistered before the memory is released; the call's own slot
 * (proc/call.h) says whether a call that was set up ran. */
enum ns_rec_frames {
	NS_FRAMES_NONE          = 0, /* not registered */
	NS_FRAMES_REGISTERING   = 1, /* __register_frame_info set up */
	NS_FRAMES_REGISTERED    = 2,
	NS_FRAMES_DEREGISTERING = 3, /* __deregister_frame_info set up */
};

/* A function the patch brings (replaced or new, .cold pieces too), for
 * unwinders and messages: "in function foo of patch 'fix'". */
struct ns_rec_sym {
	uint64_t addr, size;
	char     name[NS_NAME_MAX];
};

struct ns_rec_func {
	uint64_t old_addr;         /* entry of the replaced function */
	uint64_t old_size;
	uint64_t new_addr;         /* entry of its new version */
	uint64_t new_size;
	uint8_t  saved[NS_SAVED_MAX]; /* bytes the redirection overwrote */
	uint32_t saved_len;
	uint32_t pad;
	char     name[NS_NAME_MAX];
	/* Per-thread mode: saved holds the pad and entry bytes as they were
	 * before any per-thread patch (7 bytes from old_addr - 5). */
	uint64_t disp;             /* its dispatcher */
	uint64_t entry;            /* the 2-byte entry (old_addr, or +4) */
	uint64_t prev;             /* where the pad jumped before this patch:
				      entry + 2 (the old body) or an earlier
				      patch's code */
};

struct ns_rec {
	char     magic[8];
	uint32_t state;            /* enum ns_rec_state */
	uint32_t nfuncs;
	uint64_t seq;              /* order of application, from 1 */
	uint64_t patch_id;         /* checksum of the patch file */
	uint64_t base, size;       /* the mapping */
	uint64_t code_start, code_end; /* new code: busy while a thread is in it */
	uint64_t applied_at;       /* unix time */
	char     name[NS_NAME_MAX];
	/* The commit gate (transition/gate.h): its code, and the journal it
	 * undoes a half-written switch from if nonstop dies during one. */
	uint64_t gate;             /* address of the gate code, 0 if none */
	uint64_t journal;          /* address of the journal */
	uint64_t journal_cap;      /* its size in bytes */
	/* The version of the program this patch turns the module into (the
	 * build-id of the new binary), for patches built on top of it. */
	uint8_t  result_build_id[64];
	uint32_t result_build_id_len;
	/* Version 3. How its code is switched, and for the per-thread
	 * mode, where its transition stands. */
	uint32_t mode;             /* enum ns_rec_mode */
	struct ns_rec_pt pt;       /* NS_MODE_PER_THREAD */
	/* The patch's .eh_frame as linked in the mapping, 0 if it
	 * has none; the number of ns_rec_sym after funcs[]. */
	uint64_t eh_frame, eh_frame_size;
	uint32_t nsyms;
	uint32_t frames;           /* enum ns_rec_frames */
	/* Room for registering the CFI (0 if none): libgcc's struct object,
	 * writable; the remote-call stub (code) and its slot (writable). */
	uint64_t frames_object;
	uint64_t call_stub, call_slot;
	/* libgcc's __deregister_frame_info in the target, recorded before
	 * the frames are registered: whoever releases the memory calls it. */
	uint64_t frames_deregister;
	/* State transformers (core/xform.h): a table of NXFORMS struct
	 * ns_rec_xform at XFORMS (in the record's pages), and whether a
	 * transformer call was set up (XFORM_CALL 1) and may be running:
	 * its slot is call_slot. In version 3's reserved words: 0 for
	 * patches without transformers. */
	uint64_t xforms;
	uint32_t nxforms;
	uint32_t xform_call;
	uint64_t reserved[1];      /* 0 */
	struct ns_rec_func funcs[];
};

/* A variable the patch moved (NONSTOP_TRANSFORM): the live one of the
 * program, the patch's, and the functions that fill one from the other. */
struct ns_rec_xform {
	uint64_t old_var, old_size;
	uint64_t new_var, new_size;
	uint64_t fn;               /* fn(old, new), run by apply */
	uint64_t unfn;             /* unfn(new, old), run by revert; 0: none */
	char     name[NS_NAME_MAX];
};

/* ---- hooks (version 4: core/hooks.h) ------------------------------------ */
/* The patch's hooks, indexed by kind - 1 (patch.h enum ns_hook_kind). A
 * hook's call is "set up" (called[k] = 1) right before nonstop points a
 * thread at it, its slot zeroed; from then on the slot, written by the
 * call's stub in the target, says whether it started and returned, and
 * what it returned. So whenever a nonstop died, the next one knows which
 * hook stage was in progress and how it ended. */
#define NS_REC_HOOKS 4
struct ns_rec_hooks {
	uint64_t fn[NS_REC_HOOKS];      /* the hook function, 0 if none */
	uint64_t slot[NS_REC_HOOKS];    /* its call slot (proc/call.h), in
					   the patch's writable memory */
	uint64_t msg;                   /* nonstop_hook_msg, msg_size bytes */
	uint32_t msg_size;
	uint32_t called[NS_REC_HOOKS];  /* 1: a call was set up */
	/* Byte k: NS_REC_LOCKS_KNOWN | what hook k may lock (NS_LOCK_*, the
	 * patch's word); 0 (a record of a nonstop before format 4): any. */
	uint32_t locks;
	char     name[NS_REC_HOOKS][NS_NAME_MAX]; /* the functions' names */
};

#define NS_REC_LOCKS_KNOWN 0x80u

/* What hook KIND (1..4) of H may lock (NS_LOCK_*): NS_LOCKS_UNKNOWN unless the
 * record says; *KNOWN (if not NULL) whether it says. */
uint32_t ns_rec_hook_locks(const struct ns_rec_hooks *h, uint32_t kind,
			   bool *known);

/* The hooks block of REC, NULL if it has none (not a version 4 record). */
struct ns_rec_hooks *ns_rec_hooks(struct ns_rec *rec);
/* Where it is in the target (REC->base + its offset). */
uint64_t ns_rec_hooks_addr(const struct ns_rec *rec);
/* The size of REC as it is in the target, hooks block included. */
size_t ns_rec_total_size(const struct ns_rec *rec);
/* A record's magic this nonstop reads with CFI fields: version 3 or 4. */
bool ns_rec_magic_v3(const char magic[8]);
/* ---- end of hooks ------------------------------------------------------- */

/* Size of a version 2 record's header: the prefix of version 3's (its
 * last field, padding, is version 3's mode: 0, stop-the-world), and of
 * its functions: version 3's without the per-thread fields. */
#define NS_REC_V2_SIZE 232
#define NS_REC_V2_FUNC_SIZE 120
_Static_assert(__builtin_offsetof(struct ns_rec, pt) == NS_REC_V2_SIZE,
	       "record v2 prefix");

/* The size of a record's header with NFUNCS functions (the syms follow). */
size_t ns_rec_size(uint32_t nfuncs);
/* The size of a whole record: header, NFUNCS functions, NSYMS symbols. */
size_t ns_rec_full_size(uint32_t nfuncs, uint32_t nsyms);
/* Its table of functions. */
struct ns_rec_sym *ns_rec_syms(struct ns_rec *rec);
const char *ns_rec_state_name(uint32_t state);
/* "none", "registering", "registered", "deregistering". */
const char *ns_rec_frames_name(uint32_t frames);
#endif
