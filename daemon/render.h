/*
 * render.h: markdown to HTML that is safe to insert into the web client.
 *
 * discount renders with raw HTML, pseudo-protocols and images refused
 * (MKD_NOHTML | MKD_SAFELINK | MKD_NO_EXT | MKD_NOIMAGE); its output then
 * goes through an allow list of tags and attributes: links only to http,
 * https and mailto (opened with rel="nofollow noopener noreferrer"), no
 * style or event attributes, no element that loads anything.
 */
#ifndef RT_RENDER_H
#define RT_RENDER_H

#include <stddef.h>

/* Renders markdown source into safe HTML. Returns a malloc'd string the
 * caller frees, or NULL on out-of-memory. */
char *render_markdown(const char *src, size_t len);

/* 1 if render_markdown would show this source as escaped text (its
 * estimated cost in discount is over the budget), 0 if it would render it
 * (exposed for tests and the bench). */
int render_guarded(const char *src, size_t len);

/* discount alone, with the daemon's flags and the allow list but no cost
 * guard: for bench/mdworst.c, never for the daemon. */
char *render_discount_raw(const char *src, size_t len);

/* Filters HTML to the allow list (exposed for tests and fuzzing). */
char *render_sanitize(const char *html, size_t len);

#endif
