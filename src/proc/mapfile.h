/* mapfile.h — the file a mapping of a target maps, as the kernel resolved
 * it when the target mapped it.
 *
 * The path /proc/PID/maps shows for a mapping is the target's to choose:
 * the file may have been deleted or replaced since (a package upgrade:
 * exactly when people live-patch), the path may be inside a chroot or
 * another mount namespace, or a symlink or a FIFO the target planted may
 * now sit there. nonstop opens /proc/PID/map_files/START-END instead: the
 * kernel's own reference to the mapped file, whatever its path now. That
 * needs CAP_SYS_ADMIN; without it (a user patching their own process) the
 * file is /proc/PID/exe for the program itself, else the path resolved
 * inside the target's root (openat2 RESOLVE_IN_ROOT: no symlink leads out
 * of it) — accepted only if it is the very file mapped (same device and
 * inode as the maps line). Whatever the way, the file is first opened
 * O_PATH and opened for reading only once it is known to be a regular
 * file: no FIFO makes nonstop wait, no device's open routine runs as root. */
#ifndef NONSTOP_PROC_MAPFILE_H
#define NONSTOP_PROC_MAPFILE_H
#include <stddef.h>
#include <sys/types.h>
#include "util/err.h"

#include "proc/maps.h"

/* Opens, read-only, the file mapping M of process PID maps. The
 * descriptor, or -1 with ERR. */
int ns_mapfile_open(pid_t pid, const struct ns_map *m, struct ns_err *err);

/* The same for the mapping of PID that contains ADDR. */
int ns_mapfile_open_at(pid_t pid, unsigned long long addr, struct ns_err *err);
#endif
