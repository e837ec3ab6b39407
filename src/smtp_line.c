/* smtp_line.c - incremental SMTP line framer with caps and line flags. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

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

/* Update the partial line's flags with the bytes [p, q), none of them LF. */
/* Eight bytes at a time: does word x hold a NUL, a CR or a byte 0x80 and
 * up?  (Bit tricks from "Bit Twiddling Hacks", haszero.) */
#define SL_ONES		0x0101010101010101ULL
#define SL_HIGH		0x8080808080808080ULL
#define SL_ZERO(x)	(((x) - SL_ONES) & ~(x) & SL_HIGH)

static void
smtp_line_scan(struct smtp_line_framer *f, const uint8_t *p,
    const uint8_t *q)
{
	uint64_t x;

	/* Words with none of the bytes that set a flag change nothing but
	 * prev_cr (their last byte is not CR). */
	while (q - p >= 8) {
		memcpy(&x, p, 8);
		if ((SL_ZERO(x) | (x & SL_HIGH) |
		    SL_ZERO(x ^ (SL_ONES * '\r'))) != 0)
			break;
		if (f->prev_cr)
			f->flags |= SMTP_LINE_BARE_CR;
		f->prev_cr = 0;
		p += 8;
	}
	for (; p < q; p++) {
		if (f->prev_cr)
			f->flags |= SMTP_LINE_BARE_CR;
		if (*p == '\0')
			f->flags |= SMTP_LINE_NUL;
		else if (*p >= 0x80)
			f->flags |= SMTP_LINE_8BIT;
		f->prev_cr = (*p == '\r');
	}
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
	lf = memchr(p, '\n', (size_t)(end - p));
	n = (size_t)((lf != NULL ? lf : end) - p);
	smtp_line_scan(f, p, p + n);
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
