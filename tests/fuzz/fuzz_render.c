/*
 * fuzz_render.c: render_markdown on every input (any bytes), then the output
 * must follow the safe-HTML rules (safe_html.h: no banned element, no on*
 * attribute, no loading or styling attribute, links only http, https,
 * mailto); abort() on a violation, printing the input and the HTML. The
 * input is also given to render_sanitize alone, as if it were HTML: the
 * allow list must make any HTML safe, not only discount's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "safe_html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *what, const uint8_t *data, size_t size, const char *html)
{
	const char *bad = safe_html_violation(html);
	if (!bad)
		return;
	fprintf(stderr, "fuzz_render: %s in %s for input:\n%.*s\n---\n%s\n", bad, what, (int)size, (const char *)data, html);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *html, *again;
	if (size > 64 * 1024)
		return 0;
	html = render_markdown((const char *)data, size);
	if (!html)
		return 0; /* out of memory */
	check("render_markdown", data, size, html);
	/* The sanitizer on its own, fed the raw input as HTML. */
	again = render_sanitize((const char *)data, size);
	if (again)
		check("render_sanitize", data, size, again);
	free(again);
	free(html);
	return 0;
}
