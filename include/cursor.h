/*
 * cursor.h - bounded cursor over const bytes: the one way to read packet
 * and wire data (tcpdump's bounds-checked access, as a struct).
 *
 * A cursor never owns its bytes: they belong to the caller and must outlive
 * the cursor and every slice taken from it.  Every getter returns 0 on
 * success and -1 when fewer bytes are left than it needs; on failure
 * nothing is read and the cursor does not move.  Multi-byte integers are
 * read big-endian (network order) into host-order values.  No function
 * allocates, prints or fails in any other way.  The getters every packet
 * goes through are inline here (a call each cost the capture reader ~10%
 * of its instructions); the rest are in cursor.c.
 */
#ifndef CURSOR_H
#define CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
	const uint8_t	*p;	/* first byte of the window */
	size_t		 len;	/* bytes in the window */
	size_t		 off;	/* bytes already consumed, <= len */
};

void	cursor_init(struct cursor *c, const void *p, size_t len);

/* Bytes not yet consumed. */
static inline size_t
cursor_left(const struct cursor *c)
{
	return c->len - c->off;
}

/* Pointer to the next unread byte (valid only if cursor_left() > 0). */
static inline const uint8_t *
cursor_pos(const struct cursor *c)
{
	return c->p + c->off;
}

static inline int
cursor_u8(struct cursor *c, uint8_t *v)
{
	if (cursor_left(c) < 1)
		return -1;
	*v = c->p[c->off++];
	return 0;
}

static inline int
cursor_u16be(struct cursor *c, uint16_t *v)
{
	const uint8_t *q;

	if (cursor_left(c) < 2)
		return -1;
	q = c->p + c->off;
	*v = (uint16_t)((unsigned)q[0] << 8 | q[1]);
	c->off += 2;
	return 0;
}

/* Copy the next n bytes into dst, then advance past them. */
static inline int
cursor_copy(struct cursor *c, void *dst, size_t n)
{
	if (cursor_left(c) < n)
		return -1;
	if (n > 0)
		memcpy(dst, c->p + c->off, n);
	c->off += n;
	return 0;
}

int	cursor_u24be(struct cursor *c, uint32_t *v);
int	cursor_u32be(struct cursor *c, uint32_t *v);
int	cursor_u16le(struct cursor *c, uint16_t *v);
int	cursor_u32le(struct cursor *c, uint32_t *v);
/* Peek without consuming. */
int	cursor_peek_u8(const struct cursor *c, uint8_t *v);
int	cursor_skip(struct cursor *c, size_t n);
/* Slice of the next n bytes (no copy), then advance past them. */
int	cursor_bytes(struct cursor *c, size_t n, const uint8_t **ptr);
/* Nested cursor over the next n bytes; the parent advances past them. */
int	cursor_sub(struct cursor *c, size_t n, struct cursor *sub);

#endif /* CURSOR_H */
