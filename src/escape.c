/* escape.c - hostile wire bytes to printable ASCII for terminal and JSON. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "arena.h"
#include "buf.h"
#include "escape.h"
#include "util.h"

static const char escape_hex[] = "0123456789abcdef";

/* Escaped length of each byte: 1 kept, 2 "\\" "\r" "\n" "\t", 4 "\xNN". */
static const uint8_t escape_w[256] = {
	[0x00 ... 0x08] = 4, ['\t'] = 2, ['\n'] = 2, [0x0b ... 0x0c] = 4,
	['\r'] = 2, [0x0e ... 0x1f] = 4,
	[0x20 ... 0x5b] = 1, ['\\'] = 2, [0x5d ... 0x7e] = 1,
	[0x7f ... 0xff] = 4,
};

/* Escape one byte into out (at most 4 bytes); returns its length. */
static size_t
escape_byte(uint8_t c, char out[4])
{
	switch (escape_w[c]) {
	case 1:
		out[0] = (char)c;
		return 1;
	case 2:
		out[0] = '\\';
		out[1] = c == '\\' ? '\\' : c == '\r' ? 'r' : c == '\n' ?
		    'n' : 't';
		return 2;
	default:
		out[0] = '\\';
		out[1] = 'x';
		out[2] = escape_hex[c >> 4];
		out[3] = escape_hex[c & 0x0f];
		return 4;
	}
}

#ifdef __SSE2__
/* Bit i set for each byte p[i] (of 16) that is not kept as it is: below
 * 0x20 or 0x80 and up (both below 0x20 as signed bytes), 0x7f, '\\'. */
static inline unsigned
escape_mask16(const uint8_t *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)p);

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(
	    _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
	    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')))));
}
#endif

#ifdef __SSE2__
/* Bit i set for each byte p[i] (of 16) escaped in two bytes: CR, LF,
 * TAB, '\\'. */
static inline unsigned
escape_mask16_two(const uint8_t *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)p);

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(
	    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
	    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')))));
}

/* Bits set in a 16-bit mask (no popcnt instruction assumed). */
static inline unsigned
escape_pop16(unsigned x)
{
	x = x - ((x >> 1) & 0x5555);
	x = (x & 0x3333) + ((x >> 2) & 0x3333);
	x = (x + (x >> 4)) & 0x0f0f;
	return (x + (x >> 8)) & 0x1f;
}
#endif

size_t
escape_wire_len(const uint8_t *p, size_t n)
{
	size_t i = 0, total = 0;

#ifdef __SSE2__
	/* A block's length from its masks: 16, one more per two-byte
	 * escape, three more per "\\xNN" (no walk through the table). */
	for (; i + 16 <= n; i += 16) {
		unsigned m = escape_mask16(p + i), two;

		total += 16;
		if (m == 0)
			continue;
		two = escape_mask16_two(p + i);
		total += escape_pop16(two) + 3 * escape_pop16(m & ~two);
	}
#endif
	for (; i < n; i++)
		total += escape_w[p[i]];
	return total;
}

size_t
escape_wire_to(char *dst, const uint8_t *p, size_t n)
{
	size_t i = 0, k = 0;

	while (i < n) {
#ifdef __SSE2__
		/* Sixteen bytes copied as they are scanned: with 16 input
		 * bytes left at least 16 output bytes are still to come, so
		 * the store stays inside what the caller sized. */
		while (i + 16 <= n) {
			unsigned m = escape_mask16(p + i);

			_mm_storeu_si128((__m128i *)(dst + k),
			    _mm_loadu_si128((const __m128i *)(p + i)));
			if (m == 0) {
				i += 16;
				k += 16;
				continue;
			}
			i += (size_t)__builtin_ctz(m);
			k += (size_t)__builtin_ctz(m);
			break;
		}
#endif
		/* Printable bytes kept, one by one near the end. */
		while (i < n && escape_w[p[i]] == 1)
			dst[k++] = (char)p[i++];
		if (i < n)
			k += escape_byte(p[i++], dst + k);
	}
	return k;
}

int
escape_wire(struct buf *out, const uint8_t *p, size_t n, enum escape_mode m)
{
	char chunk[256];
	size_t i = 0, take, k, el;

	(void)m;	/* both modes give the same pure-ASCII text */
	/* Room for the worst case (4 bytes per byte) allocated and within
	 * the cap: escape in place without measuring first. */
	if (n <= (SIZE_MAX - 1) / 4 && 4 * n <= out->cap &&
	    out->len <= out->cap - 4 * n && out->size > out->len + 4 * n) {
		out->len += escape_wire_to((char *)out->data + out->len, p, n);
		out->data[out->len] = '\0';
		return 0;
	}
	/* Room for the exact length: the same, measured first. */
	el = escape_wire_len(p, n);
	if (el <= out->cap && out->len <= out->cap - el &&
	    out->size > out->len + el) {
		out->len += escape_wire_to((char *)out->data + out->len, p, n);
		out->data[out->len] = '\0';
		return 0;
	}
	/* Else in pieces of at most 256 bytes, keeping what fits (never a
	 * partial escape). */
	while (i < n) {
		for (k = 0, take = i; take < n; take++) {
			el = escape_w[p[take]];
			if (k + el > sizeof(chunk))
				break;
			k += el;
		}
		escape_wire_to(chunk, p + i, take - i);
		if (buf_append(out, chunk, k) == -1)
			return -1;
		i = take;
	}
	return 0;
}

char *
escape_wire_str(const uint8_t *p, size_t n, enum escape_mode m, size_t cap)
{
	(void)m;
	return escape_wire_str_in(NULL, p, n, cap);
}

char *
escape_wire_str_in(struct arena *a, const uint8_t *p, size_t n, size_t cap)
{
	size_t take = n, olen, k;
	int cut = 0;
	char *s;

	if (cap > 0 && n > cap) {
		take = cap;
		cut = 1;
	}
	/* Room in the arena's chunk for the worst case (4 bytes per
	 * byte): written there at once, the unused end given back. */
	if (take <= (SIZE_MAX - 4) / 4 && arena_room(a) >= 4 * take + 4) {
		s = arena_alloc(a, 4 * take + 4);
		k = escape_wire_to(s, p, take);
		if (cut) {
			memcpy(s + k, "...", 3);
			k += 3;
		}
		s[k] = '\0';
		arena_trim(a, s, 4 * take + 4, k + 1);
		return s;
	}
	olen = escape_wire_len(p, take) + (cut ? 3 : 0);
	s = arena_alloc(a, olen + 1);	/* a NULL: xmalloc */
	k = escape_wire_to(s, p, take);
	if (cut) {
		memcpy(s + k, "...", 3);
		k += 3;
	}
	s[k] = '\0';
	return s;
}
