/* cursor.c - bounded cursor over const bytes; getters never overrun. */
#include "config.h"

#include <string.h>

#include "cursor.h"

void
cursor_init(struct cursor *c, const void *p, size_t len)
{
	c->p = p;
	c->len = p != NULL ? len : 0;
	c->off = 0;
}

int
cursor_peek_u8(const struct cursor *c, uint8_t *v)
{
	if (cursor_left(c) < 1)
		return -1;
	*v = c->p[c->off];
	return 0;
}

int
cursor_u24be(struct cursor *c, uint32_t *v)
{
	const uint8_t *q;

	if (cursor_left(c) < 3)
		return -1;
	q = c->p + c->off;
	*v = (uint32_t)q[0] << 16 | (uint32_t)q[1] << 8 | q[2];
	c->off += 3;
	return 0;
}

int
cursor_u32be(struct cursor *c, uint32_t *v)
{
	const uint8_t *q;

	if (cursor_left(c) < 4)
		return -1;
	q = c->p + c->off;
	*v = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
	    (uint32_t)q[2] << 8 | q[3];
	c->off += 4;
	return 0;
}

int
cursor_u16le(struct cursor *c, uint16_t *v)
{
	const uint8_t *q;

	if (cursor_left(c) < 2)
		return -1;
	q = c->p + c->off;
	*v = (uint16_t)((unsigned)q[1] << 8 | q[0]);
	c->off += 2;
	return 0;
}

int
cursor_u32le(struct cursor *c, uint32_t *v)
{
	const uint8_t *q;

	if (cursor_left(c) < 4)
		return -1;
	q = c->p + c->off;
	*v = (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 |
	    (uint32_t)q[1] << 8 | q[0];
	c->off += 4;
	return 0;
}

int
cursor_skip(struct cursor *c, size_t n)
{
	if (cursor_left(c) < n)
		return -1;
	c->off += n;
	return 0;
}

int
cursor_bytes(struct cursor *c, size_t n, const uint8_t **ptr)
{
	if (cursor_left(c) < n)
		return -1;
	*ptr = c->p + c->off;
	c->off += n;
	return 0;
}

int
cursor_sub(struct cursor *c, size_t n, struct cursor *sub)
{
	if (cursor_left(c) < n)
		return -1;
	sub->p = c->p + c->off;
	sub->len = n;
	sub->off = 0;
	c->off += n;
	return 0;
}
