/* rt_internal.h — what the files of libnonstop share among themselves. */
#ifndef NONSTOP_RT_INTERNAL_H
#define NONSTOP_RT_INTERNAL_H
#include <stdint.h>

/* update_point.c: the thread registry. */
int ns_rt_registry_init(void);
void ns_rt_registry_after_fork(void);
int64_t ns_rt_view_tpoff(void);
uint64_t ns_rt_now_ns(void);
/* A thread created by the program registers at the target generation. */
void ns_rt_thread_start(void);

/* threads.c */
#include <pthread.h>
int ns_rt_real_pthread_create(pthread_t *t, const pthread_attr_t *attr,
			      void *(*fn)(void *), void *arg);
void nonstop_update_point(void);
#endif
