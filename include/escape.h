/*
 * escape.h - THE one function that turns hostile wire bytes into printable
 * text for a terminal or for JSON.
 *
 * Printable ASCII (0x20..0x7e) is kept, backslash is doubled, CR becomes
 * \r, LF \n, TAB \t, every other byte \xNN (two lower-case hex digits).
 * The result is pure ASCII with no control characters, so it is safe on a
 * terminal and safe to hand to jansson (json_stringn), which adds its own
 * JSON escapes.  ESCAPE_JSON and ESCAPE_TERM currently produce the same
 * bytes; the mode exists so that callers say where the text goes.
 *
 * escape_wire() appends to a caller's buf and returns 0, or -1 when the
 * buf's cap is reached (what fit is kept, never a partial escape).
 * escape_wire_str() returns a malloc'd NUL-terminated string the caller
 * frees; it never fails (xmalloc dies on OOM).  escape_wire_to() writes
 * into caller storage sized with escape_wire_len().
 */
#ifndef ESCAPE_H
#define ESCAPE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum escape_mode {
	ESCAPE_TERM,
	ESCAPE_JSON,
};

int	escape_wire(struct buf *out, const uint8_t *p, size_t n,
	    enum escape_mode m);
/*
 * Escape at most cap bytes of input (cap 0: no limit); when input is
 * longer, "..." is appended to mark the truncation.
 */
char	*escape_wire_str(const uint8_t *p, size_t n, enum escape_mode m,
	    size_t cap);
/* The same string allocated in arena a (freed with it), or with
 * xmalloc when a is NULL. */
struct arena;
char	*escape_wire_str_in(struct arena *a, const uint8_t *p, size_t n,
	    size_t cap);
/* Bytes escape_wire() would append for the input (no allocation). */
size_t	escape_wire_len(const uint8_t *p, size_t n);
/*
 * The same escaped bytes written to dst, which must hold
 * escape_wire_len(p, n) bytes (no NUL added); returns that length.  For
 * callers with their own storage (report.c's arena).
 */
size_t	escape_wire_to(char *dst, const uint8_t *p, size_t n);

#endif /* ESCAPE_H */
