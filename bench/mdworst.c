/*
 * mdworst.c: the markdown renderer on its worst inputs. A construct of
 * discount (the units below) is repeated to 64 KiB and 256 KiB three ways:
 * run together, separated by spaces, and one per line. For each input it
 * measures, in CPU time (other work on the machine does not count), discount
 * alone (render_discount_raw: no cost guard; in a child process, as some
 * inputs crash it; skipped at 256 KiB when 64 KiB already took over half a
 * second) and render_markdown (what the daemon runs: the cost guard first),
 * and which way the guard went.
 *   mdworst [worst]     the worst inputs found (what `make bench` runs)
 *   mdworst all [FROM]  every construct (from unit number FROM): the table of
 *                       bench/RESULTS.md
 * Output, one line per input, in bench/run.sh's raw format:
 *   mdworst UNIT sep=run|spaced|lines kib=N discount_ms=X|skipped|crash guarded_ms=Y path=markdown|text
 * (in UNIT, \t \n \s stand for a tab, a newline and a space).
 */
#include "render.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

/* The worst inputs found by `mdworst all` (bench/RESULTS.md): unit and separator. */
static const struct { const char *unit; int sep; } worst[] = {
	{ "www.a", 0 }, { "_a", 0 }, { "<a\t", 0 }, { "<a", 2 }, { "</", 1 }, { "[", 2 }, { "[a](b", 2 }, { "__", 2 }, { "> >", 0 },
	{ NULL, 0 }
};

static const char *const seps[] = { "", " ", "\n" };
static const char *const sep_names[] = { "run", "spaced", "lines" };

/* discount alone on src, in a child: milliseconds of CPU, or -2 if it crashed. */
static double raw_ms(const char *src, size_t len)
{
	int fd[2], status;
	double ms = -2;
	pid_t pid;
	if (pipe(fd) < 0 || (pid = fork()) < 0)
		exit(1);
	if (pid == 0) {
		double t0 = now();
		free(render_discount_raw(src, len));
		t0 = (now() - t0) * 1e3;
		if (write(fd[1], &t0, sizeof t0) != (ssize_t)sizeof t0)
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], &ms, sizeof ms) != (ssize_t)sizeof ms)
		ms = -2;
	close(fd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? ms : -2;
}

/* Measures unit joined by seps[sep] at 64 and 256 KiB and prints two lines. */
static void measure(const char *unit, int sep)
{
	char name[64];
	double raw64 = 0;
	printable(unit, name);
	for (size_t size = 64 * 1024; size <= 256 * 1024; size *= 4) {
		char *src = make(unit, seps[sep], size), *out, rawbuf[32];
		size_t len = strlen(src);
		int fallback = render_guarded(src, len);
		double t0, raw = -1, guarded;
		if (size == 64 * 1024 || (raw64 >= 0 && raw64 < 500)) {
			raw = raw_ms(src, len);
			if (size == 64 * 1024)
				raw64 = raw < 0 ? 1e9 : raw;
		}
		t0 = now();
		out = render_markdown(src, len);
		guarded = (now() - t0) * 1e3;
		free(out);
		if (raw == -2)
			snprintf(rawbuf, sizeof rawbuf, "crash");
		else if (raw < 0)
			snprintf(rawbuf, sizeof rawbuf, "skipped");
		else
			snprintf(rawbuf, sizeof rawbuf, "%.1f", raw);
		printf("mdworst %s sep=%s kib=%zu discount_ms=%s guarded_ms=%.1f path=%s\n", name, sep_names[sep],
		       size / 1024, rawbuf, guarded, fallback ? "text" : "markdown");
		fflush(stdout);
		free(src);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "all") == 0) {
		for (int u = argc > 2 ? atoi(argv[2]) : 0; units[u]; u++)
			for (int sep = 0; sep < 3; sep++)
				measure(units[u], sep);
	} else {
		for (int i = 0; worst[i].unit; i++)
			measure(worst[i].unit, worst[i].sep);
	}
	return 0;
}
