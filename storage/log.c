/*
 * log.c: storage's log lines and their sink (see log.h).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

/* The default: the daemon's format, "2026-01-02T03:04:05Z error message". */
static void stderr_sink(int level, const char *message)
{
	static const char *const names[] = { "error", "warn", "info" };
	char now[21];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s %s %s\n", now, names[level < 0 || level > 2 ? 0 : level], message);
}

static st_log_sink_fn sink = stderr_sink;

void st_log_set_sink(st_log_sink_fn fn)
{
	sink = fn ? fn : stderr_sink;
}

void st_log(int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	sink(level, line);
}
