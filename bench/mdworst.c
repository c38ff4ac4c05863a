/*
 * mdworst.c: the markdown renderer on its worst inputs. Every discount
 * construct (the units below) is repeated to 64 KiB and 256 KiB three ways:
 * run together, separated by spaces, and one per line. For each input it
 * prints the time of discount alone (render_discount_raw, no guard; skipped
 * at 256 KiB when 64 KiB already took over 0.5 s, which is then quadratic)
 * and of render_markdown (the guarded renderer the daemon uses) and which
 * path it took. `make bench` prints the slowest lines (bench/run.sh).
 *   mdworst [SECONDS_MAX]  prints "mdworst UNIT SEP SIZE raw_ms guarded_ms path"
 */
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const units[] = {
	"<", "<a\t", "<a ", "<a", "<ab", "</", "<!--", "<http://a", "<http://a.b/c>", "<mailto:a@b",
	"[", "]", "[a", "[a]", "](", "[a](", "[a](b", "[a](http://b)", "![", "![a](", "[a][", "[a]: http://b",
	"(", ")", "*", "**", "***", "*a", "a*", "_", "__", "_a", "a_", "~", "~~", "^", "`", "``", "```",
	"`a", ">", "> ", "> >", "-", "- ", "- a", "+ ", "* ", "1. ", "1.", "  - ", "    ", "\t",
	"|", "|a", "a|b", "|-", "&", "&amp;", "&#", "&#x", "&a", "http://a", "https://a.b", "www.a",
	"a@b.c", "#", "# ", "# a", "=", "===", "---", "***\n", "\\", "\\*", "%", "{", "}", "\"", "'",
	":", "a", "a ", " ", "  \n", "~~~", "```a", ".", "<br>", "<p>", "<a href=", "[![a](b)](",
	"*_`", "[*", "<[", "[<", "<`", "`<", "**[", "](<",
	NULL
};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); /* CPU time: other work on the machine does not count */
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* unit repeated (joined by sep) up to size bytes. */
static char *make(const char *unit, const char *sep, size_t size)
{
	char *s = malloc(size + 1);
	size_t n = 0, ul = strlen(unit), sl = strlen(sep);
	if (!s)
		exit(1);
	while (n + ul + sl <= size) {
		memcpy(s + n, unit, ul);
		n += ul;
		memcpy(s + n, sep, sl);
		n += sl;
	}
	s[n] = '\0';
	return s;
}

static void printable(const char *u, char *out)
{
	for (; *u; u++) {
		if (*u == '\t')
			out += sprintf(out, "\\t");
		else if (*u == '\n')
			out += sprintf(out, "\\n");
		else if (*u == ' ')
			out += sprintf(out, "\\s");
		else
			*out++ = *u;
	}
	*out = '\0';
}

int main(int argc, char **argv)
{
	static const char *const seps[] = { "", " ", "\n" };
	static const char *const sep_names[] = { "run", "spaced", "lines" };
	double raw64[3];
	(void)argc;
	(void)argv;
	for (int u = 0; units[u]; u++) {
		char name[64];
		printable(units[u], name);
		for (int s = 0; s < 3; s++) {
			for (size_t size = 64 * 1024; size <= 256 * 1024; size *= 4) {
				char *src = make(units[u], seps[s], size), *out;
				double t0, raw = -1, guarded;
				size_t len = strlen(src);
				int fallback = render_guarded(src, len);
				if (size == 64 * 1024 || raw64[s] < 0.5) {
					t0 = now();
					free(render_discount_raw(src, len));
					raw = now() - t0;
					if (size == 64 * 1024)
						raw64[s] = raw;
				}
				t0 = now();
				out = render_markdown(src, len);
				guarded = now() - t0;
				free(out);
				printf("mdworst %s %s %zu %.1f %.1f %s\n", name, sep_names[s], size / 1024,
				       raw < 0 ? -1 : raw * 1e3, guarded * 1e3, fallback ? "text" : "markdown");
				fflush(stdout);
				free(src);
			}
		}
	}
	return 0;
}
