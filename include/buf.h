/*
 * buf.h - growable byte buffer with a hard cap.
 *
 * A buf owns its storage.  buf_append() refuses (returns -1, appends
 * nothing) when the result would pass the cap; the caller records an
 * anomaly.  Pointers into b->data are valid until the next append, reset or
 * free.  The data is kept NUL-terminated past b->len for convenience, but
 * may contain NULs.
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t	*data;
	size_t	 len;
	size_t	 size;	/* allocated, > len */
	size_t	 cap;	/* hard limit on len */
};

/* cap 0 means MG_BUF_DEFAULT_CAP. */
void buf_init(struct buf *b, size_t cap);
void buf_free(struct buf *b);		/* storage only; b may be reused */
void buf_reset(struct buf *b);		/* len = 0, keeps storage */
/* Storage for n more bytes past len (and the NUL) when the cap allows
 * them, so in-place writers (escape_wire(), report_json) skip measuring
 * and growing; the content is unchanged.  1 if the room is there, else 0
 * (nothing changed). */
int buf_room(struct buf *b, size_t n);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_append_str(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Remove the first n bytes (n <= len). */
void buf_consume(struct buf *b, size_t n);
/* NUL-terminated view (data may contain NULs). */
const char *buf_cstr(const struct buf *b);

#endif /* BUF_H */
