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

/* Filters HTML to the allow list (exposed for tests and fuzzing). */
char *render_sanitize(const char *html, size_t len);

#endif
