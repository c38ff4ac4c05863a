/*
 * test_names.c: the display-name rule (daemon/names.c: name_check) and the
 * git identity (name_for_git, storage/gitstore.c: gitstore_author,
 * gitstore_author_member): every refused kind of character, trimming,
 * the 100-character limit counted in characters, and that no stored name,
 * whatever its bytes, can make an author line git refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gitstore.h"
#include "names.h"
#include "rt.h"

static char *repeat(const char *s, int n)
{
	size_t len = strlen(s);
	char *out = malloc(len * (size_t)n + 1);
	assert_non_null(out);
	for (int i = 0; i < n; i++)
		memcpy(out + len * (size_t)i, s, len);
	out[len * (size_t)n] = '\0';
	return out;
}

static void test_valid_names(void **state)
{
	static const char *const ok[][2] = {
		{ "Ana Ruiz", "Ana Ruiz" },
		{ "  Ana Ruiz  ", "Ana Ruiz" },
		{ "\xc2\xa0\xe3\x80\x80" "Dee\xe2\x80\x83", "Dee" },  /* NBSP, ideographic and em spaces trimmed */
		{ "Jos\xc3\xa9 M\xc3\xbcller", "Jos\xc3\xa9 M\xc3\xbcller" },
		{ "\xe5\x90\x8d\xe5\x89\x8d", "\xe5\x90\x8d\xe5\x89\x8d" },  /* CJK */
		{ "Ana \xf0\x9f\x8c\xbb", "Ana \xf0\x9f\x8c\xbb" },          /* an emoji */
		{ "O'Brien & Sons (Hub)", "O'Brien & Sons (Hub)" },
		{ "x", "x" },
	};
	char out[NAME_BYTES_MAX + 1];
	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		assert_null(name_check(ok[i][0], out));
		assert_string_equal(out, ok[i][1]);
	}
}

static void test_refused_names(void **state)
{
	static const char *const bad[] = {
		"", "   ", "\xe3\x80\x80", "Two\nLines", "Two\r\nLines", "a\tb", "\r", "a\x7f", "a\x1b[31m",
		"<x>", "a>b", "Ana <ana@x.test>",
		"\xe2\x80\xae" "abc",         /* U+202E right-to-left override */
		"a\xe2\x81\xa6" "b",          /* U+2066 left-to-right isolate */
		"a\xe2\x81\xa9",              /* U+2069 pop directional isolate */
		"a\xe2\x80\x8f",              /* U+200F right-to-left mark */
		"a\xe2\x80\x8b" "b",          /* U+200B zero-width space */
		"a\xe2\x80\x8d" "b",          /* U+200D zero-width joiner */
		"a\xe2\x81\xa0",              /* U+2060 word joiner */
		"\xef\xbb\xbf" "a",           /* U+FEFF */
		"a\xe2\x80\xa8" "b",          /* U+2028 line separator */
		"a\xc2\x85" "b",              /* U+0085 next line (C1) */
		"a\xef\xbf\xbf",              /* U+FFFF noncharacter */
		"\xff", "a\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80", /* not UTF-8 */
	};
	char out[NAME_BYTES_MAX + 1];
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *why = name_check(bad[i], out);
		if (!why)
			fail_msg("name %zu accepted: %s", i, bad[i]);
		assert_string_equal(out, "");
	}
	assert_non_null(strstr(name_check("Two\nLines", out), "one line"));
	assert_non_null(strstr(name_check("  ", out), "empty"));
}

/* 100 characters, however many bytes; 101 is refused; spaces trimmed first. */
static void test_length_in_characters(void **state)
{
	char out[NAME_BYTES_MAX + 1];
	char *a100 = repeat("a", 100), *a101 = repeat("a", 101), *e100 = repeat("\xc3\xa9", 100),
	     *flower100 = repeat("\xf0\x9f\x8c\xbb", 100), *flower101 = repeat("\xf0\x9f\x8c\xbb", 101), *padded;
	(void)state;
	assert_null(name_check(a100, out));
	assert_int_equal(strlen(out), 100);
	assert_non_null(strstr(name_check(a101, out), "100 characters"));
	assert_null(name_check(e100, out));
	assert_int_equal(strlen(out), 200);
	assert_null(name_check(flower100, out));
	assert_int_equal(strlen(out), NAME_BYTES_MAX);
	assert_non_null(name_check(flower101, out));
	assert_true(asprintf(&padded, "   %s   ", a100) > 0);
	assert_null(name_check(padded, out));
	assert_string_equal(out, a100);
	free(a100), free(a101), free(e100), free(flower100), free(flower101), free(padded);
}

static void test_name_for_git(void **state)
{
	static const char *const cases[][2] = {
		{ "Two\nLines", "Two Lines" },
		{ "<x>", "x" },
		{ "Ana <ana@x.test>", "Ana ana@x.test" },
		{ "  \t\n ", "Member 7" },
		{ "", "Member 7" },
		{ "\xe2\x80\xae\xe2\x80\x8b", "Member 7" },
		{ "a\xff" "b", "a\xef\xbf\xbd" "b" },
		{ "Ana   Ruiz", "Ana Ruiz" },
		{ "Jos\xc3\xa9", "Jos\xc3\xa9" },
	};
	char out[NAME_BYTES_MAX + 1], check[NAME_BYTES_MAX + 1];
	char *long_name = repeat("ab ", 300);
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		name_for_git(cases[i][0], 7, out);
		assert_string_equal(out, cases[i][1]);
	}
	name_for_git(NULL, 7, out);
	assert_string_equal(out, "Member 7");
	name_for_git(long_name, 7, out);
	assert_null(name_check(out, check));
	assert_string_equal(out, check);
	assert_true(strlen(out) <= 100);
	free(long_name);
}

/* Whatever bytes a stored name holds, the git name is a valid name. */
static void test_name_for_git_any_bytes(void **state)
{
	static const unsigned char pieces[] = { ' ', '\n', '\r', '\t', '<', '>', 'a', 'Z', 0x7f, 0x80, 0xbf, 0xc2, 0x85,
	                                        0xe2, 0x80, 0xae, 0xef, 0xbb, 0xff, 0xf0, 0x9f, 0xed, 0xa0 };
	char in[64], out[NAME_BYTES_MAX + 1], check[NAME_BYTES_MAX + 1];
	unsigned seed = 12345;
	(void)state;
	for (int round = 0; round < 20000; round++) {
		int n = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 63;
		for (int i = 0; i < n; i++)
			in[i] = (char)pieces[((seed = seed * 1103515245u + 12345u) >> 16) % sizeof pieces];
		in[n] = '\0';
		name_for_git(in, 42, out);
		if (name_check(out, check) || strcmp(out, check) != 0)
			fail_msg("round %d: the git name of a stored name is not a valid name", round);
	}
}

static void test_author(void **state)
{
	struct gitstore_author a;
	(void)state;
	gitstore_author(&a, "Two\nLines", 12, "valley");
	assert_string_equal(a.name, "Two Lines");
	assert_string_equal(a.email, "member-12@valley.roundtable.invalid");
	assert_int_equal(gitstore_author_member(a.email), 12);
	gitstore_author(&a, "   ", 3, "a-b-9");
	assert_string_equal(a.name, "Member 3");
	assert_string_equal(a.email, "member-3@a-b-9.roundtable.invalid");
	gitstore_author(&a, "Ana", 3, "x>y\n<z");
	assert_string_equal(a.email, "member-3@xyz.roundtable.invalid");
	gitstore_author(&a, "Ana", 3, NULL);
	assert_string_equal(a.email, "member-3@coalition.roundtable.invalid");
	/* not such an address: 0 (old commits name the member by email) */
	assert_int_equal(gitstore_author_member("ana@demo.test"), 0);
	assert_int_equal(gitstore_author_member("member-0@v.roundtable.invalid"), 0);
	assert_int_equal(gitstore_author_member("member-012@v.roundtable.invalid"), 0);
	assert_int_equal(gitstore_author_member("member-5x@v.roundtable.invalid"), 0);
	assert_int_equal(gitstore_author_member("member-5@roundtable.invalid"), 0);
	assert_int_equal(gitstore_author_member("member-5@v.roundtable.invalid.example"), 0);
	assert_int_equal(gitstore_author_member(NULL), 0);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

/* gitstore_save refuses an author that would break the header; the author
 * of gitstore_author is committed and read back as made. */
static void test_save_author(void **state)
{
	char dir[] = "/tmp/rt-names-XXXXXX", tip[GITSTORE_HEX];
	struct gitstore *gs = NULL;
	struct gitstore_author a;
	struct gitstore_save_out out;
	json_t *hist = NULL;
	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(gitstore_open(&gs, dir, "valley", 1), RT_OK);
	{
		static const char *const names[] = { "Two\nLines", "<x>", "", " ", "a\rb" };
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			struct gitstore_save_in in = { .file = "mou-1.md", .text = "x\n", .len = 2, .name = names[i],
			                               .email = "member-1@valley.roundtable.invalid", .message = "m" };
			assert_int_equal(gitstore_save(gs, &in, &out), RT_EINTERNAL);
			free(out.conflict);
		}
		struct gitstore_save_in in = { .file = "mou-1.md", .text = "x\n", .len = 2, .name = "Ana",
		                               .email = "a\n@b", .message = "m" };
		assert_int_equal(gitstore_save(gs, &in, &out), RT_EINTERNAL);
		free(out.conflict);
	}
	assert_int_equal(gitstore_tip(gs, tip), RT_ENOTFOUND); /* nothing was committed */
	gitstore_author(&a, "Two\nLines <evil@x>", 9, "valley");
	{
		struct gitstore_save_in in = { .file = "mou-1.md", .text = "x\n", .len = 2, .name = a.name,
		                               .email = a.email, .message = "m" };
		assert_int_equal(gitstore_save(gs, &in, &out), RT_OK);
		free(out.conflict);
	}
	assert_int_equal(gitstore_history(gs, "mou-1.md", &hist), RT_OK);
	assert_string_equal(json_string_value(json_object_get(json_array_get(hist, 0), "name")), "Two Lines evil@x");
	assert_string_equal(json_string_value(json_object_get(json_array_get(hist, 0), "email")),
	                    "member-9@valley.roundtable.invalid");
	json_decref(hist);
	gitstore_close(gs);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_names),
		cmocka_unit_test(test_refused_names),
		cmocka_unit_test(test_length_in_characters),
		cmocka_unit_test(test_name_for_git),
		cmocka_unit_test(test_name_for_git_any_bytes),
		cmocka_unit_test(test_author),
		cmocka_unit_test(test_save_author),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
