/* target.h — the ELF modules loaded in a target process, and symbol lookup
 * in them: what the patch's references bind to. */
#ifndef NONSTOP_TARGET_H
#define NONSTOP_TARGET_H
#include <gelf.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "util/err.h"

#include "patch/patch.h"
#include "proc/maps.h"

struct ns_module {
	char     *path;       /* as shown in /proc/PID/maps: for messages
				 only (the file is opened through the
				 kernel: proc/mapfile.h) */
	uint64_t  dev, inode; /* of the mapped file, as maps shows them */
	uint64_t  start, end; /* lowest and highest address mapped */
	uint64_t  bias;       /* load bias: runtime address - st_value */
	uint8_t   build_id[NS_BUILD_ID_MAX];
	size_t    build_id_len;
	int       fd;
	Elf      *elf;
	bool      kept;       /* fd and elf are link/modcache.h's, borrowed */
	bool      is_exec;    /* ET_EXEC: not position independent */
	bool      is_main;    /* the program itself (/proc/PID/exe) */
	uint64_t  tls_block;  /* main program: size of its TLS block as
				 placed below the thread pointer; 0: none */
};

struct ns_target {
	pid_t pid;
	struct ns_maps maps;
	struct ns_module *mods;
	size_t nmods;
};

/* Lists the ELF files mapped into PID and opens each, as the kernel
 * mapped it (proc/mapfile.h): deleted or replaced files, and files of a
 * chrooted or containerised process, are the ones it runs. Mappings of one
 * file (device and inode) make one module. 0, or -1 with ERR. */
int ns_target_open(struct ns_target *t, pid_t pid, struct ns_err *err);
void ns_target_close(struct ns_target *t);

/* The module whose GNU build-id is ID, or NULL. */
struct ns_module *ns_target_by_build_id(struct ns_target *t,
					const uint8_t *id, size_t len);

struct ns_symval {
	uint64_t addr, size;  /* STT_TLS: offset in the module's TLS block */
	unsigned type;        /* STT_* */
};

/* The offset from the thread pointer of a thread-local variable of the
 * main program (x86-64 TLS variant II: the executable's block sits right
 * below the thread pointer, at the same offset in every thread). -1 if M
 * is not the main program or has no TLS. */
int ns_module_tpoff(const struct ns_module *m, uint64_t tls_off,
		    int64_t *tpoff);

/* Looks NAME up in module M's .symtab: among the local symbols of source
 * file FILE if FILE is set, else among its global definitions. 0 if found
 * exactly once; -1 with ERR if absent or ambiguous. */
int ns_module_lookup(struct ns_module *m, const char *name, const char *file,
		     struct ns_symval *out, struct ns_err *err);

/* Bytes at ADDR (a function of module M) that no other code owns: up to the
 * next symbol or the end of its section. Alignment padding after a short
 * function is never executed, so a redirection may use it. 0 if unknown. */
uint64_t ns_module_room(struct ns_module *m, uint64_t addr);

/* Resolves a global NAME that module M does not define: through M's GOT
 * (MEM_FD reads the live value, so ifuncs and interposition resolve as the
 * program sees them), then in the dynamic symbols of every other module. */
int ns_target_resolve_import(struct ns_target *t, struct ns_module *m,
			     int mem_fd, const char *name, struct ns_symval *out,
			     struct ns_err *err);

/* OUT: an STT_GNU_IFUNC symbol NAME of module DEF (its value, the
 * resolver's address): replaced by the function the resolver chose, as
 * the process holds it (another module's GOT slot for NAME, or DEF's own
 * IRELATIVE slot). 0, or -1 with ERR if the process holds it nowhere. */
int ns_target_resolve_ifunc(struct ns_target *t, struct ns_module *def,
			    int mem_fd, const char *name, struct ns_symval *out,
			    struct ns_err *err);

/* Formats a build-id as hex into BUF (at least 2*len+1 bytes). */
void ns_hex(const uint8_t *id, size_t len, char *buf);
#endif
