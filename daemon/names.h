/*
 * names.h: members' display names. One rule for every place a name enters
 * (member.invite, auth.accept_invite, member.update_profile, `roundtable
 * user add`, the demo): one line of printable text, trimmed of surrounding
 * spaces, 1 to 100 characters (Unicode code points of valid UTF-8). Refused:
 * control characters (C0, DEL, C1: line breaks, tabs), the line and
 * paragraph separators U+2028/U+2029, '<' and '>' (they end a git author's
 * name), bidi controls (U+061C, U+200E, U+200F, U+202A-U+202E,
 * U+2066-U+2069), zero-width characters (U+200B-U+200D, U+2060, U+FEFF) and
 * noncharacters.
 *
 * And the one way a stored name is made safe for a git header, whatever the
 * database holds (names stored before the rule existed): name_for_git.
 */
#ifndef RT_NAMES_H
#define RT_NAMES_H

#include <stdint.h>

#define NAME_CHARS_MAX 100
/* The longest valid name in bytes (every character 4 bytes of UTF-8). */
#define NAME_BYTES_MAX (4 * NAME_CHARS_MAX)
/* The size limit of name arguments in the op table: room for a valid name
 * with spaces around it, so that name_check, not the size, refuses most
 * bad names (bad_request); a longer one is `too_large`. */
#define NAME_ARG_MAX 1024

/* Checks a display name. Valid: writes it, trimmed, to out and returns NULL.
 * Refused: out is "" and the return value says why (a sentence for the
 * error message, static). in may be any bytes. */
const char *name_check(const char *in, char out[NAME_BYTES_MAX + 1]);

/* A git author name made from whatever in holds: invalid UTF-8 becomes
 * U+FFFD, every character name_check refuses becomes a space, runs of
 * spaces become one, the result is trimmed and cut to NAME_CHARS_MAX
 * characters; if nothing is left, "Member <member_id>". The result is never
 * empty and holds no control character, '<' or '>'. */
void name_for_git(const char *in, int64_t member_id, char out[NAME_BYTES_MAX + 1]);

#endif
