/*
 * rt.c: the shared basics declared in rt.h: error strings, roles, time,
 * tokens.
 */
#include "rt.h"

#include <sodium.h>
#include <string.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static const char *const err_codes[] = {
	"ok", "bad_request", "unauthenticated", "forbidden", "not_found",
	"conflict", "closed", "too_large", "rate_limited", "internal",
	"unavailable",
};

const char *rt_err_code(int err)
{
	if (err > 0 || -err >= (int)(sizeof(err_codes) / sizeof(err_codes[0])))
		return "internal";
	return err_codes[-err];
}

static const char *const role_names[] = {
	"convener", "design_team", "provider", "funder", "hub", "parent", "observer",
};
#define N_ROLES (sizeof(role_names) / sizeof(role_names[0]))

unsigned role_from_name(const char *name)
{
	for (size_t i = 0; i < N_ROLES; i++)
		if (strcmp(name, role_names[i]) == 0)
			return 1u << i;
	return 0;
}

int roles_from_json(unsigned *out, const json_t *arr)
{
	size_t i;
	json_t *v;
	unsigned roles = 0;

	if (!json_is_array(arr))
		return RT_EBADREQ;
	json_array_foreach(arr, i, v) {
		unsigned bit = json_is_string(v) ? role_from_name(json_string_value(v)) : 0;
		if (!bit)
			return RT_EBADREQ;
		roles |= bit;
	}
	*out = roles;
	return RT_OK;
}

json_t *roles_to_json(unsigned roles)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < N_ROLES; i++)
		if (roles & (1u << i))
			json_array_append_new(arr, json_string(role_names[i]));
	return arr;
}

static void fmt_time(char buf[static 21], time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void rt_now(char buf[static 21])
{
	fmt_time(buf, time(NULL));
}

void rt_time_after(char buf[static 21], long seconds)
{
	fmt_time(buf, time(NULL) + seconds);
}

long long rt_time_parse(const char *s, char canon[21])
{
	int y, mo, d, h, mi, sec, n = 0;
	struct tm tm = { 0 };
	long long t;
	const char *p;

	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970)
		return -1;
	p = s + 19;
	if (*p == '.') /* fractional seconds are accepted and dropped */
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = (long long)timegm(&tm);
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		/* UTC */
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		int oh, om;
		if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2 || oh > 23 || om > 59)
			return -1;
		t += (*p == '+' ? -1 : 1) * (oh * 3600LL + om * 60LL);
	} else {
		return -1;
	}
	if (canon)
		fmt_time(canon, (time_t)t);
	return t;
}

void rt_token_new(char buf[static 44])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(buf, 44, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
}

void rt_sha256(unsigned char out[32], const void *data, size_t len)
{
	crypto_hash_sha256(out, data, len);
}

void rt_log(int level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warn", "info" };
	char now[21], line[1024];
	va_list ap;
	rt_now(now);
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* one write per line, so lines of threads never interleave */
	fprintf(stderr, "%s %s %s\n", now, names[level < 0 || level > 2 ? 0 : level], line);
}

int rt_text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	/* jansson already guarantees valid UTF-8; refuse control characters. */
	for (; *p; p++)
		if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
			return 0;
	return 1;
}

#ifdef RT_CRASH_POINTS
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

void rt_crash_point(const char *site)
{
	static unsigned long hits[32];
	static const char *names[32];
	static int n_names;
	const char *spec = getenv("CRASH_AT"), *p;
	size_t len = strlen(site);
	int i;

	if (!spec)
		return;
	for (i = 0; i < n_names && strcmp(names[i], site) != 0; i++)
		;
	if (i == n_names) {
		if (n_names == 32)
			return;
		names[n_names++] = site;
	}
	hits[i]++;
	for (p = spec; (p = strstr(p, site)); p += len) {
		if ((p == spec || p[-1] == ',') && p[len] == ':' && strtoul(p + len + 1, NULL, 10) == hits[i]) {
			rt_log(LOG_WARN, "CRASH_AT %s:%lu reached, killing myself", site, hits[i]);
			raise(SIGKILL);
		}
	}
}
#endif
