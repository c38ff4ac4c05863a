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
		cmocka_unit_test(test_markdown_xss),
		cmocka_unit_test(test_xss_payload_list),
		cmocka_unit_test(test_naughty_strings),
	};
	int rc = cmocka_run_group_tests_name("render", tests, NULL, NULL);
	fprintf(stderr, "render: %d inputs checked\n", n_checked);
	return rc;
}
