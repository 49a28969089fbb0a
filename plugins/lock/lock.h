/*
 * lock.h: the lock workload and the mutex checker (plugin.c registers
 * both).  Private to plugins/lock.
 *
 *   workload.c  lock: acquire with a TTL, hold, release
 *   mutex.c     mutex: no two holders of a lock overlap in real time
 */
#ifndef DT_LOCK_H
#define DT_LOCK_H

#include <dt/plugin.h>

extern const dt_workload_type lock_workload;
extern const dt_checker_type mutex_checker;

#endif /* DT_LOCK_H */
