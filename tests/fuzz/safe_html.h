/*
 * safe_html.h: the safe-HTML rules of the renderer (render.h), checked by
 * tests/unit/test_render.c and the render fuzz target: text never holds a raw '<' (it is
 * escaped), so every '<' opens a real tag, and no tag may be a banned element
 * (script, img, iframe, ... anything that runs or loads), carry an event
 * handler (on*), a loading or styling attribute (src, style, srcdoc,
 * formaction, action, background) or a link (href) other than http, https or
 * mailto.
 *
 * It reads attributes the way a browser does (name, '=', a value in "", '' or
 * bare), so that text inside a quoted value (title="a style=x") is not taken
 * for an attribute, and a '>' inside a quoted value does not end the tag.
 * Anything it cannot read (a tag left open at the end) counts as unsafe.
 * Returns NULL when html is safe, else what is wrong.
 */
#ifndef RT_SAFE_HTML_H
#define RT_SAFE_HTML_H

#include <ctype.h>
#include <string.h>
#include <strings.h>

static inline int safe_html_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static inline const char *safe_html_violation(const char *html)
{
	static const char *const banned_tags[] = {
		"script", "img", "iframe", "object", "embed", "svg", "math", "style", "link", "meta",
		"base", "form", "input", "video", "audio", "source", "frame", "body", "html", NULL
	};
	static const char *const banned_attrs[] = { "src", "style", "srcdoc", "formaction", "action", "background", NULL };
	const char *p = html;

	while ((p = strchr(p, '<')) != NULL) {
		const char *name;
		size_t n;
		p++;
		if (*p == '/')
			p++;
		name = p;
		while (isalnum((unsigned char)*p))
			p++;
		n = (size_t)(p - name);
		for (int i = 0; banned_tags[i]; i++)
			if (n == strlen(banned_tags[i]) && strncasecmp(name, banned_tags[i], n) == 0)
				return "banned element";
		/* attributes, up to the '>' that ends the tag */
		for (;;) {
			const char *a, *v = NULL;
			size_t an, vn = 0;
			while (safe_html_space(*p) || *p == '/')
				p++;
			if (*p == '>')
				break;
			if (!*p)
				return "unterminated tag";
			a = p;
			while (*p && !safe_html_space(*p) && *p != '/' && *p != '>' && (*p != '=' || p == a))
				p++;
			an = (size_t)(p - a);
			while (safe_html_space(*p))
				p++;
			if (*p == '=') {
				p++;
				while (safe_html_space(*p))
					p++;
				if (*p == '"' || *p == '\'') {
					char q = *p++;
					v = p;
					while (*p && *p != q)
						p++;
					if (!*p)
						return "unterminated tag";
					vn = (size_t)(p - v);
					p++;
				} else {
					v = p;
					while (*p && !safe_html_space(*p) && *p != '>')
						p++;
					vn = (size_t)(p - v);
				}
			}
			if (an >= 2 && strncasecmp(a, "on", 2) == 0)
				return "event handler";
			for (int i = 0; banned_attrs[i]; i++)
				if (an == strlen(banned_attrs[i]) && strncasecmp(a, banned_attrs[i], an) == 0)
					return "banned attribute";
			if (an == 4 && strncasecmp(a, "href", 4) == 0 &&
			    !(v && ((vn >= 5 && strncasecmp(v, "http:", 5) == 0) || (vn >= 6 && strncasecmp(v, "https:", 6) == 0) ||
			            (vn >= 7 && strncasecmp(v, "mailto:", 7) == 0))))
				return "bad link";
		}
	}
	return NULL;
}

#endif
