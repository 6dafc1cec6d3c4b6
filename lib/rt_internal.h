/* rt_internal.h — what the files of libnonstop share among themselves. */
#ifndef NONSTOP_RT_INTERNAL_H
#define NONSTOP_RT_INTERNAL_H
#include <stdint.h>

/* update_point.c: the thread registry. */
int ns_rt_registry_init(void);
void ns_rt_registry_after_fork(void);
int64_t ns_rt_view_tpoff(void);
void nonstop_update_point(void);
#endif
