/*
 * log.h: how storage/ writes its log lines without depending on the daemon.
 * Every line goes through one sink: by default one line on stderr in the
 * daemon's format (UTC time, level, message); the daemon sets its own
 * (rt_log, daemon/rt.h) when it starts serving.
 */
#ifndef RT_STORAGE_LOG_H
#define RT_STORAGE_LOG_H

/* The levels, the same numbers as the daemon's LOG_ERROR, LOG_WARN, LOG_INFO. */
enum { ST_LOG_ERROR, ST_LOG_WARN, ST_LOG_INFO };

/* Receives one message (no newline) and its level. */
typedef void (*st_log_sink_fn)(int level, const char *message);

/* Sends every later st_log line to sink; NULL restores the default. */
void st_log_set_sink(st_log_sink_fn sink);
/* Formats one message and hands it to the sink. Never pass secrets. */
void st_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
