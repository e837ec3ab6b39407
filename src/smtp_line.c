/* smtp_line.c - incremental SMTP line framer with caps and line flags. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "mg_limits.h"
#include "smtp_line.h"
#include "util.h"

static const struct smtp_line_flag_desc {
	unsigned	 bit;
	const char	*name;
} smtp_line_flag_names[] = {
	{ .bit = SMTP_LINE_BARE_LF, .name = "bare-lf" },
	{ .bit = SMTP_LINE_OVERLONG, .name = "line-overlong" },
	{ .bit = SMTP_LINE_RFC_LONG, .name = "line-over-512" },
	{ .bit = SMTP_LINE_NO_EOL, .name = "no-eol" },
	{ .bit = SMTP_LINE_NUL, .name = "nul-byte" },
	{ .bit = SMTP_LINE_BARE_CR, .name = "bare-cr" },
	{ .bit = SMTP_LINE_8BIT, .name = "8bit" },
	{ .bit = 0, .name = NULL }
};

const char *
smtp_line_flag_name(unsigned bit)
{
	const struct smtp_line_flag_desc *d;

	for (d = smtp_line_flag_names; d->name != NULL; d++)
		if (d->bit == bit)
			return d->name;
	return NULL;
}

void
smtp_line_init(struct smtp_line_framer *f, size_t cap)
{
	memset(f, 0, sizeof(*f));
	f->cap = cap ? cap : MG_LINE_MAX;
}

void
smtp_line_free(struct smtp_line_framer *f)
{
	if (f == NULL)
		return;
	free(f->buf);
	f->buf = NULL;
	f->blen = 0;
	f->full = 0;
}

static void
smtp_line_clear_partial(struct smtp_line_framer *f)
{
	f->blen = 0;
	f->full = 0;
	f->flags = 0;
	f->prev_cr = 0;
}

void
smtp_line_reset(struct smtp_line_framer *f, uint64_t skip)
{
	smtp_line_clear_partial(f);
	f->off += skip;
}

size_t
smtp_line_pending(const struct smtp_line_framer *f)
{
	return f->full;
}

/* The flags one byte that is not LF sets (the byte after a CR makes it
 * bare; NUL; 0x80 and up). */
static inline void
smtp_line_byte(struct smtp_line_framer *f, uint8_t c)
{
	if (f->prev_cr)
		f->flags |= SMTP_LINE_BARE_CR;
	if (c == '\0')
		f->flags |= SMTP_LINE_NUL;
	else if (c >= 0x80)
		f->flags |= SMTP_LINE_8BIT;
	f->prev_cr = (c == '\r');
}

/*
 * The first LF in [p, end), or NULL; the partial line's flags updated
 * with the bytes before it, in the same pass (no memchr and then a
 * second scan of the same bytes).  Sixteen bytes at a time with SSE2
 * (the last ones through a zero-padded copy, never a read past end):
 * bytes that set no flag (no NUL, CR or byte 0x80 and up) change
 * nothing but prev_cr, so only those from the first that does (the CR
 * of CRLF, usually) go one by one.
 */
static const uint8_t *
smtp_line_find(struct smtp_line_framer *f, const uint8_t *p,
    const uint8_t *end)
{
#ifdef __SSE2__
	uint8_t tail[16];
	const uint8_t *q;
	__m128i v;
	unsigned lf, sp, k, i, all;
	size_t rem;

	while (p < end) {
		rem = (size_t)(end - p);
		q = p;
		all = 0xffff;
		if (rem < 16) {
			memset(tail, 0, sizeof(tail));
			memcpy(tail, p, rem);
			q = tail;
			all = (1u << rem) - 1;
		}
		v = _mm_loadu_si128((const __m128i *)q);
		lf = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
		    _mm_set1_epi8('\n'))) & all;
		sp = (unsigned)_mm_movemask_epi8(_mm_or_si128(v,
		    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_setzero_si128()),
		    _mm_cmpeq_epi8(v, _mm_set1_epi8('\r')))));
		k = lf != 0 ? (unsigned)__builtin_ctz(lf) :
		    (unsigned)(rem < 16 ? rem : 16);
		sp &= (1u << k) - 1;
		i = sp != 0 ? (unsigned)__builtin_ctz(sp) : k;
		if (i > 0) {
			if (f->prev_cr)
				f->flags |= SMTP_LINE_BARE_CR;
			f->prev_cr = 0;
		}
		for (; i < k; i++)
			smtp_line_byte(f, p[i]);
		if (lf != 0)
			return p + k;
		p += k;
	}
	return NULL;
#else
	for (; p < end; p++) {
		if (*p == '\n')
			return p;
		smtp_line_byte(f, *p);
	}
	return NULL;
#endif
}

/* Keep what fits of [p, p+n) in the partial-line store (cap bytes). */
static void
smtp_line_store(struct smtp_line_framer *f, const uint8_t *p, size_t n)
{
	size_t room;

	if (f->buf == NULL)
		f->buf = xmalloc(f->cap);
	room = f->cap - f->blen;
	if (n > room)
		n = room;
	if (n > 0)
		memcpy(f->buf + f->blen, p, n);
	f->blen += n;
}

/* Length flags for a line whose content (without CRLF) is clen bytes. */
static unsigned
smtp_line_len_flags(const struct smtp_line_framer *f, size_t clen)
{
	unsigned fl = 0;

	if (clen > f->cap)
		fl |= SMTP_LINE_OVERLONG;
	/* RFC 5321 4.5.3.1.4 / 4.5.3.1.5: 512 octets including CRLF. */
	if (clen > MG_SMTP_LINE_RFC - 2)
		fl |= SMTP_LINE_RFC_LONG;
	return fl;
}

int
smtp_line_feed(struct smtp_line_framer *f, const uint8_t **pp,
    const uint8_t *end, struct smtp_line *out)
{
	const uint8_t *p = *pp, *lf;
	size_t n, clen;
	int fresh, has_cr;

	if (p == NULL || p >= end)
		return SMTP_AGAIN;
	fresh = (f->full == 0);
	if (fresh)
		f->line_off = f->off;
	lf = smtp_line_find(f, p, end);
	n = (size_t)((lf != NULL ? lf : end) - p);
	f->full += n;
	f->off += n;
	if (lf == NULL) {
		smtp_line_store(f, p, n);
		*pp = end;
		return SMTP_AGAIN;
	}
	has_cr = f->prev_cr;
	clen = f->full - (has_cr ? 1 : 0);
	if (fresh) {
		out->p = p;		/* whole line in the caller's input */
	} else {
		smtp_line_store(f, p, n);
		out->p = f->buf;
	}
	out->full_len = clen;
	out->len = clen < f->cap ? clen : f->cap;
	out->flags = f->flags | smtp_line_len_flags(f, clen) |
	    (has_cr ? 0 : SMTP_LINE_BARE_LF);
	out->off = f->line_off;
	f->off += 1;
	out->end = f->off;
	smtp_line_clear_partial(f);
	*pp = lf + 1;
	return SMTP_OK;
}

int
smtp_line_flush(struct smtp_line_framer *f, struct smtp_line *out)
{
	if (f->full == 0)
		return SMTP_AGAIN;
	out->p = f->buf;
	out->full_len = f->full;
	out->len = f->full < f->cap ? f->full : f->cap;
	out->flags = f->flags | smtp_line_len_flags(f, f->full) |
	    SMTP_LINE_NO_EOL;
	out->off = f->line_off;
	out->end = f->off;
	smtp_line_clear_partial(f);
	return SMTP_OK;
}
