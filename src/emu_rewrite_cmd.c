/* emu_rewrite_cmd.c - client to server: verbs, addresses, DATA, BDAT. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "emu_rewrite_int.h"
#include "util.h"

static const struct emu_vname {
	const char	*verb;
	enum emu_vkind	 kind;
} emu_vnames[] = {
	{ "HELO", EMU_VK_HELO }, { "EHLO", EMU_VK_EHLO },
	{ "MAIL", EMU_VK_MAIL }, { "RCPT", EMU_VK_RCPT },
	{ "DATA", EMU_VK_DATA }, { "BDAT", EMU_VK_BDAT },
	{ "STARTTLS", EMU_VK_STARTTLS }, { "RSET", EMU_VK_RSET },
	{ "AUTH", EMU_VK_AUTH },
	{ NULL, EMU_VK_OTHER }
};

static enum emu_vkind
emu_vkind_of(const struct emu_cside *cs)
{
	const struct emu_vname *v;

	for (v = emu_vnames; v->verb != NULL; v++)
		if (cs->verblen == strlen(v->verb) &&
		    strncasecmp((const char *)cs->verb, v->verb,
		    cs->verblen) == 0)
			return v->kind;
	return EMU_VK_OTHER;
}

static int
emu_is_term(uint8_t b)
{
	return b == ' ' || b == '\r' || b == '\n';
}

static void
emu_copy(struct emu_cside *cs, uint8_t b)
{
	if (cs->copylen < EMU_LINECOPY_MAX)
		cs->copy[cs->copylen++] = b;
}

/* Rewrite byte i of a refused line; pos is its offset in the line. */
static void
emu_refused_byte(struct emu_cside *cs, uint8_t *buf, size_t i, size_t pos,
    struct emu_actions *a)
{
	if (cs->action == EMU_REFUSE_ANSWER_OK) {
		emu_cut_add(a, i, 1);	/* the line never reaches the server */
		return;
	}
	if (buf[i] == '\r' || buf[i] == '\n')
		return;
	if (cs->action == EMU_REFUSE_XFILL)
		buf[i] = 'X';
	else if (cs->in_verb || pos < cs->verblen)	/* NOOP: verb only */
		buf[i] = pos < 4 ? (uint8_t)"NOOP"[pos] : ' ';
}

/*
 * Decide the verb.  buf[from..to) are its bytes in this call, not
 * rewritten yet; their line offsets end at cs->lineoff.  partial: the
 * verb is not complete (a segment ended inside it).
 */
static void
emu_verb_decide(struct emu_conn *c, uint8_t *buf, size_t from, size_t to,
    int partial, struct emu_actions *a)
{
	struct emu_cside *cs = &c->cs;
	int was_tentative = cs->verdict == EMU_V_TENTATIVE;
	size_t k;
	int ok;

	if (cs->verblen == 0 && !partial)	/* empty line: the server's */
		ok = 1;
	else
		ok = c->p->verbs == EMU_VERBS_ALL ||
		    (cs->verblen <= EMU_VERB_MAX &&
		    emu_profile_verb_ok(c->p, (const char *)cs->verb,
		    cs->verblen));
	if (ok) {
		cs->verdict = EMU_V_PASS;
		cs->kind = emu_vkind_of(cs);
		return;
	}
	cs->verdict = EMU_V_REFUSED;
	cs->action = c->p->refuse;
	/* Bytes already forwarded cannot be cut or turned into NOOP: the
	 * rest of the line is X-filled; a verb of fewer than four bytes
	 * cannot hold "NOOP". */
	if (was_tentative || (cs->action == EMU_REFUSE_NOOP &&
	    (partial || cs->verblen < 4)))
		cs->action = EMU_REFUSE_XFILL;
	for (k = from; k < to; k++)
		emu_refused_byte(cs, buf, k, cs->lineoff - (to - k), a);
}

/* The command line passed cmd_line_max (ASA default map, 512). */
static void
emu_cmd_limit(struct emu_conn *c, struct emu_actions *a)
{
	struct emu_cside *cs = &c->cs;
	char what[64];

	if (c->p->cmd_line_max == 0 || cs->line_over ||
	    cs->lineoff <= c->p->cmd_line_max)
		return;
	cs->line_over = 1;
	snprintf(what, sizeof(what), "cmd line length gt %lu",
	    (unsigned long)c->p->cmd_line_max);
	emu_limit(c, a, 1, what, 1);
}

/* A byte of a passed MAIL/RCPT line after the verb. */
static void
emu_addr_byte(struct emu_conn *c, uint8_t *buf, size_t i,
    struct emu_actions *a)
{
	struct emu_cside *cs = &c->cs;
	struct emu_log_arg arg;

	/* ASA "special-character": pipe, back quote, NUL (108003). */
	if (c->p->special_char_drop && (buf[i] == '|' || buf[i] == '`' ||
	    buf[i] == '\0')) {
		memset(&arg, 0, sizeof(arg));
		arg.data = cs->copy;
		arg.data_len = cs->copylen;
		emu_event(c, EMU_LOG_108003_MALICIOUS, &arg);
		emu_drop(c, a);
		return;
	}
	/* PIX 5.1+ and ASA: '|' in an address becomes a space (108002). */
	if (c->p->pipe_replace && buf[i] == '|') {
		buf[i] = ' ';
		cs->replaced = 1;
	}
}

/* Address of a MAIL line in the copy: between '<' and '>' or a token. */
static size_t
emu_sender_len(const struct emu_cside *cs, size_t *after)
{
	const uint8_t *p = cs->copy, *e = cs->copy + cs->copylen, *s;

	while (p < e && *p != ':')
		p++;
	if (p < e)
		p++;
	while (p < e && *p == ' ')
		p++;
	if (p < e && *p == '<') {
		s = ++p;
		while (p < e && *p != '>')
			p++;
	} else {
		s = p;
		while (p < e && *p != ' ')
			p++;
	}
	*after = (size_t)(p - cs->copy);
	return (size_t)(p - s);
}

/* RFC 1870 section 6: MAIL FROM:<...> SIZE=n. */
static uint64_t
emu_declared_size(const struct emu_cside *cs, size_t from)
{
	const char *p = (const char *)cs->copy;
	size_t i, n;
	uint64_t v;

	for (i = from; i + 5 <= cs->copylen; i++) {
		if ((i == 0 || p[i - 1] != ' ') ||
		    strncasecmp(p + i, "SIZE=", 5) != 0)
			continue;
		for (n = 0; i + 5 + n < cs->copylen &&
		    isdigit((unsigned char)p[i + 5 + n]); n++)
			;
		if (util_parse_u64n(p + i + 5, n, 0, UINT64_MAX, &v) == 0)
			return v;
	}
	return 0;
}

/* RFC 3030 section 2: BDAT <size> [LAST]. */
static int
emu_bdat_size(const struct emu_cside *cs, uint64_t *v)
{
	const char *p = (const char *)cs->copy;
	size_t i = 4, n;

	while (i < cs->copylen && p[i] == ' ')
		i++;
	for (n = 0; i + n < cs->copylen && isdigit((unsigned char)p[i + n]);
	    n++)
		;
	return util_parse_u64n(p + i, n, 0, UINT64_MAX, v);
}

static void
emu_data_start(struct emu_cside *cs)
{
	cs->mode = EMU_CM_DATA;
	cs->data_bytes = 0;
	cs->dlineoff = 0;
	cs->in_headers = 1;
	cs->dot = 0;
	cs->dline_done = 0;
	cs->fn_match = 0;
	cs->fn_active = cs->fn_done = 0;
}

/* End of a passed command line: what it changes. */
static void
emu_cmd_passed(struct emu_conn *c, struct emu_actions *a)
{
	struct emu_cside *cs = &c->cs;
	char what[64];
	size_t after, slen;
	uint64_t n;

	switch (cs->kind) {
	case EMU_VK_EHLO:
	case EMU_VK_HELO:
	case EMU_VK_RSET:
		cs->rcpts = 0;
		cs->declared = 0;
		emu_pend_push(c, cs->kind == EMU_VK_EHLO ? EMU_PEND_EHLO :
		    EMU_PEND_OTHER);
		break;
	case EMU_VK_MAIL:
		cs->rcpts = 0;
		slen = emu_sender_len(cs, &after);
		cs->declared = emu_declared_size(cs, after);
		emu_pend_push(c, EMU_PEND_OTHER);
		if (c->p->sender_max && slen > c->p->sender_max) {
			snprintf(what, sizeof(what), "sender-address length "
			    "gt %lu", (unsigned long)c->p->sender_max);
			emu_limit(c, a, 5, what, 1);
		}
		break;
	case EMU_VK_RCPT:
		cs->rcpts++;
		emu_pend_push(c, EMU_PEND_OTHER);
		if (c->p->rcpt_max && cs->rcpts > c->p->rcpt_max) {
			snprintf(what, sizeof(what), "cmd RCPT count gt %lu",
			    (unsigned long)c->p->rcpt_max);
			emu_limit(c, a, 2, what, 1);
		}
		break;
	case EMU_VK_DATA:
		emu_pend_push(c, EMU_PEND_DATA);
		emu_data_start(cs);
		break;
	case EMU_VK_BDAT:
		emu_pend_push(c, EMU_PEND_BDAT);
		if (emu_bdat_size(cs, &n) == 0 && n > 0) {
			cs->mode = EMU_CM_BDAT;
			cs->bdat_left = n;
		}
		break;
	case EMU_VK_STARTTLS:
		emu_pend_push(c, EMU_PEND_STARTTLS);
		break;
	case EMU_VK_AUTH:
	case EMU_VK_AUTHDATA:
		emu_pend_push(c, EMU_PEND_AUTH);
		break;
	case EMU_VK_OTHER:
	default:
		emu_pend_push(c, EMU_PEND_OTHER);
		break;
	}
}

static void
emu_cmd_eol(struct emu_conn *c, struct emu_actions *a)
{
	struct emu_cside *cs = &c->cs;
	struct emu_log_arg arg;

	if (cs->verdict == EMU_V_REFUSED &&
	    cs->action == EMU_REFUSE_ANSWER_OK) {
		/* PIX 4.0/4.1 mailhost answers itself (Microsoft's
		 * "goodmorning" test: "OK"). */
		emu_inject(a, c->p->answer_text);
		emu_inject(a, "\r\n");
		if (c->replay)	/* the captured server answered it too */
			emu_pend_push(c, EMU_PEND_SWALLOW);
	} else if (cs->verdict == EMU_V_REFUSED)
		emu_pend_push(c, EMU_PEND_OTHER);
	else
		emu_cmd_passed(c, a);
	if (cs->replaced) {
		memset(&arg, 0, sizeof(arg));
		arg.data = cs->copy;
		arg.data_len = cs->copylen;
		emu_event(c, EMU_LOG_108002_REPLACED, &arg);
	}
	cs->lineoff = cs->verblen = cs->copylen = 0;
	cs->in_verb = cs->line_over = cs->replaced = 0;
	cs->verdict = EMU_V_UNDECIDED;
	cs->kind = EMU_VK_OTHER;
}

/* One byte in command mode; *vseg: where this call's verb bytes begin. */
static void
emu_cmd_byte(struct emu_conn *c, uint8_t *buf, size_t i, size_t *vseg,
    struct emu_actions *a)
{
	struct emu_cside *cs = &c->cs;
	uint8_t b = buf[i];

	if (cs->lineoff == 0 && cs->auth_cont &&
	    cs->verdict == EMU_V_UNDECIDED) {
		/* RFC 4954 4: after 334 the client sends a base64 response
		 * (or "*"), not a command; AUTH is one of the fifteen verbs
		 * inspect esmtp lets through, so its exchange passes. */
		cs->auth_cont = 0;
		cs->verdict = EMU_V_PASS;
		cs->kind = EMU_VK_AUTHDATA;
	}
	if (cs->lineoff == 0 && !cs->in_verb &&
	    cs->verdict == EMU_V_UNDECIDED) {
		emu_snapshot(c, EMU_C2S, i);
		*vseg = i;
		cs->in_verb = 1;
	}
	if (cs->in_verb && !emu_is_term(b)) {
		if (cs->verblen < EMU_VERB_MAX)
			cs->verb[cs->verblen] = b;
		cs->verblen++;
		emu_copy(cs, b);
		cs->lineoff++;
		if (cs->verdict == EMU_V_UNDECIDED &&
		    cs->verblen > EMU_VERB_MAX)
			emu_verb_decide(c, buf, *vseg, i + 1, 0, a);
		else if (cs->verdict == EMU_V_REFUSED)
			emu_refused_byte(cs, buf, i, cs->lineoff - 1, a);
		emu_cmd_limit(c, a);
		return;
	}
	if (cs->in_verb) {
		if (cs->verdict == EMU_V_UNDECIDED ||
		    cs->verdict == EMU_V_TENTATIVE)
			emu_verb_decide(c, buf, *vseg, i, 0, a);
		cs->in_verb = 0;
	}
	if (cs->verdict == EMU_V_REFUSED)
		emu_refused_byte(cs, buf, i, cs->lineoff, a);
	else if (cs->kind == EMU_VK_MAIL || cs->kind == EMU_VK_RCPT)
		emu_addr_byte(c, buf, i, a);
	if (b != '\r' && b != '\n') {
		emu_copy(cs, b);
		cs->lineoff++;
	}
	if (c->dropped)
		return;
	if (b == '\n')
		emu_cmd_eol(c, a);
	else
		emu_cmd_limit(c, a);
}

/* "filename=" in a DATA line (RFC 2183 section 2.3): its value length. */
static void
emu_filename_byte(struct emu_conn *c, uint8_t b, struct emu_actions *a)
{
	static const char pat[] = "filename=";
	struct emu_cside *cs = &c->cs;
	char what[64];

	if (cs->fn_active) {
		if (cs->fn_len == 0 && cs->fn_quoted < 0) {
			cs->fn_quoted = b == '"';
			if (cs->fn_quoted)
				return;
		}
		if ((cs->fn_quoted && b == '"') || (!cs->fn_quoted &&
		    (b == ';' || b == ' ' || b == '\t' || b == '\r'))) {
			cs->fn_active = 0;
			return;
		}
		cs->fn_len++;
		if (c->p->mime_filename_max && !cs->fn_done &&
		    cs->fn_len > c->p->mime_filename_max) {
			cs->fn_done = 1;
			snprintf(what, sizeof(what), "MIME filename length "
			    "gt %lu", (unsigned long)c->p->mime_filename_max);
			emu_limit(c, a, 6, what, 1);
		}
		return;
	}
	if (tolower(b) == pat[cs->fn_match])
		cs->fn_match++;
	else
		cs->fn_match = tolower(b) == 'f';
	if (cs->fn_match == sizeof(pat) - 1) {
		cs->fn_match = 0;
		cs->fn_active = 1;
		cs->fn_quoted = -1;
		cs->fn_len = 0;
	}
}

/* The length limits of one DATA line (ASA default map classes 3, 4). */
static void
emu_dline_limit(struct emu_conn *c, struct emu_actions *a)
{
	struct emu_cside *cs = &c->cs;
	uint32_t max = cs->in_headers ? c->p->header_line_max :
	    c->p->body_line_max;
	char what[64];

	if (max == 0 || cs->dline_done || cs->dlineoff <= max)
		return;
	cs->dline_done = 1;
	snprintf(what, sizeof(what), "%s line length gt %lu",
	    cs->in_headers ? "header" : "body", (unsigned long)max);
	/* body lines: log only (108005) in the default map */
	emu_limit(c, a, cs->in_headers ? 4 : 3, what, cs->in_headers);
}

static void
emu_data_end(struct emu_conn *c)
{
	struct emu_cside *cs = &c->cs;
	struct emu_log_arg arg;
	uint64_t n = cs->data_bytes > 3 ? cs->data_bytes - 3 : 0;

	if (c->p->size_check && cs->declared > 0 && n > cs->declared) {
		memset(&arg, 0, sizeof(arg));
		arg.declared = cs->declared;
		arg.actual = n;
		emu_event(c, EMU_LOG_108006_SIZE, &arg);
	}
	emu_pend_push(c, EMU_PEND_EOD);
	cs->mode = EMU_CM_CMD;
	cs->rcpts = 0;
	cs->declared = 0;
}

/* One byte of a DATA body (RFC 5321 4.1.1.4: "." alone ends it). */
static void
emu_data_byte(struct emu_conn *c, uint8_t b, struct emu_actions *a)
{
	struct emu_cside *cs = &c->cs;

	cs->data_bytes++;
	if (cs->dlineoff == 0 && cs->dot == 0 && b == '.')
		cs->dot = 1;
	else if (cs->dot == 1 && b == '\r')
		cs->dot = 2;
	else if (cs->dot > 0 && b == '\n') {
		emu_data_end(c);
		return;
	} else
		cs->dot = 0;
	if (b == '\n') {
		if (cs->dlineoff == 0)		/* RFC 5322 2.1: headers end */
			cs->in_headers = 0;
		cs->dlineoff = 0;
		cs->dline_done = 0;
		cs->fn_match = 0;
		cs->fn_active = 0;
		return;
	}
	if (b != '\r')
		cs->dlineoff++;
	emu_filename_byte(c, b, a);
	if (!c->dropped)
		emu_dline_limit(c, a);
}

/*
 * Fast path through the middle of a DATA line: bytes up to the next LF
 * (or the end of the segment) when nothing in them can end the data or
 * complete "filename=" (no '=' in a chunk that ends at LF: the matcher
 * resets at LF anyway).  Same result as emu_data_byte() on each byte;
 * returns the bytes consumed, 0 to take the byte-by-byte path.
 */
static size_t
emu_data_run(struct emu_conn *c, const uint8_t *p, size_t n,
    struct emu_actions *a)
{
	struct emu_cside *cs = &c->cs;
	const uint8_t *e;
	size_t m, k, cr = 0;

	if (cs->dot != 0 || cs->dlineoff == 0 || cs->fn_active ||
	    (e = memchr(p, '\n', n)) == NULL)
		return 0;
	m = (size_t)(e - p);
	if (m < 16 || (c->p->mime_filename_max &&
	    memchr(p, '=', m) != NULL))
		return 0;
	/* CRs are rare (one per line, at its end): memchr finds them far
	 * faster than a byte loop (half the emulator's CPU in bulk DATA,
	 * tests/bench/emu_bench.sh A2). */
	for (k = 0; k < m; k++) {
		const uint8_t *q = memchr(p + k, '\r', m - k);

		if (q == NULL)
			break;
		cr++;
		k = (size_t)(q - p);
	}
	cs->data_bytes += m;
	cs->dlineoff += m - cr;
	cs->fn_match = 0;
	emu_dline_limit(c, a);
	return m;
}

/* End of a call inside an undecided verb: 113423, hold, or prefix. */
static size_t
emu_cmd_tail(struct emu_conn *c, uint8_t *buf, size_t len, size_t vseg,
    struct emu_actions *a)
{
	struct emu_cside *cs = &c->cs;
	size_t k;

	if (c->p->interactive_xfill && vseg == 0 &&
	    cs->lineoff == cs->verblen) {
		/* Cisco 113423: a command that arrives one character per
		 * segment is X-filled; the whole line is refused.  Applied
		 * when the segment holds nothing but the start of a verb
		 * (typing), not when a bulk write was cut inside one. */
		cs->verdict = EMU_V_REFUSED;
		cs->action = EMU_REFUSE_XFILL;
		for (k = vseg; k < len; k++)
			emu_refused_byte(cs, buf, k, 0, a);
		return len;
	}
	if (c->hold && c->snap_ok && c->snap_idx == vseg) {
		c->cs = c->cs_snap;
		return vseg;
	}
	if (emu_profile_verb_prefix_ok(c->p, (const char *)cs->verb,
	    cs->verblen < EMU_VERB_MAX ? cs->verblen : EMU_VERB_MAX))
		cs->verdict = EMU_V_TENTATIVE;
	else
		emu_verb_decide(c, buf, vseg, len, 1, a);
	return len;
}

/*
 * CSCds90792 (middlebox-behaviour.md 2: before 5.2(4) and 6.0(1), "when
 * \r\n. and the final \r\n arrive in separate segments, the terminator
 * is swallowed").  cs->eod_armed: EMU_EOD_ARMED when the last segment
 * ended on a line-start '.', EMU_EOD_HELD when this call starts with the
 * CRLF held by the previous one (late).  What to do with the start of
 * buf: EMU_EOD_GO (nothing special), EMU_EOD_CUT (its CRLF is swallowed),
 * EMU_EOD_HOLD (all of buf, which is that CRLF alone, is held).
 */
enum emu_eod_state { EMU_EOD_IDLE = 0, EMU_EOD_ARMED = 1, EMU_EOD_HELD = 2 };
enum emu_eod_do { EMU_EOD_GO, EMU_EOD_CUT, EMU_EOD_HOLD };

static enum emu_eod_do
emu_eod_split(struct emu_conn *c, const uint8_t *buf, size_t len)
{
	struct emu_cside *cs = &c->cs;
	int was = cs->eod_armed;

	cs->eod_armed = EMU_EOD_IDLE;
	if (was == EMU_EOD_IDLE || cs->mode != EMU_CM_DATA || len < 2 ||
	    buf[0] != '\r' || buf[1] != '\n')
		return EMU_EOD_GO;
	if (c->p->eod_split_bug == EMU_EOD_LATE && c->hold) {
		/* late: the CRLF waits for the client's next bytes.  Held
		 * alone, it is presented again in front of them (or once
		 * more with hold off when the client closes) and then goes
		 * through unchanged: the server sees the end of data only
		 * after the sender has given up.  Bytes already behind it
		 * in this segment release it at once. */
		if (len == 2) {
			cs->eod_armed = EMU_EOD_HELD;
			return EMU_EOD_HOLD;
		}
		return EMU_EOD_GO;
	}
	/* Presented again with hold now off (end of stream): release. */
	if (was == EMU_EOD_HELD)
		return EMU_EOD_GO;
	/* swallow, or late where bytes cannot wait (replay, inline) */
	return EMU_EOD_CUT;
}

size_t
emu_c2s(struct emu_conn *c, uint8_t *buf, size_t len, struct emu_actions *a)
{
	struct emu_cside *cs = &c->cs;
	size_t i = 0, vseg = 0, n;

	switch (emu_eod_split(c, buf, len)) {
	case EMU_EOD_HOLD:
		return 0;
	case EMU_EOD_CUT:
		/* The server never sees the end of data. */
		emu_cut_add(a, 0, 2);
		/* replay: the captured server answered an end of data it
		 * would never have seen; it waits instead */
		c->server_mute = c->replay;
		cs->dot = 0;
		i = 2;
		break;
	case EMU_EOD_GO:
	default:
		break;
	}
	while (i < len && !c->dropped) {
		switch (cs->mode) {
		case EMU_CM_DATA:
			if ((n = emu_data_run(c, buf + i, len - i, a)) > 0)
				i += n;
			else
				emu_data_byte(c, buf[i++], a);
			break;
		case EMU_CM_BDAT:
			n = len - i;
			if (n > cs->bdat_left)
				n = (size_t)cs->bdat_left;
			cs->bdat_left -= n;
			i += n;
			if (cs->bdat_left == 0)
				cs->mode = EMU_CM_CMD;
			break;
		case EMU_CM_CMD:
		default:
			emu_cmd_byte(c, buf, i++, &vseg, a);
			break;
		}
	}
	if (c->dropped)
		return len;
	if (cs->mode == EMU_CM_CMD && cs->in_verb &&
	    cs->verdict == EMU_V_UNDECIDED && cs->verblen > 0)
		return emu_cmd_tail(c, buf, len, vseg, a);
	if (c->p->eod_split_bug != EMU_EOD_OFF && cs->mode == EMU_CM_DATA &&
	    cs->dot == 1 && len > 0 && buf[len - 1] == '.')
		cs->eod_armed = EMU_EOD_ARMED;
	return len;
}
