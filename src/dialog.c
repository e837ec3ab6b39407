/* dialog.c - replay a transcript into greeting, command/reply exchanges. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dialog.h"
#include "transcript.h"
#include "util.h"

/* What the client side of the stream is carrying. */
enum dialog_cmode {
	DCM_COMMAND,	/* command lines */
	DCM_WAIT,	/* after DATA/STARTTLS: hold bytes until its reply */
	DCM_BODY,	/* after 354: message body up to CRLF.CRLF */
	DCM_BDAT,	/* BDAT chunk: exactly bdat_left bytes */
	DCM_TLS,	/* after 220 to STARTTLS: not SMTP any more */
};

/* A reply the server still owes: to a command or after a body. */
struct dialog_want {
	size_t		 ex;
	int		 body;
	uint64_t	 ts;		/* when it became owed */
	int		 timedout;	/* a TR_EV_TIMEOUT while owed */
	int		 gaveup;	/* client moved on after a silence */
};

/*
 * A client that waited this long with no server byte after the end of
 * data, then sent its next command (QUIT/RSET) or closed, gave up on the
 * message; a body reply after that is late: pix-5.1 releasing the held
 * CRLF (CSCds90792, "the sender times out and retries": behaviour
 * reference section 2, PIX 5.1 - 6.3).  In probe transcripts a
 * TR_EV_TIMEOUT event says the client waited.
 */
#define DIALOG_GIVEUP_US	(5ULL * 1000 * 1000)

#define DIALOG_FIFO_MAX		1024
/* First chunk of a dialog's arena. */
#define DIALOG_ARENA_FIRST	(16 * 1024)
#define DIALOG_STASH_MAX	(64 * 1024)

struct dialog_state {
	struct dialog		*d;
	struct smtp_line_framer	 fr;
	struct smtp_reply_parser rp;
	enum dialog_cmode	 mode;
	size_t			 wait_ex;	/* exchange DCM_WAIT is for */
	unsigned		 segs_partial;
	uint64_t		 ts;		/* current event time */
	uint64_t		 line_ts;
	int			 line_ts_set;
	struct dialog_want	*fifo;		/* grows to DIALOG_FIFO_MAX */
	size_t			 nfifo, fifosize;
	struct buf		 stash;		/* capped at DIALOG_STASH_MAX */
	uint64_t		 bdat_left;
	size_t			 body_ex;
	uint64_t		 eod_state;	/* last bytes of the body */
	int			 eod_seg_break;	/* segment ended in CRLF "." */
	int			 tls_checked;
	int			 stop;		/* S2C parsing over */
	int			 saw_connect;
	uint64_t		 s2c_ts;	/* last server byte */
	int			 s2c_seen;
};

static void dialog_client_bytes(struct dialog_state *, const uint8_t *,
    size_t);

static void
dialog_anomaly(struct dialog *d, const char *name, const char *detail)
{
	if (d->nanom >= MG_DIALOG_ANOM_MAX) {
		d->anom_dropped++;
		return;
	}
	if (d->nanom >= d->anomroom)
		d->anom = arena_grow(&d->arena, d->anom, &d->anomroom,
		    d->nanom + 1, sizeof(*d->anom));
	d->anom[d->nanom].name = name;
	d->anom[d->nanom].detail = detail != NULL ?
	    arena_strdup(&d->arena, detail) : NULL;
	d->nanom++;
}

static void
dialog_anomaly_bits(struct dialog *d, unsigned bits,
    const char *(*namefn)(unsigned), const char *dir)
{
	unsigned bit;
	const char *name;

	for (bit = 1; bit != 0 && bit <= bits; bit <<= 1) {
		if ((bits & bit) == 0)
			continue;
		if ((name = namefn(bit)) != NULL)
			dialog_anomaly(d, name, dir);
	}
}

static void
dialog_want(struct dialog_state *s, size_t ex, int body)
{
	if (s->nfifo >= DIALOG_FIFO_MAX) {
		dialog_anomaly(s->d, "reply-queue-full", NULL);
		return;
	}
	if (s->nfifo == s->fifosize)
		s->fifo = arena_grow(&s->d->arena, s->fifo, &s->fifosize,
		    s->nfifo + 1, sizeof(*s->fifo));
	s->fifo[s->nfifo].ex = ex;
	s->fifo[s->nfifo].body = body;
	s->fifo[s->nfifo].ts = s->ts;
	s->fifo[s->nfifo].timedout = 0;
	s->fifo[s->nfifo].gaveup = 0;
	s->nfifo++;
}

/*
 * The client acts at time now (next command or FIN) while body replies
 * are owed: those it waited for (a TR_EV_TIMEOUT, or DIALOG_GIVEUP_US
 * with no server byte) are given up.  A pipelined "\r\n.\r\nQUIT\r\n"
 * (RFC 2920 3.1) has no silence: still answered.
 */
static void
dialog_giveup(struct dialog_state *s, uint64_t now)
{
	size_t i;
	uint64_t since;

	for (i = 0; i < s->nfifo; i++) {
		if (!s->fifo[i].body)
			continue;
		since = s->fifo[i].ts;
		if (s->s2c_seen && s->s2c_ts > since)
			since = s->s2c_ts;
		if (s->fifo[i].timedout || (now >= since &&
		    now - since >= DIALOG_GIVEUP_US))
			s->fifo[i].gaveup = 1;
	}
}

/* Mark every owed reply as ended by e (first cause wins). */
static void
dialog_end_pending(struct dialog_state *s, enum dialog_end e)
{
	size_t i;
	struct dialog_exchange *x;

	for (i = 0; i < s->nfifo; i++) {
		x = &s->d->ex[s->fifo[i].ex];
		if (s->fifo[i].body) {
			if (x->body_end == DIALOG_END_NONE)
				x->body_end = e;
		} else if (x->end == DIALOG_END_NONE)
			x->end = e;
	}
}

static void
dialog_verb_copy(struct dialog_exchange *x)
{
	size_t i, n = 0;

	for (i = 0; i < x->linelen && n + 1 < sizeof(x->verb); i++) {
		unsigned char c = x->line[i];

		if (c == ' ' || c == '\r' || c == '\n' || c == '\t')
			break;
		/* isprint and toupper of the C locale (none is set). */
		x->verb[n++] = c < 0x20 || c > 0x7e ? '?' :
		    c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : (char)c;
	}
	x->verb[n] = '\0';
}

/* A complete command line from the client. */
static void
dialog_command(struct dialog_state *s, const struct smtp_line *ln,
    unsigned segs)
{
	struct dialog *d = s->d;
	struct dialog_exchange *x;
	size_t eol;

	if (ln->flags & (SMTP_LINE_BARE_LF | SMTP_LINE_OVERLONG |
	    SMTP_LINE_RFC_LONG | SMTP_LINE_NUL | SMTP_LINE_BARE_CR))
		dialog_anomaly_bits(d, ln->flags & ~(unsigned)SMTP_LINE_8BIT,
		    smtp_line_flag_name, "C>S");
	if (d->nex >= MG_DIALOG_EXCH_MAX) {
		d->ex_dropped++;
		return;
	}
	if (d->nex == d->exsize)
		d->ex = arena_grow(&d->arena, d->ex, &d->exsize, d->nex + 1,
		    sizeof(*d->ex));
	x = &d->ex[d->nex];
	memset(x, 0, sizeof(*x));
	eol = (ln->flags & SMTP_LINE_NO_EOL) ? 0 :
	    (ln->flags & SMTP_LINE_BARE_LF) ? 1 : 2;
	x->linelen = ln->len + eol;
	x->line = arena_alloc(&d->arena, x->linelen + 1);
	memcpy(x->line, ln->p, ln->len);
	if (eol == 2) {
		x->line[ln->len] = '\r';
		x->line[ln->len + 1] = '\n';
	} else if (eol == 1)
		x->line[ln->len] = '\n';
	x->line[x->linelen] = '\0';
	x->cmd_rc = smtp_cmd_parse(x->line, ln->len, &x->cmd);
	dialog_verb_copy(x);
	x->segments = segs;
	x->ts_us = s->line_ts_set ? s->line_ts : s->ts;
	x->pipelined = s->nfifo > 0;
	dialog_giveup(s, x->ts_us);
	x->end = DIALOG_END_NONE;
	x->body_end = DIALOG_END_NONE;
	d->nex++;
	dialog_want(s, d->nex - 1, 0);
	if (x->cmd.verb == SMTP_VERB_DATA ||
	    x->cmd.verb == SMTP_VERB_STARTTLS) {
		s->mode = DCM_WAIT;
		s->wait_ex = d->nex - 1;
		buf_reset(&s->stash);
	} else if (x->cmd.verb == SMTP_VERB_BDAT && x->cmd_rc == SMTP_OK) {
		/* RFC 3030 2: the chunk follows the BDAT line at once. */
		x->has_body = 1;
		s->body_ex = d->nex - 1;
		s->bdat_left = x->cmd.bdat_size;
		if (s->bdat_left > 0)
			s->mode = DCM_BDAT;
	}
}

/* The body ended with the byte at p[i] (the LF of CRLF "." CRLF). */
static size_t
dialog_body_end(struct dialog_state *s, struct dialog_exchange *x,
    size_t i)
{
	/* The first CRLF belongs to the body (or is the end of the DATA
	 * line for an empty one). */
	if (s->eod_seg_break && i < 2)
		x->eod_split = 1;
	x->body_bytes += i + 1 - 3;
	s->mode = DCM_COMMAND;
	s->eod_state = 0;
	dialog_want(s, s->body_ex, 1);
	return i + 1;
}

/*
 * Body after 354: count bytes, find CRLF.CRLF (RFC 5321 4.1.1.4).
 * eod_state holds the last bytes seen, so a terminator split over
 * segments is found: the first four bytes go through it one by one; any
 * terminator ending later lies wholly inside p, found from its '.'.
 */
static size_t
dialog_body(struct dialog_state *s, const uint8_t *p, size_t n)
{
	struct dialog_exchange *x = &s->d->ex[s->body_ex];
	const uint8_t *hit;
	size_t i, k, head = n < 4 ? n : 4;

	for (i = 0; i < head; i++) {
		s->eod_state = (s->eod_state << 8) | p[i];
		if ((s->eod_state & 0xffffffffffULL) == 0x0d0a2e0d0aULL)
			return dialog_body_end(s, x, i);
	}
	/* A '.' at k >= 2 with CR LF on both sides ends at k + 2 >= 4. */
	for (i = 2; i + 2 < n &&
	    (hit = memchr(p + i, '.', n - 2 - i)) != NULL; i = k + 1) {
		k = (size_t)(hit - p);
		if (p[k - 2] == '\r' && p[k - 1] == '\n' &&
		    p[k + 1] == '\r' && p[k + 2] == '\n')
			return dialog_body_end(s, x, k + 2);
	}
	for (i = n > head + 8 ? n - 8 : head; i < n; i++)
		s->eod_state = (s->eod_state << 8) | p[i];
	x->body_bytes += n;
	/* A segment that ends right after CRLF "." (CSCds90792 trigger). */
	s->eod_seg_break = (s->eod_state & 0xffffff) == 0x0d0a2e;
	return n;
}

static void
dialog_tls_check(struct dialog_state *s, const uint8_t *p, size_t n)
{
	size_t i, alpha = 0;

	if (s->tls_checked || n == 0)
		return;
	s->tls_checked = 1;
	if (p[0] == 0x16) {
		s->d->tls_record = 1;
		return;
	}
	for (i = 0; i < n && i < 4; i++)
		if (isalpha(p[i]))
			alpha++;
	if (alpha == (n < 4 ? n : 4))
		dialog_anomaly(s->d, "cleartext-after-starttls", NULL);
	else
		dialog_anomaly(s->d, "not-tls-after-starttls", NULL);
}

static void
dialog_client_bytes(struct dialog_state *s, const uint8_t *p, size_t n)
{
	const uint8_t *end;
	struct smtp_line ln;
	size_t used, room;

	if (n == 0)
		return;		/* p may be NULL (an empty stash) */
	end = p + n;
	while (p < end) {
		switch (s->mode) {
		case DCM_TLS:
			dialog_tls_check(s, p, (size_t)(end - p));
			return;
		case DCM_WAIT:
			room = s->stash.cap - s->stash.len;
			used = (size_t)(end - p) < room ? (size_t)(end - p) :
			    room;
			buf_append(&s->stash, p, used);
			if (used < (size_t)(end - p))
				dialog_anomaly(s->d, "stash-full", NULL);
			return;
		case DCM_BODY:
			p += dialog_body(s, p, (size_t)(end - p));
			break;
		case DCM_BDAT:
			used = (uint64_t)(end - p) < s->bdat_left ?
			    (size_t)(end - p) : (size_t)s->bdat_left;
			s->d->ex[s->body_ex].body_bytes += used;
			s->bdat_left -= used;
			p += used;
			if (s->bdat_left == 0)
				s->mode = DCM_COMMAND;
			break;
		case DCM_COMMAND:
			if (!s->line_ts_set) {
				s->line_ts = s->ts;
				s->line_ts_set = 1;
			}
			if (smtp_line_feed(&s->fr, &p, end, &ln) != SMTP_OK)
				return;
			dialog_command(s, &ln, s->segs_partial + 1);
			s->segs_partial = 0;
			s->line_ts_set = 0;
			break;
		}
	}
}

/* The reply s owed for want w has arrived. */
static void
dialog_assign(struct dialog_state *s, struct dialog_want w,
    struct smtp_reply *r)
{
	struct dialog_exchange *x = &s->d->ex[w.ex];
	struct buf stash;

	if (w.body) {
		x->has_body_reply = 1;
		x->body_reply = *r;
		x->body_end = DIALOG_END_REPLY;
		x->body_late = w.gaveup;
		return;
	}
	x->has_reply = 1;
	x->reply = *r;
	x->reply_ts_us = s->ts;
	x->end = DIALOG_END_REPLY;
	if (s->mode != DCM_WAIT || s->wait_ex != w.ex)
		return;
	/* Release what the client sent while waiting (moved out first:
	 * replaying it may start another wait). */
	stash = s->stash;
	buf_init(&s->stash, DIALOG_STASH_MAX);
	if (x->cmd.verb == SMTP_VERB_STARTTLS && r->code == 220) {
		/* RFC 3207 4: TLS negotiation starts now. */
		s->d->tls_started = 1;
		s->mode = DCM_TLS;
		s->stop = 1;
	} else if (x->cmd.verb == SMTP_VERB_DATA && r->code == 354) {
		s->mode = DCM_BODY;
		s->body_ex = w.ex;
		s->eod_state = 0x0d0a;	/* the body starts at a line start */
		s->eod_seg_break = 0;
		x->has_body = 1;
	} else
		s->mode = DCM_COMMAND;
	if (stash.len > 0)
		dialog_client_bytes(s, stash.data, stash.len);
	buf_free(&stash);
}

static void
dialog_reply(struct dialog_state *s, struct smtp_reply *r)
{
	struct dialog *d = s->d;
	struct dialog_want w;

	if (r->anomalies)
		dialog_anomaly_bits(d, r->anomalies, smtp_reply_anomaly_name,
		    "S>C");
	if (!d->no_greeting && !d->has_greeting && d->nex == 0 &&
	    s->nfifo == 0) {
		d->has_greeting = 1;
		d->greeting = *r;
		return;
	}
	if (!d->no_greeting && !d->has_greeting && s->saw_connect) {
		/* Client spoke first; still the first reply is the banner. */
		d->has_greeting = 1;
		d->greeting = *r;
		dialog_anomaly(d, "command-before-greeting", NULL);
		return;
	}
	if (s->nfifo == 0) {
		if (d->norphans >= MG_DIALOG_ORPHANS_MAX) {
			d->orphans_dropped++;
			smtp_reply_clear(r);
			return;
		}
		if (d->norphans >= d->orphroom)
			d->orphans = arena_grow(&d->arena, d->orphans,
			    &d->orphroom, d->norphans + 1,
			    sizeof(*d->orphans));
		d->orphans[d->norphans++] = *r;
		dialog_anomaly(d, "reply-without-command", NULL);
		return;
	}
	w = s->fifo[0];
	memmove(s->fifo, s->fifo + 1, (s->nfifo - 1) * sizeof(s->fifo[0]));
	s->nfifo--;
	dialog_assign(s, w, r);
}

static void
dialog_server_bytes(struct dialog_state *s, const uint8_t *p, size_t n)
{
	const uint8_t *end = p + n;
	struct smtp_reply r;

	while (p < end && !s->stop) {
		memset(&r, 0, sizeof(r));
		if (smtp_reply_feed(&s->rp, &p, end, &r) != SMTP_OK)
			return;
		dialog_reply(s, &r);
	}
}

static void
dialog_data_event(struct dialog_state *s, const struct transcript *t,
    const struct tr_event *e)
{
	const uint8_t *base;
	size_t have;

	base = transcript_bytes(t, e->dir, &have);
	if (e->len == 0 || base == NULL || e->off > have ||
	    e->len > have - e->off)
		return;		/* empty, or bytes not kept (transcript cap) */
	s->d->bytes[e->dir] += e->len;
	if (e->dir == TR_S2C) {
		s->s2c_ts = s->ts;
		s->s2c_seen = 1;
		dialog_server_bytes(s, base + e->off, (size_t)e->len);
		return;
	}
	dialog_client_bytes(s, base + e->off, (size_t)e->len);
	if (s->mode == DCM_COMMAND && smtp_line_pending(&s->fr) > 0)
		s->segs_partial++;
}

static void
dialog_gap(struct dialog_state *s, const struct tr_event *e)
{
	s->d->gaps++;
	dialog_anomaly(s->d, "gap", e->dir == TR_C2S ? "C>S" : "S>C");
	if (e->dir == TR_S2C) {
		smtp_reply_parser_reset(&s->rp, e->len);
		dialog_end_pending(s, DIALOG_END_GAP);
		s->nfifo = 0;
		return;
	}
	if (s->mode == DCM_BODY) {
		s->d->ex[s->body_ex].body_bytes += e->len;
		s->eod_state = 0;
	} else if (s->mode == DCM_BDAT) {
		s->bdat_left -= e->len < s->bdat_left ? e->len : s->bdat_left;
		if (s->bdat_left == 0)
			s->mode = DCM_COMMAND;
	} else if (s->mode == DCM_COMMAND) {
		smtp_line_reset(&s->fr, e->len);
		s->segs_partial = 0;
		s->line_ts_set = 0;
	}
}

static void
dialog_event(struct dialog_state *s, const struct transcript *t,
    const struct tr_event *e)
{
	struct dialog *d = s->d;
	size_t i;

	s->ts = e->ts_us;
	d->connected = 1;
	switch (e->kind) {
	case TR_EV_CONNECT:
		s->saw_connect = 1;
		break;
	case TR_EV_DATA:
		dialog_data_event(s, t, e);
		break;
	case TR_EV_GAP:
		dialog_gap(s, e);
		break;
	case TR_EV_FIN:
		if (e->dir == TR_S2C) {
			d->server_fin = 1;
			dialog_end_pending(s, DIALOG_END_CLOSED);
		} else {
			d->client_fin = 1;
			dialog_giveup(s, s->ts);
		}
		break;
	case TR_EV_RST:
		if (e->dir == TR_S2C)
			d->server_rst = 1;
		else
			d->client_rst = 1;
		dialog_end_pending(s, DIALOG_END_RESET);
		break;
	case TR_EV_TIMEOUT:
		d->timeout = 1;
		dialog_end_pending(s, DIALOG_END_TIMEOUT);
		for (i = 0; i < s->nfifo; i++)
			s->fifo[i].timedout = 1;
		break;
	case TR_EV_TLS:
		/* The prober did the handshake: nothing after is SMTP. */
		d->tls_started = 1;
		d->tls_record = 1;
		s->mode = DCM_TLS;
		s->tls_checked = 1;
		s->stop = 1;
		break;
	default:
		break;
	}
}

static void
dialog_greeting_raw(struct dialog *d, const struct transcript *t)
{
	const uint8_t *base;
	size_t have, n;

	if (!d->has_greeting)
		return;
	base = transcript_bytes(t, TR_S2C, &have);
	if (d->greeting.off >= have || d->greeting.end <= d->greeting.off)
		return;
	n = (size_t)(d->greeting.end - d->greeting.off);
	if (n > have - d->greeting.off)
		n = have - (size_t)d->greeting.off;
	if (n > MG_DIALOG_GREETING_MAX)
		n = MG_DIALOG_GREETING_MAX;
	d->greeting_raw = arena_alloc(&d->arena, n + 1);
	memcpy(d->greeting_raw, base + d->greeting.off, n);
	d->greeting_raw[n] = '\0';
	d->greeting_rawlen = n;
}

/* Parse each answered EHLO's keywords once: the facts and the report
 * both read them. */
static void
dialog_parse_ext(struct dialog *d)
{
	struct dialog_exchange *x;
	size_t i;

	for (i = 0; i < d->nex; i++) {
		x = &d->ex[i];
		if (x->cmd.verb != SMTP_VERB_EHLO || !x->has_reply)
			continue;
		x->ext_rc = smtp_ext_parse_arena(&x->reply, &x->ext,
		    &d->arena);
		x->ext_parsed = 1;
	}
}

const struct smtp_ext_list *
dialog_ext(const struct dialog_exchange *x, struct smtp_ext_list *tmp)
{
	memset(tmp, 0, sizeof(*tmp));
	if (x->ext_parsed)
		return x->ext_rc == 0 ? &x->ext : NULL;
	return smtp_ext_parse(&x->reply, tmp) == 0 ? tmp : NULL;
}

static void
dialog_finish(struct dialog_state *s, const struct transcript *t)
{
	struct smtp_reply r;
	struct smtp_line ln;

	memset(&r, 0, sizeof(r));
	if (!s->stop && smtp_reply_finish(&s->rp, &r) == SMTP_OK)
		dialog_reply(s, &r);
	if (s->mode == DCM_COMMAND && smtp_line_flush(&s->fr, &ln) == SMTP_OK)
		dialog_command(s, &ln, s->segs_partial);
	if (s->mode == DCM_WAIT && s->stash.len > 0 &&
	    s->d->ex[s->wait_ex].cmd.verb == SMTP_VERB_DATA) {
		/* No reply to DATA came: what followed was meant as body. */
		s->d->ex[s->wait_ex].has_body = 1;
		s->d->ex[s->wait_ex].body_bytes += s->stash.len;
	}
	dialog_greeting_raw(s->d, t);
	dialog_parse_ext(s->d);
}

struct dialog *
dialog_from_transcript(const struct transcript *t)
{
	struct dialog_state st, *s = &st;
	struct dialog *d;
	struct arena a;
	size_t i;

	/* A session's exchanges (~400 bytes each, 16 at first) and lines
	 * fit the first chunk; the struct is its first block (no malloc
	 * of its own), the arena's state kept in it from then on. */
	arena_init_size(&a, DIALOG_ARENA_FIRST);
	d = arena_calloc(&a, 1, sizeof(*d));
	d->arena = a;
	if (t == NULL)
		return d;
	util_strlcpy(d->label, t->label, sizeof(d->label));
	/* RFC 3207 4.2: no new greeting after the TLS handshake. */
	d->no_greeting = strcmp(t->label, "starttls-inner") == 0;
	memset(s, 0, sizeof(*s));
	s->d = d;
	buf_init(&s->stash, DIALOG_STASH_MAX);
	smtp_line_init(&s->fr, 0);
	smtp_reply_parser_init(&s->rp, 0);
	smtp_reply_parser_arena(&s->rp, &d->arena);
	for (i = 0; i < t->nev; i++)
		dialog_event(s, t, &t->ev[i]);
	dialog_finish(s, t);
	smtp_line_free(&s->fr);
	smtp_reply_parser_free(&s->rp);
	buf_free(&s->stash);
	return d;
}

void
dialog_free(struct dialog *d)
{
	struct arena a;

	if (d == NULL)
		return;
	/* EHLO keyword lists too are in the arena, and d itself. */
	a = d->arena;
	arena_free(&a);
}

size_t
dialog_anomaly_count(const struct dialog *d, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < d->nanom; i++)
		if (strcmp(d->anom[i].name, name) == 0)
			n++;
	return n;
}

const struct dialog_exchange *
dialog_find(const struct dialog *d, const char *verb)
{
	size_t i;

	for (i = 0; i < d->nex; i++)
		if (((d->ex[i].verb[0] ^ verb[0]) & ~0x20) == 0 &&
		    strcasecmp(d->ex[i].verb, verb) == 0)
			return &d->ex[i];
	return NULL;
}

static const char *const dialog_end_names[] = {
	[DIALOG_END_REPLY] = "reply",
	[DIALOG_END_NONE] = "none",
	[DIALOG_END_CLOSED] = "closed",
	[DIALOG_END_RESET] = "reset",
	[DIALOG_END_TIMEOUT] = "timeout",
	[DIALOG_END_GAP] = "gap",
};

const char *
dialog_end_name(enum dialog_end e)
{
	if ((size_t)e >= sizeof(dialog_end_names) / sizeof(dialog_end_names[0]))
		return "?";
	return dialog_end_names[e];
}
