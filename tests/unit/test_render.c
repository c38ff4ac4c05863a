/*
 * test_render.c: the markdown renderer yields only safe HTML: every payload of
 * tests/corpora (XSS lists, markdown XSS, naughty strings) is rendered and
 * the output checked against the safe-HTML rules of tests/fuzz/safe_html.h
 * (no script, event handler, dangerous URL or element that loads anything).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "render.h"
#include "../fuzz/safe_html.h"

#ifndef CORPORA
#define CORPORA "tests/corpora"
#endif

static int n_checked;

/* Fails the test if html breaks the safe-HTML rules (tests/fuzz/safe_html.h,
 * shared with the renderer's fuzz target). */
static void assert_safe(const char *src, const char *html)
{
	const char *why = safe_html_violation(html);
	if (why) {
		print_error("%s for input:\n%s\n---\n%s\n", why, src, html);
		fail();
	}
	n_checked++;
}

static void check(const char *src)
{
	char *html = render_markdown(src, strlen(src));
	assert_non_null(html);
	assert_safe(src, html);
	free(html);
}

static void check_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	assert_non_null(f);
	while ((n = getline(&line, &cap, f)) > 0) {
		line[strcspn(line, "\n")] = '\0';
		check(line);
		/* and as a link text, link target and image target */
		char *wrapped = malloc((size_t)n * 2 + 32);
		sprintf(wrapped, "[x](%s) ![y](%s)", line, line);
		check(wrapped);
		free(wrapped);
	}
	free(line);
	fclose(f);
}

static void test_xss_payload_list(void **state)
{
	(void)state;
	check_lines(CORPORA "/xss-payload-list.txt");
}

static void test_markdown_xss(void **state)
{
	(void)state;
	check_lines(CORPORA "/markdown-xss-payloads.txt");
}

static void test_naughty_strings(void **state)
{
	json_t *arr = json_load_file(CORPORA "/blns.json", 0, NULL);
	size_t i;
	json_t *v;
	(void)state;
	assert_non_null(arr);
	json_array_foreach(arr, i, v)
		check(json_string_value(v));
	json_decref(arr);
}

static void test_markdown_still_works(void **state)
{
	const char *md1 = "**Hub** _selection_\n\n- one\n- [site](https://example.org)\n";
	const char *md2 = "<b onclick=x>raw</b> & <script>";
	const char *md3 = "<mailto:a@b.test> [j](javascript:alert(1)) [f](ftp://x)";
	char *html = render_markdown(md1, strlen(md1));
	(void)state;
	assert_non_null(strstr(html, "<strong>Hub</strong>"));
	assert_non_null(strstr(html, "<em>selection</em>"));
	assert_non_null(strstr(html, "<li>one</li>"));
	assert_non_null(strstr(html, "<a href=\"https://example.org\" rel=\"nofollow noopener noreferrer\">site</a>"));
	free(html);
	html = render_markdown(md2, strlen(md2));
	assert_null(strstr(html, "<b"));
	assert_non_null(strstr(html, "&lt;b"));
	free(html);
	html = render_markdown(md3, strlen(md3));
	assert_non_null(strstr(html, "href=\"mailto:a@b.test\""));
	assert_null(strstr(html, "href=\"javascript"));
	assert_null(strstr(html, "href=\"ftp"));
	free(html);
}

static void test_long_lines_stay_fast_and_escaped(void **state)
{
	/* discount takes seconds on 64 KiB unbroken lines; those render as text */
	size_t n = 64 * 1024;
	char *src = malloc(n + 1), *html;
	(void)state;
	for (size_t i = 0; i < n; i++)
		src[i] = "<_a"[i % 3];
	src[n] = '\0';
	html = render_markdown(src, n);
	assert_non_null(html);
	assert_safe(src, html);
	assert_null(strstr(html, "<_"));
	assert_non_null(strstr(html, "&lt;_a"));
	free(html);
	free(src);
}

/* Renders src and checks it came out as escaped text, not markdown. */
static void assert_rendered_plain(const char *src, size_t n)
{
	char *html = render_markdown(src, n);
	assert_non_null(html);
	assert_safe(src, html);
	assert_true(strncmp(html, "<p>", 3) == 0);
	assert_null(strstr(html, "<a "));
	free(html);
}

static void test_costly_markdown_renders_as_text(void **state)
{
	/* each took seconds in discount, with the event loop stalled meanwhile */
	size_t n = 64 * 1024;
	char *src = malloc(n + 1), *html;
	(void)state;
	for (size_t i = 0; i < n; i++) /* 1,024 short lines of '[', one paragraph */
		src[i] = i % 64 == 63 ? '\n' : '[';
	assert_rendered_plain(src, n);
	for (size_t i = 0; i < n; i++) /* 16 lines of 4,000 characters without a space */
		src[i] = i % 4001 == 4000 ? '\n' : 'a';
	assert_rendered_plain(src, n);
	for (size_t i = 0; i < n; i++) /* [x]( links packed into one paragraph */
		src[i] = i % 80 == 79 ? '\n' : "[x](y "[i % 6];
	assert_rendered_plain(src, n);
	/* while a long document of ordinary paragraphs with links is markdown */
	src[0] = '\0';
	while (strlen(src) + 200 < n)
		strcat(src, "The hub [bills](https://hub.test/billing) for **all** of us, and\n"
		            "[substitutes](https://hub.test/subs) come from one pool.\n\n");
	html = render_markdown(src, strlen(src));
	assert_non_null(strstr(html, "<a href=\"https://hub.test/billing\""));
	assert_non_null(strstr(html, "<strong>all</strong>"));
	free(html);
	free(src);
}

/* unit repeated, joined by sep, to just under size bytes (malloc'd). */
static char *repeat(const char *unit, const char *sep, size_t size, size_t *len)
{
	char *s = malloc(size + 1);
	size_t n = 0, ul = strlen(unit), sl = strlen(sep);
	assert_non_null(s);
	while (n + ul + sl <= size) {
		memcpy(s + n, unit, ul);
		n += ul;
		memcpy(s + n, sep, sl);
		n += sl;
	}
	s[n] = '\0';
	*len = n;
	return s;
}

/* The constructs discount is quadratic on, or recurses on until it runs out
 * of stack, at 64 KiB (bench/mdworst.c, table in bench/RESULTS.md). */
static const struct { const char *unit, *sep; } worst[] = {
	{ "<", "" }, { "<a\t", "" }, { "<a\t", "\n" }, { "<a", " " }, { "<a", "\n" }, { "<ab", " " },
	{ "</", " " }, { "</", "\n" }, { "<!--", " " }, { "<!--", "\n" }, { "<http://a", "" },
	{ "<mailto:a@b", "" }, { "[", "" }, { "[", " " }, { "[", "\n" }, { "[a", " " }, { "[a", "\n" },
	{ "](", "" }, { "[a](", " " }, { "[a](b", "\n" }, { "![", " " }, { "![a](", "\n" }, { "[a][", " " },
	{ "(", "\n" }, { "_a", "" }, { "a_", "" }, { "*a", "" }, { "a*", "" }, { "`", "" }, { "``", "" },
	{ "~", "" }, { "~~", "" }, { "__", "\n" }, { "*a", "\n" }, { "`a", "\n" }, { "_", "\n" },
	{ ">", "" }, { "> >", "" }, { "> ", "" }, { "- ", "" }, { "* ", "" }, { "+ ", "" }, { "1. ", "" },
	{ "> - ", "" }, { "> 1. ", "" },
};

/* Each worst construct at 256 KiB: the guard chooses the escaped text (an
 * instruction-count-free bound: discount never runs on it), whose size is
 * linear in the input, and it is safe. */
static void test_worst_constructs_at_256k(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof worst / sizeof worst[0]; i++) {
		size_t len;
		char *src = repeat(worst[i].unit, worst[i].sep, 256 * 1024, &len), *html;
		if (!render_guarded(src, len)) {
			print_error("the guard lets discount render \"%s\" joined by \"%s\" at 256 KiB\n", worst[i].unit,
			            worst[i].sep);
			fail();
		}
		html = render_markdown(src, len);
		assert_non_null(html);
		assert_true(strncmp(html, "<p>", 3) == 0);
		assert_true(strlen(html) <= 6 * len + 16);
		assert_safe(worst[i].unit, html);
		free(html);
		free(src);
	}
}

/* Block nesting: a line opening more than 100 blocks is text; discount
 * recursed once per block and ran out of stack on 64 KiB of "> >". */
static void test_deep_nesting_is_text(void **state)
{
	size_t len;
	char *src = repeat("> ", "", 2 * 100, &len);
	(void)state;
	assert_false(render_guarded(src, len)); /* 100 levels: rendered */
	free(src);
	src = repeat(" ", "", 200, &len); /* 200 columns of indentation: 100 levels */
	assert_false(render_guarded(src, len));
	free(src);
	src = repeat(" ", "", 202, &len);
	assert_true(render_guarded(src, len));
	free(src);
	src = repeat("> ", "", 2 * 101, &len); /* 101 levels: text */
	assert_true(render_guarded(src, len));
	free(src);
	src = repeat("- ", "", 4 * 1024 * 1024, &len); /* 2 million nested list items */
	assert_true(render_guarded(src, len));
	free(src);
}

/* A 192 KiB MOU of ordinary markdown (headings, lists, links, emphasis,
 * quotes, a table, code) is rendered as markdown, not refused as costly. */
static void test_long_ordinary_document_is_markdown(void **state)
{
	static const char section[] =
		"## 3. What will each partner do?\n\n"
		"The **Hub** runs [billing](https://hub.test/billing) and _payroll_ for every member, and keeps\n"
		"the `substitute pool` (see [the pool](https://hub.test/subs \"Pool\")).\n\n"
		"- Providers name a contact and share attendance monthly.\n"
		"  - Family child care homes may share it quarterly.\n"
		"- Funders review the budget twice a year.\n\n"
		"1. Launch: months 1 to 3.\n2. Review: month 12.\n\n"
		"> Decisions are made by consent of the design team.\n\n"
		"| role | who |\n|---|---|\n| billing | Hub |\n| attendance | providers |\n\n"
		"```\ncontact: hub@hub.test\n```\n\n";
	size_t len;
	char *src = repeat(section, "", 192 * 1024, &len), *html;
	(void)state;
	assert_false(render_guarded(src, len));
	html = render_markdown(src, len);
	assert_non_null(strstr(html, "<a href=\"https://hub.test/billing\""));
	assert_non_null(strstr(html, "<blockquote>"));
	assert_non_null(strstr(html, "<table>"));
	free(html);
	free(src);
}

static void test_sanitizer_alone(void **state)
{
	const char *bad = "<p onclick=\"x\">a</p><img src=x onerror=y><a href=\"javascript:1\">j</a>"
	                  "<a href=\"https://ok.test\" onmouseover=\"z\">ok</a><scr<script>ipt>";
	char *out = render_sanitize(bad, strlen(bad));
	(void)state;
	assert_string_equal(out, "<p>a</p><a>j</a><a href=\"https://ok.test\" rel=\"nofollow noopener noreferrer\">ok</a>&lt;script&gt;");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_markdown_still_works),
		cmocka_unit_test(test_sanitizer_alone),
		cmocka_unit_test(test_long_lines_stay_fast_and_escaped),
		cmocka_unit_test(test_costly_markdown_renders_as_text),
		cmocka_unit_test(test_worst_constructs_at_256k),
		cmocka_unit_test(test_deep_nesting_is_text),
		cmocka_unit_test(test_long_ordinary_document_is_markdown),
		cmocka_unit_test(test_markdown_xss),
		cmocka_unit_test(test_xss_payload_list),
		cmocka_unit_test(test_naughty_strings),
	};
	int rc = cmocka_run_group_tests_name("render", tests, NULL, NULL);
	fprintf(stderr, "render: %d inputs checked\n", n_checked);
	return rc;
}
