/* smtp_reply.c - incremental SMTP reply parser (RFC 5321 4.2, RFC 3463). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mg_limits.h"
#include "arena.h"
#include "smtp_reply.h"
#include "util.h"

static const struct smtp_reply_anomaly_desc {
	unsigned	 bit;
	const char	*name;
} smtp_reply_anomaly_names[] = {
	{ .bit = SMTP_REPLY_NO_CODE, .name = "reply-no-code" },
	{ .bit = SMTP_REPLY_BAD_SEP, .name = "reply-bad-separator" },
	{ .bit = SMTP_REPLY_CODE_MISMATCH, .name = "reply-code-mismatch" },
	{ .bit = SMTP_REPLY_TOO_MANY_LINES, .name = "reply-too-many-lines" },
	{ .bit = SMTP_REPLY_OVERLONG, .name = "reply-line-overlong" },
	{ .bit = SMTP_REPLY_BARE_LF, .name = "reply-bare-lf" },
	{ .bit = SMTP_REPLY_NO_EOL, .name = "reply-no-eol" },
	{ .bit = SMTP_REPLY_NUL, .name = "reply-nul-byte" },
	{ .bit = SMTP_REPLY_RFC_LONG, .name = "reply-line-over-512" },
	{ .bit = SMTP_REPLY_BARE_CR, .name = "reply-bare-cr" },
	{ .bit = SMTP_REPLY_8BIT, .name = "reply-8bit" },
	{ .bit = SMTP_REPLY_INCOMPLETE, .name = "reply-incomplete" },
	{ .bit = SMTP_REPLY_BAD_CODE, .name = "reply-code-out-of-range" },
	{ .bit = 0, .name = NULL }
};

/* Framer line flags and the reply anomaly each one becomes. */
static const struct smtp_reply_flag_map {
	unsigned	 line;
	unsigned	 reply;
} smtp_reply_flag_map[] = {
	{ .line = SMTP_LINE_BARE_LF, .reply = SMTP_REPLY_BARE_LF },
	{ .line = SMTP_LINE_OVERLONG, .reply = SMTP_REPLY_OVERLONG },
	{ .line = SMTP_LINE_RFC_LONG, .reply = SMTP_REPLY_RFC_LONG },
	{ .line = SMTP_LINE_NO_EOL, .reply = SMTP_REPLY_NO_EOL },
	{ .line = SMTP_LINE_NUL, .reply = SMTP_REPLY_NUL },
	{ .line = SMTP_LINE_BARE_CR, .reply = SMTP_REPLY_BARE_CR },
	{ .line = SMTP_LINE_8BIT, .reply = SMTP_REPLY_8BIT },
	{ .line = 0, .reply = 0 }
};

const char *
smtp_reply_anomaly_name(unsigned bit)
{
	const struct smtp_reply_anomaly_desc *d;

	for (d = smtp_reply_anomaly_names; d->name != NULL; d++)
		if (d->bit == bit)
			return d->name;
	return NULL;
}

static int
smtp_reply_isdigit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

unsigned
smtp_reply_parse_line(const uint8_t *p, size_t len, int *code, char *sep,
    size_t *textoff)
{
	unsigned anom = 0;

	*code = 0;
	*sep = 0;
	*textoff = 0;
	/* RFC 5321 4.2: Reply-code = %x32-35 %x30-35 %x30-39; 1yz is the
	 * RFC 821 positive-preliminary class, accepted. */
	if (len < 3 || p[0] < '1' || p[0] > '5' || !smtp_reply_isdigit(p[1]) ||
	    !smtp_reply_isdigit(p[2]))
		return SMTP_REPLY_NO_CODE;
	*code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	if (p[1] > '5')
		anom |= SMTP_REPLY_BAD_CODE;
	*textoff = 3;
	if (len == 3)
		return anom;		/* "DDD" alone: a valid last line */
	if (p[3] == '-' || p[3] == ' ') {
		*sep = (char)p[3];
		*textoff = 4;
		return anom;
	}
	return anom | SMTP_REPLY_BAD_SEP;
}

/* 1*3DIGIT at text[*i]; advances *i. */
static int
smtp_reply_enh_num(const char *t, size_t len, size_t *i, int *v)
{
	size_t start = *i;
	int n = 0;

	while (*i < len && *i - start < 3 && t[*i] >= '0' && t[*i] <= '9')
		n = n * 10 + (t[(*i)++] - '0');
	if (*i == start || (*i < len && t[*i] >= '0' && t[*i] <= '9'))
		return -1;
	*v = n;
	return 0;
}

int
smtp_reply_parse_enh(const char *t, size_t len, int *cls, int *subject,
    int *detail)
{
	size_t i = 0;
	int c, s, d;

	if (len > 0 && t[0] == '#')	/* "500 #5.5.1" (Cisco doc sample) */
		i++;
	/* RFC 3463 2: class "." subject "." detail, class 2, 4 or 5. */
	if (i + 1 >= len || (t[i] != '2' && t[i] != '4' && t[i] != '5') ||
	    t[i + 1] != '.')
		return -1;
	c = t[i] - '0';
	i += 2;
	if (smtp_reply_enh_num(t, len, &i, &s) == -1 || i >= len ||
	    t[i] != '.')
		return -1;
	i++;
	if (smtp_reply_enh_num(t, len, &i, &d) == -1)
		return -1;
	if (i < len && t[i] != ' ' && t[i] != '\t')
		return -1;
	*cls = c;
	*subject = s;
	*detail = d;
	return 0;
}

void
smtp_reply_clear(struct smtp_reply *r)
{
	size_t i;

	if (r == NULL)
		return;
	if (!r->in_arena) {
		for (i = 0; i < r->nlines; i++)
			free(r->lines[i].text);
		free(r->lines);
	}
	memset(r, 0, sizeof(*r));
	r->enh_class = r->enh_subject = r->enh_detail = -1;
}

void
smtp_reply_parser_init(struct smtp_reply_parser *rp, size_t line_cap)
{
	memset(rp, 0, sizeof(*rp));
	smtp_line_init(&rp->fr, line_cap);
	smtp_reply_clear(&rp->cur);
	rp->max_lines = MG_REPLY_LINES_MAX;
}

void
smtp_reply_parser_arena(struct smtp_reply_parser *rp, struct arena *a)
{
	/* Only between replies: the one in progress keeps its storage. */
	if (rp->cur.nlines == 0 && rp->cursize == 0) {
		rp->arena = a;
		rp->cur.in_arena = a != NULL;
	}
}

void
smtp_reply_parser_reset(struct smtp_reply_parser *rp, uint64_t skip)
{
	smtp_reply_clear(&rp->cur);
	rp->cur.in_arena = rp->arena != NULL;
	rp->cursize = 0;
	smtp_line_reset(&rp->fr, skip);
}

void
smtp_reply_parser_free(struct smtp_reply_parser *rp)
{
	if (rp == NULL)
		return;
	smtp_reply_clear(&rp->cur);
	rp->cursize = 0;
	smtp_line_free(&rp->fr);
}

/* Lines a reply built in an arena has room for from its first line. */
#define SMTP_REPLY_LINES_FIRST	8

static void
smtp_reply_push(struct smtp_reply_parser *rp, const struct smtp_line *ln,
    int code, char sep, size_t textoff)
{
	struct smtp_reply *r = &rp->cur;
	struct smtp_reply_line *l;
	size_t tlen = ln->len - textoff;

	/* In rp->arena, or on the heap when it is NULL (arena.h). */
	if (r->nlines == rp->cursize) {
		if (rp->cursize == 0) {
			/* Room for most replies at once (a greeting or an
			 * EHLO reply is up to ~12 lines). */
			r->lines = arena_alloc(rp->arena,
			    SMTP_REPLY_LINES_FIRST * sizeof(*r->lines));
			rp->cursize = SMTP_REPLY_LINES_FIRST;
		} else
			r->lines = arena_grow(rp->arena, r->lines,
			    &rp->cursize, r->nlines + 1, sizeof(*r->lines));
	}
	l = &r->lines[r->nlines++];
	l->text = arena_alloc(rp->arena, tlen + 1);
	if (tlen > 0)
		memcpy(l->text, ln->p + textoff, tlen);
	l->text[tlen] = '\0';
	l->len = tlen;
	l->sep = sep;
	l->code = code;
	l->line_flags = ln->flags;
	l->off = ln->off;
}

static void
smtp_reply_set_enh(struct smtp_reply *r)
{
	const struct smtp_reply_line *l;

	if (r->nlines == 0)
		return;
	l = &r->lines[r->nlines - 1];
	if (smtp_reply_parse_enh(l->text, l->len, &r->enh_class,
	    &r->enh_subject, &r->enh_detail) == -1)
		r->enh_class = r->enh_subject = r->enh_detail = -1;
}

/* Add one framed line to the reply being built; 1 when it is complete. */
static int
smtp_reply_add_line(struct smtp_reply_parser *rp, const struct smtp_line *ln)
{
	struct smtp_reply *r = &rp->cur;
	const struct smtp_reply_flag_map *m;
	int code, first, final;
	size_t textoff;
	unsigned anom;
	char sep;

	first = (r->nlines == 0 && r->ndropped == 0);
	anom = smtp_reply_parse_line(ln->p, ln->len, &code, &sep, &textoff);
	if (first) {
		r->off = ln->off;
		r->code = code;
	} else if (!(anom & SMTP_REPLY_NO_CODE) && code != r->code)
		anom |= SMTP_REPLY_CODE_MISMATCH;
	if (ln->flags != 0)	/* the usual line has none */
		for (m = smtp_reply_flag_map; m->line != 0; m++)
			if (ln->flags & m->line)
				anom |= m->reply;
	r->anomalies |= anom;
	r->end = ln->end;
	/* A line without code or with a bad separator ends the reply, so a
	 * garbled line never leaves the reader waiting forever. */
	final = sep != '-';
	if (final || r->nlines + 1 < rp->max_lines)
		smtp_reply_push(rp, ln, code, sep, textoff);
	else {
		r->ndropped++;
		r->anomalies |= SMTP_REPLY_TOO_MANY_LINES;
	}
	if (final)
		smtp_reply_set_enh(r);
	return final;
}

static void
smtp_reply_take(struct smtp_reply_parser *rp, struct smtp_reply *out)
{
	*out = rp->cur;
	memset(&rp->cur, 0, sizeof(rp->cur));
	smtp_reply_clear(&rp->cur);
	rp->cur.in_arena = rp->arena != NULL;
	rp->cursize = 0;
}

int
smtp_reply_feed(struct smtp_reply_parser *rp, const uint8_t **pp,
    const uint8_t *end, struct smtp_reply *out)
{
	struct smtp_line ln;

	while (smtp_line_feed(&rp->fr, pp, end, &ln) == SMTP_OK) {
		if (smtp_reply_add_line(rp, &ln)) {
			smtp_reply_take(rp, out);
			return SMTP_OK;
		}
	}
	return SMTP_AGAIN;
}

int
smtp_reply_finish(struct smtp_reply_parser *rp, struct smtp_reply *out)
{
	struct smtp_line ln;
	int done = 0;

	if (smtp_line_flush(&rp->fr, &ln) == SMTP_OK)
		done = smtp_reply_add_line(rp, &ln);
	if (rp->cur.nlines == 0 && rp->cur.ndropped == 0)
		return SMTP_AGAIN;
	if (!done)
		rp->cur.anomalies |= SMTP_REPLY_INCOMPLETE;
	if (!done)
		smtp_reply_set_enh(&rp->cur);
	smtp_reply_take(rp, out);
	return SMTP_OK;
}

int
smtp_reply_text(const struct smtp_reply *r, struct buf *b)
{
	size_t i;

	for (i = 0; i < r->nlines; i++) {
		if (i > 0 && buf_append(b, "\n", 1) == -1)
			return -1;
		if (buf_append(b, r->lines[i].text, r->lines[i].len) == -1)
			return -1;
	}
	return 0;
}
