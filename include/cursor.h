/*
 * cursor.h - bounded cursor over const bytes: the one way to read packet
 * and wire data (tcpdump's bounds-checked access, as a struct).
 *
 * A cursor never owns its bytes: they belong to the caller and must outlive
 * the cursor and every slice taken from it.  Every getter returns 0 on
 * success and -1 when fewer bytes are left than it needs; on failure
 * nothing is read and the cursor does not move.  Multi-byte integers are
 * read big-endian (network order) into host-order values.  No function
 * allocates, prints or fails in any other way.
 */
#ifndef CURSOR_H
#define CURSOR_H

#include <stddef.h>
#include <stdint.h>

struct cursor {
	const uint8_t	*p;	/* first byte of the window */
	size_t		 len;	/* bytes in the window */
	size_t		 off;	/* bytes already consumed, <= len */
};

void	cursor_init(struct cursor *c, const void *p, size_t len);
/* Bytes not yet consumed. */
size_t	cursor_left(const struct cursor *c);
/* Pointer to the next unread byte (valid only if cursor_left() > 0). */
const uint8_t *cursor_pos(const struct cursor *c);

int	cursor_u8(struct cursor *c, uint8_t *v);
int	cursor_u16be(struct cursor *c, uint16_t *v);
int	cursor_u24be(struct cursor *c, uint32_t *v);
int	cursor_u32be(struct cursor *c, uint32_t *v);
int	cursor_u16le(struct cursor *c, uint16_t *v);
int	cursor_u32le(struct cursor *c, uint32_t *v);
/* Peek without consuming. */
int	cursor_peek_u8(const struct cursor *c, uint8_t *v);
int	cursor_skip(struct cursor *c, size_t n);
/* Slice of the next n bytes (no copy), then advance past them. */
int	cursor_bytes(struct cursor *c, size_t n, const uint8_t **ptr);
/* Copy the next n bytes into dst, then advance past them. */
int	cursor_copy(struct cursor *c, void *dst, size_t n);
/* Nested cursor over the next n bytes; the parent advances past them. */
int	cursor_sub(struct cursor *c, size_t n, struct cursor *sub);

#endif /* CURSOR_H */
