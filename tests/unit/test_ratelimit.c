/*
 * test_ratelimit.c: the sign-in limits (daemon/ratelimit.h). Keys chosen to
 * collide in one bucket cannot wipe anyone's failures; a full table unlocks
 * nobody and refuses new keys until entries expire; concurrent attempts wait
 * in line instead of being refused, yet get no more guesses than the limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

static time_t clock_now = 1000000;
static time_t fake_clock(void)
{
	return clock_now;
}

static const unsigned char KEY[crypto_shorthash_KEYBYTES] = "0123456789abcdef";

/* An attempt that records what the limiter did with it. */
struct try {
	struct rl_attempt a;
	int started, refused, verdict;
	long retry;
	int no_room; /* start() says there is no room */
};

static int on_start(struct rl_attempt *a)
{
	struct try *t = (struct try *)a;
	if (t->no_room)
		return -1;
	t->started++;
	return 0;
}

static void on_refuse(struct rl_attempt *a, int verdict, long retry_after)
{
	struct try *t = (struct try *)a;
	t->refused++;
	t->verdict = verdict;
	t->retry = retry_after;
}

static struct try *try_new(const char *email, const char *address)
{
	struct try *t = calloc(1, sizeof *t);
	assert_non_null(t);
	snprintf(t->a.email, sizeof t->a.email, "%s", email);
	snprintf(t->a.address, sizeof t->a.address, "%s", address);
	t->a.start = on_start;
	t->a.refuse = on_refuse;
	return t;
}

/* Admits one attempt; returns the verdict (the attempt is kept in *out). */
static int admit(struct try *t)
{
	long retry = 0;
	int v = ratelimit_admit(&t->a, &retry);
	if (v != RL_STARTED && v != RL_WAITING) {
		t->verdict = v;
		t->retry = retry;
	}
	return v;
}

/* A whole sign-in that is checked and ends with outcome; returns the verdict. */
static int sign_in(const char *email, const char *address, int outcome)
{
	struct try *t = try_new(email, address);
	int v = admit(t);
	assert_true(v != RL_WAITING);
	if (v == RL_STARTED)
		ratelimit_end(&t->a, outcome);
	free(t);
	return v;
}

static void setup_small(size_t entries, size_t buckets)
{
	clock_now = 1000000;
	ratelimit_configure(entries, buckets, KEY, fake_clock);
}

/* Keys in the same bucket as target: count emails or addresses (fmt has one %d). */
static char **colliding(const char *kind, const char *target, const char *fmt, int count)
{
	size_t b = ratelimit_bucket(kind, target);
	char **out = calloc((size_t)count, sizeof *out), buf[64];
	int n = 0;
	assert_non_null(out);
	for (int i = 0; n < count; i++) {
		snprintf(buf, sizeof buf, fmt, i);
		if (ratelimit_bucket(kind, buf) == b)
			out[n++] = strdup(buf);
	}
	return out;
}

static void free_list(char **l, int n)
{
	for (int i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

/* The basic rules: failures count, the right password is refused while
 * limited, a success forgets the account's failures, emails are caseless. */
static void test_basics(void **state)
{
	(void)state;
	setup_small(1024, 1024);
	for (int i = 0; i < RL_MAX_PER_ACCOUNT; i++)
		assert_int_equal(sign_in("rl@x.test", "10.9.9.9", RL_FAILED), RL_STARTED);
	assert_int_equal(sign_in("RL@x.test", "10.9.9.8", RL_SUCCEEDED), RL_LIMITED);
	assert_int_equal(sign_in("other@x.test", "10.9.9.8", RL_SUCCEEDED), RL_STARTED);
	clock_now += RL_WINDOW_SECONDS; /* the window ends */
	assert_int_equal(sign_in("rl@x.test", "10.9.9.8", RL_FAILED), RL_STARTED);
	assert_int_equal(sign_in("rl@x.test", "10.9.9.8", RL_SUCCEEDED), RL_STARTED);
	for (int i = 0; i < RL_MAX_PER_ACCOUNT - 1; i++) /* the success forgot the failure */
		assert_int_equal(sign_in("rl@x.test", "10.9.9.8", RL_FAILED), RL_STARTED);
	assert_int_equal(sign_in("rl@x.test", "10.9.9.8", RL_SUCCEEDED), RL_STARTED);
}

/* The wait told is the rest of the window that began at the first failure. */
static void test_retry_after(void **state)
{
	struct try *t = try_new("wait@x.test", "10.6.6.6");
	char msg[160];
	(void)state;
	setup_small(1024, 1024);
	assert_int_equal(sign_in("wait@x.test", "10.6.6.6", RL_FAILED), RL_STARTED);
	clock_now += 60;
	for (int i = 1; i < RL_MAX_PER_ACCOUNT; i++)
		assert_int_equal(sign_in("wait@x.test", "10.6.6.6", RL_FAILED), RL_STARTED);
	clock_now += 60;
	assert_int_equal(admit(t), RL_LIMITED);
	assert_int_equal(t->retry, RL_WINDOW_SECONDS - 120);
	assert_string_equal(ratelimit_message(RL_LIMITED, t->retry, msg, sizeof msg),
	                    "too many failed sign-ins; try again in 13 minutes");
	assert_string_equal(ratelimit_message(RL_LIMITED, 42, msg, sizeof msg),
	                    "too many failed sign-ins; try again in 42 seconds");
	clock_now += RL_WINDOW_SECONDS - 120;
	assert_int_equal(sign_in("wait@x.test", "10.6.6.6", RL_SUCCEEDED), RL_STARTED);
	free(t);
}

/* Thousands of keys in the victim's bucket, failing and succeeding, leave
 * the victim's failures (account and address) where they were. */
static void test_colliding_keys(void **state)
{
	enum { N = 3000 };
	char **emails, **addrs;
	(void)state;
	setup_small(4 * N, 16);
	for (int i = 0; i < RL_MAX_PER_ACCOUNT; i++)
		assert_int_equal(sign_in("victim@x.test", "10.0.0.1", RL_FAILED), RL_STARTED);
	for (int i = 0; i < RL_MAX_PER_ADDRESS; i++) {
		char email[64];
		snprintf(email, sizeof email, "spray%d@x.test", i);
		assert_int_equal(sign_in(email, "10.0.0.2", RL_FAILED), RL_STARTED);
	}
	assert_int_equal(sign_in("victim@x.test", "10.0.0.3", RL_SUCCEEDED), RL_LIMITED);
	assert_int_equal(sign_in("fresh@x.test", "10.0.0.2", RL_SUCCEEDED), RL_LIMITED);

	emails = colliding("a:", "victim@x.test", "k%d@x.test", N);
	addrs = colliding("i:", "10.0.0.2", "10.%d", N);
	for (int i = 0; i < N; i++) {
		assert_int_equal(sign_in(emails[i], addrs[i], i % 2 ? RL_FAILED : RL_SUCCEEDED), RL_STARTED);
		assert_int_equal(sign_in(emails[(i + 1) % N], addrs[i], RL_SUCCEEDED), RL_STARTED);
	}
	assert_int_equal(sign_in("victim@x.test", "10.0.0.3", RL_SUCCEEDED), RL_LIMITED);
	assert_int_equal(sign_in("fresh@x.test", "10.0.0.2", RL_SUCCEEDED), RL_LIMITED);
	/* and the others were counted too: one that failed, failing 4 more */
	for (int i = 0; i < RL_MAX_PER_ACCOUNT - 1; i++)
		assert_int_equal(sign_in(emails[1], "10.0.0.9", RL_FAILED), RL_STARTED);
	assert_int_equal(sign_in(emails[1], "10.0.0.9", RL_SUCCEEDED), RL_LIMITED);
	free_list(emails, N);
	free_list(addrs, N);
}

/* A full table refuses new keys (RL_FULL, with the wait until an entry
 * frees up); it never unlocks anyone. Expired entries are reused. */
static void test_full_table(void **state)
{
	char email[64], addr[64];
	int full = 0, i;
	(void)state;
	setup_small(64, 64);
	for (i = 0; i < RL_MAX_PER_ACCOUNT; i++)
		assert_int_equal(sign_in("victim@x.test", "10.0.0.1", RL_FAILED), RL_STARTED);
	clock_now += 100;
	for (i = 0; i < 5000; i++) {
		int v;
		snprintf(email, sizeof email, "filler%d@x.test", i);
		snprintf(addr, sizeof addr, "10.3.%d.%d", i / 250, i % 250);
		v = sign_in(email, addr, RL_FAILED);
		assert_true(v == RL_STARTED || v == RL_FULL);
		full += v == RL_FULL;
		if (i % 100 == 0)
			clock_now++; /* sweeps run at most once a second */
	}
	assert_true(full > 4900);
	assert_int_equal(sign_in("victim@x.test", "10.0.0.7", RL_SUCCEEDED), RL_LIMITED);
	{
		struct try *t = try_new("newcomer@x.test", "10.4.0.1");
		assert_int_equal(admit(t), RL_FULL);
		assert_true(t->retry > 0 && t->retry <= RL_WINDOW_SECONDS - 100);
		free(t);
	}
	/* the victim's window ends first: its entries are reused */
	clock_now = 1000000 + RL_WINDOW_SECONDS;
	assert_int_equal(sign_in("newcomer@x.test", "10.4.0.1", RL_SUCCEEDED), RL_STARTED);
	assert_int_equal(sign_in("victim@x.test", "10.0.0.1", RL_SUCCEEDED), RL_STARTED);
}

/* Ten tabs of one member at once: five are checked, five wait, and every
 * one is started as the others succeed. */
static void test_tabs_wait(void **state)
{
	struct try *t[10];
	int started = 0;
	(void)state;
	setup_small(1024, 1024);
	for (int i = 0; i < 10; i++) {
		t[i] = try_new("tabs@x.test", "10.2.0.1");
		assert_int_equal(admit(t[i]), i < RL_MAX_PER_ACCOUNT ? RL_STARTED : RL_WAITING);
	}
	for (int i = 0; i < 10; i++) {
		assert_int_equal(t[i]->started, 1); /* each was started by the end of the one before */
		ratelimit_end(&t[i]->a, RL_SUCCEEDED);
	}
	for (int i = 0; i < 10; i++) {
		started += t[i]->started;
		assert_int_equal(t[i]->refused, 0);
		free(t[i]);
	}
	assert_int_equal(started, 10);
}

/* Thirty members at once from one address: all signed in. */
static void test_meeting_wait(void **state)
{
	struct try *t[30];
	(void)state;
	setup_small(1024, 1024);
	for (int i = 0; i < 30; i++) {
		char email[64];
		snprintf(email, sizeof email, "member%d@x.test", i);
		t[i] = try_new(email, "10.5.0.1");
		assert_int_equal(admit(t[i]), i < RL_MAX_PER_ADDRESS ? RL_STARTED : RL_WAITING);
	}
	for (int i = 0; i < 30; i++) {
		assert_int_equal(t[i]->started, 1);
		ratelimit_end(&t[i]->a, RL_SUCCEEDED);
	}
	for (int i = 0; i < 30; i++) {
		assert_int_equal(t[i]->refused, 0);
		free(t[i]);
	}
}

/* Thirty wrong guesses at once for one account: five are checked, the
 * other 25 wait and are refused once those five failed. */
static void test_guesses_refused(void **state)
{
	struct try *t[30];
	int started = 0, refused = 0;
	(void)state;
	setup_small(1024, 1024);
	for (int i = 0; i < 30; i++) {
		t[i] = try_new("target@x.test", "10.5.0.2");
		admit(t[i]);
	}
	for (int i = 0; i < RL_MAX_PER_ACCOUNT; i++)
		ratelimit_end(&t[i]->a, RL_FAILED);
	for (int i = 0; i < 30; i++) {
		started += t[i]->started;
		refused += t[i]->refused;
		if (t[i]->refused) {
			assert_int_equal(t[i]->verdict, RL_LIMITED);
			assert_int_equal(t[i]->retry, RL_WINDOW_SECONDS);
		}
		free(t[i]);
	}
	assert_int_equal(started, RL_MAX_PER_ACCOUNT);
	assert_int_equal(refused, 30 - RL_MAX_PER_ACCOUNT);
	assert_int_equal(sign_in("target@x.test", "10.5.0.3", RL_SUCCEEDED), RL_LIMITED);
}

/* No room on the workers: the attempt waits and starts when another ends;
 * at shutdown the ones still waiting are refused. */
static void test_no_room_and_stop(void **state)
{
	struct try *a = try_new("a@x.test", "10.8.0.1"), *b = try_new("b@x.test", "10.8.0.1");
	struct try *c = try_new("c@x.test", "10.8.0.1");
	(void)state;
	setup_small(1024, 1024);
	assert_int_equal(admit(a), RL_STARTED);
	b->no_room = 1;
	assert_int_equal(admit(b), RL_WAITING);
	b->no_room = 0;
	ratelimit_end(&a->a, RL_SUCCEEDED);
	assert_int_equal(b->started, 1);
	c->no_room = 1;
	assert_int_equal(admit(c), RL_WAITING);
	ratelimit_stop();
	assert_int_equal(c->refused, 1);
	assert_int_equal(c->verdict, RL_BUSY);
	ratelimit_end(&b->a, RL_FAILED);
	free(a);
	free(b);
	free(c);
}

/* An IPv6 address counts by its /64; IPv4-mapped addresses as IPv4. */
static void test_ipv6_prefix(void **state)
{
	char addr[64];
	(void)state;
	setup_small(1024, 1024);
	for (int i = 0; i < RL_MAX_PER_ADDRESS; i++) {
		char email[64];
		snprintf(email, sizeof email, "v6-%d@x.test", i);
		snprintf(addr, sizeof addr, "2001:db8::%x", i + 1);
		assert_int_equal(sign_in(email, addr, RL_FAILED), RL_STARTED);
	}
	assert_int_equal(sign_in("v6-new@x.test", "2001:db8::ffff:1", RL_SUCCEEDED), RL_LIMITED);
	assert_int_equal(sign_in("v6-new@x.test", "2001:db8:0:1::1", RL_SUCCEEDED), RL_STARTED);
	for (int i = 0; i < RL_MAX_PER_ADDRESS; i++) {
		char email[64];
		snprintf(email, sizeof email, "v4-%d@x.test", i);
		assert_int_equal(sign_in(email, "192.0.2.5", RL_FAILED), RL_STARTED);
	}
	assert_int_equal(sign_in("v4-new@x.test", "::ffff:192.0.2.5", RL_SUCCEEDED), RL_LIMITED);
}

/* The bucket depends on the process's secret key. */
static void test_keyed(void **state)
{
	size_t same = 0;
	(void)state;
	ratelimit_configure(1024, 1024, NULL, NULL);
	size_t b1[64];
	for (int i = 0; i < 64; i++) {
		char email[32];
		snprintf(email, sizeof email, "k%d@x.test", i);
		b1[i] = ratelimit_bucket("a:", email);
	}
	ratelimit_configure(1024, 1024, NULL, NULL);
	for (int i = 0; i < 64; i++) {
		char email[32];
		snprintf(email, sizeof email, "k%d@x.test", i);
		same += ratelimit_bucket("a:", email) == b1[i];
	}
	assert_true(same < 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basics),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_colliding_keys),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_tabs_wait),
		cmocka_unit_test(test_meeting_wait),
		cmocka_unit_test(test_guesses_refused),
		cmocka_unit_test(test_no_room_and_stop),
		cmocka_unit_test(test_ipv6_prefix),
		cmocka_unit_test(test_keyed),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
