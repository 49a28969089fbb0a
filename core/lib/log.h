/* log.h: the core's side of dt_log(): where log lines go. */
#ifndef DT_CORE_LOG_H
#define DT_CORE_LOG_H

#include <dt/plugin.h>

typedef void (*dt_log_hook)(dt_log_level level, const char *msg, void *arg);

void dt_log_set_level(dt_log_level level);
dt_log_level dt_log_get_level(void);
/* Append every log line to path as well; -1 with errno when it cannot. */
int dt_log_open(const char *path);
void dt_log_close(void);
/* A hook sees every line (the progress display clears its line first). */
void dt_log_set_hook(dt_log_hook hook, void *arg);

#endif
