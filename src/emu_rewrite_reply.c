/* emu_rewrite_reply.c - server to client: greeting and EHLO keyword masks. */
#include "config.h"

#include <string.h>

#include "emu_rewrite_int.h"
#include "mg_limits.h"

/* Per call: where the current CMAP greeting line ends in this buffer. */
struct emu_scall {
	size_t	cmap_end;	/* index of its CR/LF, or len: not here */
	int	cmap_known;	/* cmap_end computed for this line */
	int	cmap_wrote;	/* a byte of this line was rewritten */
	size_t	kwseg;		/* where this call's keyword bytes begin */
};

/*
 * PIX 4.0/4.1: "220 SMTP/cmap____...____read" (middlebox-behaviour.md 2;
 * the underscores may be a rendering artefact of the source, exact bytes
 * INF).  The code and separator are kept; "read" ends the line when its
 * end is known.
 */
static uint8_t
emu_cmap_char(size_t pos, size_t linelen, int known)
{
	static const char head[] = "SMTP/cmap", tail[] = "read";
	size_t body = pos - 4, n = linelen - 4;

	if (known && n >= sizeof(head) - 1 + sizeof(tail) - 1 &&
	    body >= n - (sizeof(tail) - 1) && body < n)
		return (uint8_t)tail[body - (n - (sizeof(tail) - 1))];
	if (body < sizeof(head) - 1)
		return (uint8_t)head[body];
	return '_';
}

static void
emu_cmap_byte(struct emu_conn *c, uint8_t *buf, size_t len, size_t i,
    struct emu_scall *sc)
{
	struct emu_sside *ss = &c->ss;
	size_t k;

	/* A bare CR ends the text "read" is placed against, not the line
	 * (found by fuzz_emu_rewrite): look again past it. */
	if (!sc->cmap_known || i > sc->cmap_end) {
		for (k = i; k < len && buf[k] != '\r' && buf[k] != '\n'; k++)
			;
		sc->cmap_end = k;
		sc->cmap_known = 1;
	}
	if (sc->cmap_end == len && !sc->cmap_wrote && c->hold &&
	    c->snap_ok && len - c->snap_idx <= MG_SMTP_LINE_RFC)
		return;		/* held: decided when the line is complete */
	sc->cmap_wrote = 1;
	buf[i] = emu_cmap_char(ss->lineoff,
	    ss->lineoff + (sc->cmap_end - i), sc->cmap_end < len);
}

/* One byte of the greeting (every line of the first reply). */
static void
emu_banner_byte(struct emu_conn *c, uint8_t *buf, size_t len, size_t i,
    struct emu_scall *sc)
{
	struct emu_sside *ss = &c->ss;
	uint8_t b = buf[i];
	int prev = ss->prev;
	uint64_t goff = ss->greet_off++;

	ss->prev = b;
	if (b == '\r' || b == '\n')	/* CR and LF are never changed */
		return;
	switch (c->p->banner) {
	case EMU_BANNER_AFTER4:
		/* PIX 4.4: all after the first four bytes, later lines
		 * included (OBS: "220-" kept, second line masked). */
		if (goff >= 4)
			buf[i] = '*';
		break;
	case EMU_BANNER_ZERO_TWO:
		/* PIX 5.1-6.3 (DOC + sample): keep '2', '0', and a space
		 * right after a '0'. */
		if (!(b == '2' || b == '0' || (b == ' ' && prev == '0')))
			buf[i] = '*';
		break;
	case EMU_BANNER_ASA:
		/* ASA (OBS, four samples): '*' after "DDD " / "DDD-" on
		 * every line, digits included. */
		if (ss->lineoff >= 4)
			buf[i] = '*';
		break;
	case EMU_BANNER_CMAP:
		if (ss->lineoff >= 4)
			emu_cmap_byte(c, buf, len, i, sc);
		break;
	case EMU_BANNER_NONE:
	default:
		break;
	}
}

/*
 * End of an EHLO keyword: buf[from..to) are its bytes in this call.  A
 * refused keyword becomes (length - 1) 'X' and a capital letter counting
 * A, B, C... over the masked keywords of the reply (OBS: STARTTLS ->
 * XXXXXXXA; DELIVERBY then HELP -> XXXXXXXXA, XXXB).
 */
static void
emu_kw_decide(struct emu_conn *c, uint8_t *buf, size_t from, size_t to)
{
	struct emu_sside *ss = &c->ss;
	size_t k;

	if (ss->kw_verdict != EMU_V_REFUSED) {
		if (ss->kwlen == 0 || (ss->kwlen <= EMU_KEYWORD_MAX &&
		    emu_profile_keyword_ok(c->p, (const char *)ss->kw,
		    ss->kwlen))) {
			ss->kw_verdict = EMU_V_PASS;
			return;
		}
		ss->kw_verdict = EMU_V_REFUSED;
		for (k = from; k < to; k++)
			buf[k] = 'X';
	}
	if (to > from)
		buf[to - 1] = (uint8_t)('A' + ss->masked % 26);
	ss->masked++;
}

/* One byte of an EHLO reply line after the first. */
static void
emu_kw_byte(struct emu_conn *c, uint8_t *buf, size_t i, struct emu_scall *sc)
{
	struct emu_sside *ss = &c->ss;
	uint8_t b = buf[i];

	if (ss->lineoff < 4)
		return;
	if (ss->lineoff == 4 && ss->kw_state == 0) {
		emu_snapshot(c, EMU_S2C, i);
		ss->kw_state = 1;
		sc->kwseg = i;
	}
	if (ss->kw_state == 1) {
		if (b != ' ' && b != '\r' && b != '\n') {
			if (ss->kwlen < EMU_KEYWORD_MAX)
				ss->kw[ss->kwlen] = b;
			ss->kwlen++;
			if (ss->kw_verdict == EMU_V_REFUSED)
				buf[i] = 'X';
			else if (ss->kwlen > EMU_KEYWORD_MAX &&
			    ss->kw_verdict == EMU_V_UNDECIDED) {
				/* longer than any allowed keyword */
				ss->kw_verdict = EMU_V_REFUSED;
				memset(buf + sc->kwseg, 'X', i + 1 - sc->kwseg);
			}
			return;
		}
		emu_kw_decide(c, buf, sc->kwseg, i);
		ss->kw_state = 2;
	}
	/* Parameters of a masked keyword: kept by default (undocumented),
	 * X-filled with mask_params. */
	if (ss->kw_verdict == EMU_V_REFUSED && c->p->mask_params &&
	    b != '\r' && b != '\n')
		buf[i] = 'X';
}

static void
emu_reply_end(struct emu_conn *c, struct emu_actions *a)
{
	struct emu_sside *ss = &c->ss;
	int is220 = memcmp(ss->code, "220", 3) == 0;

	ss->in_reply = 0;
	switch (ss->kind) {
	case EMU_PEND_GREETING:
		ss->greeting_done = 1;
		break;
	case EMU_PEND_STARTTLS:
		/* RFC 3207 4: after 220 the TLS handshake starts; the box
		 * cannot read further (allow-tls: 108007). */
		if (!is220)
			break;
		c->passthrough = 1;
		a->passthrough = 1;
		if (c->p->allow_tls)
			emu_event(c, EMU_LOG_108007_TLS, NULL);
		break;
	case EMU_PEND_AUTH:
		/* RFC 4954 4: 334 asks for one more client line. */
		if (memcmp(ss->code, "334", 3) == 0)
			c->cs.auth_cont = 1;
		break;
	case EMU_PEND_DATA:
		/* RFC 5321 4.1.1.4: no 354, no mail data. */
		if (ss->code[0] != '3' && c->cs.mode == EMU_CM_DATA)
			c->cs.mode = EMU_CM_CMD;
		break;
	default:
		break;
	}
}

static void
emu_reply_byte(struct emu_conn *c, uint8_t *buf, size_t len, size_t i,
    struct emu_scall *sc, struct emu_actions *a)
{
	struct emu_sside *ss = &c->ss;
	uint8_t b = buf[i];

	if (ss->lineoff == 0) {
		if (!ss->greeting_done && c->p->banner == EMU_BANNER_CMAP)
			emu_snapshot(c, EMU_S2C, i);
		if (!ss->in_reply) {
			ss->in_reply = 1;
			ss->lineno = 0;
			ss->masked = 0;
			ss->kind = ss->greeting_done ? emu_pend_pop(c) :
			    EMU_PEND_GREETING;
		}
		memset(ss->code, 0, sizeof(ss->code));
		ss->sep = 0;
		ss->kw_state = 0;
		ss->kwlen = 0;
		ss->kw_verdict = EMU_V_UNDECIDED;
		sc->cmap_known = 0;
		sc->cmap_wrote = 0;
	}
	if (ss->lineoff < 3)
		ss->code[ss->lineoff] = b;
	else if (ss->lineoff == 3)
		ss->sep = b;
	if (ss->kind == EMU_PEND_SWALLOW)
		emu_cut_add(a, i, 1);
	else if (ss->kind == EMU_PEND_GREETING)
		emu_banner_byte(c, buf, len, i, sc);
	else if (ss->kind == EMU_PEND_EHLO && c->p->ehlo_mask &&
	    ss->lineno > 0)
		emu_kw_byte(c, buf, i, sc);
	if (b != '\n') {
		ss->lineoff++;
		return;
	}
	/* RFC 5321 4.2.1: "DDD-" continues a reply, anything else ends. */
	ss->lineoff = 0;
	if (ss->sep == '-')
		ss->lineno++;
	else
		emu_reply_end(c, a);
}

/* End of a call inside an undecided keyword or CMAP line. */
static size_t
emu_s2c_tail(struct emu_conn *c, uint8_t *buf, size_t len,
    struct emu_scall *sc)
{
	struct emu_sside *ss = &c->ss;

	if (ss->in_reply && ss->kind == EMU_PEND_EHLO && ss->kw_state == 1 &&
	    ss->kw_verdict == EMU_V_UNDECIDED && ss->kwlen > 0) {
		if (c->hold && c->snap_ok && c->snap_idx == sc->kwseg) {
			c->ss = c->ss_snap;
			return sc->kwseg;
		}
		if (emu_profile_keyword_prefix_ok(c->p, (const char *)ss->kw,
		    ss->kwlen))
			ss->kw_verdict = EMU_V_TENTATIVE;
		else {
			ss->kw_verdict = EMU_V_REFUSED;
			memset(buf + sc->kwseg, 'X', len - sc->kwseg);
		}
		return len;
	}
	if (!ss->greeting_done && c->p->banner == EMU_BANNER_CMAP &&
	    ss->lineoff > 0 && !sc->cmap_wrote &&
	    c->hold && c->snap_ok && len - c->snap_idx <= MG_SMTP_LINE_RFC) {
		c->ss = c->ss_snap;
		return c->snap_idx;
	}
	return len;
}

size_t
emu_s2c(struct emu_conn *c, uint8_t *buf, size_t len, struct emu_actions *a)
{
	struct emu_scall sc;
	size_t i;

	memset(&sc, 0, sizeof(sc));
	if (c->server_mute) {
		emu_cut_add(a, 0, len);
		return len;
	}
	for (i = 0; i < len; i++) {
		emu_reply_byte(c, buf, len, i, &sc, a);
		if (c->passthrough)
			return len;	/* the rest is TLS, untouched */
	}
	return emu_s2c_tail(c, buf, len, &sc);
}
