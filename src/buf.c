/* buf.c - growable byte buffer with a hard cap. */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mg_limits.h"
#include "util.h"

void
buf_init(struct buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->size = 0;
	b->cap = cap ? cap : MG_BUF_DEFAULT_CAP;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->size = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static void
buf_reserve(struct buf *b, size_t need)
{
	size_t sz = b->size ? b->size : 64;

	if (need < b->size)
		return;
	while (sz <= need)
		sz *= 2;
	b->data = xreallocarray(b->data, sz, 1);
	b->size = sz;
}

int
buf_room(struct buf *b, size_t n)
{
	/* The cap first: storage that happens to be larger is no licence
	 * to write past it. */
	if (b->len > b->cap || b->cap - b->len < n ||
	    n >= SIZE_MAX / 2 - b->len)
		return 0;
	if (b->size > b->len + n)
		return 1;
	buf_reserve(b, b->len + n);
	b->data[b->len] = '\0';
	return 1;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (n > b->cap || b->len > b->cap - n)
		return -1;
	buf_reserve(b, b->len + n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_append_str(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	char *big;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return buf_append(b, small, (size_t)n);
	big = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	rc = buf_append(b, big, (size_t)n);
	free(big);
	return rc;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

const char *
buf_cstr(const struct buf *b)
{
	return b->data ? (const char *)b->data : "";
}
