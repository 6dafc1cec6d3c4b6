/* nonstop.h — the public API of libnonstop, the runtime nonstop places in
 * patchable programs.
 *
 * Programs do not need to link libnonstop to be patched: the stop-the-world
 * mode works on any program built with `nonstop cflags`. The library is the
 * home of what runs inside the target — today its version; the per-thread
 * update points, patch hooks and shadow variables planned in the design
 * (docs: README "Limits") will be declared here when they exist.
 */
#ifndef NONSTOP_H
#define NONSTOP_H

#ifdef __cplusplus
extern "C" {
#endif

#define NONSTOP_VERSION_MAJOR 0
#define NONSTOP_VERSION_MINOR 1

/* The version of the libnonstop the program runs with, "MAJOR.MINOR". */
const char *nonstop_version(void);

#ifdef __cplusplus
}
#endif
#endif
