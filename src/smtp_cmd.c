/* smtp_cmd.c - parse one SMTP command line: verb, path, ESMTP parameters. */
#include "config.h"

#include <string.h>

#include "smtp_cmd.h"
#include "util.h"

/* RFC 5321 4.5.3.1.3: a path is at most 256 octets including < and >. */
#define SMTP_CMD_PATH_RFC	256
/* Parameters examined per MAIL/RCPT line (the rest are ignored). */
#define SMTP_CMD_PARAMS_MAX	32

/*
 * Verb table.  rfc821: the seven minimum commands of RFC 821 4.5.1, the
 * only ones PIX Mailguard / fixup smtp passes (behaviour reference 2, PIX
 * 4.x-6.3, DOC).  asa: the fifteen ASA inspect esmtp passes (behaviour
 * reference 2, ASA, DOC): AUTH DATA EHLO ETRN HELO HELP MAIL NOOP QUIT
 * RCPT RSET SAML SEND SOML VRFY.
 */
static const struct smtp_cmd_verb_desc {
	const char	*name;
	unsigned	 rfc821:1, asa:1;
	unsigned	 needs_arg:1, no_arg:1;
} smtp_cmd_verbs[SMTP_VERB__COUNT + 1] = {
	[SMTP_VERB_UNKNOWN] = { .name = "?" },
	[SMTP_VERB_HELO] = { .name = "HELO", .rfc821 = 1, .asa = 1,
	    .needs_arg = 1 },
	[SMTP_VERB_EHLO] = { .name = "EHLO", .asa = 1, .needs_arg = 1 },
	[SMTP_VERB_MAIL] = { .name = "MAIL", .rfc821 = 1, .asa = 1,
	    .needs_arg = 1 },
	[SMTP_VERB_RCPT] = { .name = "RCPT", .rfc821 = 1, .asa = 1,
	    .needs_arg = 1 },
	[SMTP_VERB_DATA] = { .name = "DATA", .rfc821 = 1, .asa = 1,
	    .no_arg = 1 },
	[SMTP_VERB_BDAT] = { .name = "BDAT", .needs_arg = 1 },
	[SMTP_VERB_RSET] = { .name = "RSET", .rfc821 = 1, .asa = 1,
	    .no_arg = 1 },
	[SMTP_VERB_NOOP] = { .name = "NOOP", .rfc821 = 1, .asa = 1 },
	[SMTP_VERB_QUIT] = { .name = "QUIT", .rfc821 = 1, .asa = 1,
	    .no_arg = 1 },
	[SMTP_VERB_VRFY] = { .name = "VRFY", .asa = 1, .needs_arg = 1 },
	[SMTP_VERB_EXPN] = { .name = "EXPN", .needs_arg = 1 },
	[SMTP_VERB_HELP] = { .name = "HELP", .asa = 1 },
	[SMTP_VERB_TURN] = { .name = "TURN", .no_arg = 1 },
	[SMTP_VERB_ATRN] = { .name = "ATRN" },
	[SMTP_VERB_ETRN] = { .name = "ETRN", .asa = 1, .needs_arg = 1 },
	[SMTP_VERB_AUTH] = { .name = "AUTH", .asa = 1, .needs_arg = 1 },
	[SMTP_VERB_STARTTLS] = { .name = "STARTTLS", .no_arg = 1 },
	[SMTP_VERB_SAML] = { .name = "SAML", .asa = 1, .needs_arg = 1 },
	[SMTP_VERB_SEND] = { .name = "SEND", .asa = 1, .needs_arg = 1 },
	[SMTP_VERB_SOML] = { .name = "SOML", .asa = 1, .needs_arg = 1 },
	[SMTP_VERB_XEXCH50] = { .name = "XEXCH50" },
	[SMTP_VERB_X_LINK2STATE] = { .name = "X-LINK2STATE" },
	[SMTP_VERB_X_EXPS] = { .name = "X-EXPS" },
	[SMTP_VERB_VERB] = { .name = "VERB" },
	[SMTP_VERB_WIZ] = { .name = "WIZ" },
	[SMTP_VERB_DEBUG] = { .name = "DEBUG" },
	[SMTP_VERB_KILL] = { .name = "KILL" },
	[SMTP_VERB_LHLO] = { .name = "LHLO", .needs_arg = 1 },
	[SMTP_VERB__COUNT] = { .name = NULL }
};

static const struct smtp_cmd_anomaly_desc {
	unsigned	 bit;
	const char	*name;
} smtp_cmd_anomaly_names[] = {
	{ .bit = SMTP_CMD_NO_VERB, .name = "cmd-no-verb" },
	{ .bit = SMTP_CMD_VERB_XFILLED, .name = "cmd-verb-x-filled" },
	{ .bit = SMTP_CMD_LINE_XFILLED, .name = "cmd-line-x-filled" },
	{ .bit = SMTP_CMD_BAD_SEP, .name = "cmd-bad-separator" },
	{ .bit = SMTP_CMD_BAD_ADDR, .name = "cmd-bad-path" },
	{ .bit = SMTP_CMD_NO_BRACKETS, .name = "cmd-path-no-brackets" },
	{ .bit = SMTP_CMD_SPACE_COLON, .name = "cmd-space-around-colon" },
	{ .bit = SMTP_CMD_NO_COLON, .name = "cmd-no-from-to" },
	{ .bit = SMTP_CMD_BAD_PARAM, .name = "cmd-bad-param" },
	{ .bit = SMTP_CMD_DUP_PARAM, .name = "cmd-duplicate-param" },
	{ .bit = SMTP_CMD_BAD_BDAT, .name = "cmd-bad-bdat" },
	{ .bit = SMTP_CMD_EXTRA_ARGS, .name = "cmd-extra-args" },
	{ .bit = SMTP_CMD_MISSING_ARGS, .name = "cmd-missing-args" },
	{ .bit = SMTP_CMD_NUL, .name = "cmd-nul-byte" },
	{ .bit = SMTP_CMD_8BIT, .name = "cmd-8bit" },
	{ .bit = SMTP_CMD_CTRL, .name = "cmd-control-char" },
	{ .bit = SMTP_CMD_PIPE, .name = "cmd-pipe-in-path" },
	{ .bit = SMTP_CMD_LONG_PATH, .name = "cmd-path-over-256" },
	{ .bit = SMTP_CMD_LOWERCASE, .name = "cmd-verb-lowercase" },
	{ .bit = 0, .name = NULL }
};

const char *
smtp_cmd_anomaly_name(unsigned bit)
{
	const struct smtp_cmd_anomaly_desc *d;

	for (d = smtp_cmd_anomaly_names; d->name != NULL; d++)
		if (d->bit == bit)
			return d->name;
	return NULL;
}

const char *
smtp_cmd_verb_name(enum smtp_verb v)
{
	if ((unsigned)v >= SMTP_VERB__COUNT)
		return "?";
	return smtp_cmd_verbs[v].name;
}

enum smtp_verb
smtp_cmd_verb_lookup(const uint8_t *p, size_t len)
{
	int v;

	if (len == 0)
		return SMTP_VERB_UNKNOWN;
	for (v = SMTP_VERB_UNKNOWN + 1; v < SMTP_VERB__COUNT; v++)
		/* First letters differ in more than case: not this verb. */
		if (((smtp_cmd_verbs[v].name[0] ^ p[0]) & ~0x20) == 0 &&
		    util_slice_ieq((const char *)p, len,
		    smtp_cmd_verbs[v].name))
			return (enum smtp_verb)v;
	return SMTP_VERB_UNKNOWN;
}

int
smtp_cmd_verb_is_rfc821(enum smtp_verb v)
{
	return (unsigned)v < SMTP_VERB__COUNT && smtp_cmd_verbs[v].rfc821;
}

int
smtp_cmd_verb_is_asa(enum smtp_verb v)
{
	return (unsigned)v < SMTP_VERB__COUNT && smtp_cmd_verbs[v].asa;
}

/* Byte-class anomalies of the whole line. */
static unsigned
smtp_cmd_scan_bytes(const uint8_t *p, size_t len)
{
	unsigned anom = 0;
	size_t i = 0;
	uint64_t x;

	/* Eight printable ASCII bytes at a time (0x20..0x7e, or TAB below
	 * them, goes through the loop): none sets a flag. */
	for (; i + 8 <= len; i += 8) {
		memcpy(&x, p + i, 8);
		if (((x - 0x2020202020202020ULL) | x |
		    (x + 0x0101010101010101ULL)) & 0x8080808080808080ULL)
			break;
	}
	for (; i < len; i++) {
		if (p[i] == '\0')
			anom |= SMTP_CMD_NUL;
		else if (p[i] >= 0x80)
			anom |= SMTP_CMD_8BIT;
		else if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			anom |= SMTP_CMD_CTRL;
	}
	return anom;
}

static size_t
smtp_cmd_skip_sp(const uint8_t *p, size_t len, size_t i)
{
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i;
}

/*
 * Path after "FROM:"/"TO:" (RFC 5321 4.1.2: Path = "<" [ A-d-l ":" ]
 * Mailbox ">"; quoted local parts may hold '>').  Sets addr and params.
 */
static int
smtp_cmd_path(const uint8_t *p, size_t len, struct smtp_cmd *c)
{
	size_t i = 0, e;
	int quoted = 0;

	if (len > 0 && p[0] == '<') {
		for (e = 1; e < len; e++) {
			if (quoted && p[e] == '\\' && e + 1 < len)
				e++;
			else if (p[e] == '"')
				quoted = !quoted;
			else if (!quoted && p[e] == '>')
				break;
		}
		if (e >= len) {
			c->anomalies |= SMTP_CMD_BAD_ADDR;
			return -1;
		}
		c->addr.p = p + 1;
		c->addr.len = e - 1;
		i = e + 1;
	} else {
		/* Tolerated: "MAIL FROM:user@host" (seen from old clients). */
		c->anomalies |= SMTP_CMD_NO_BRACKETS;
		while (i < len && p[i] != ' ' && p[i] != '\t')
			i++;
		if (i == 0) {
			c->anomalies |= SMTP_CMD_BAD_ADDR;
			return -1;
		}
		c->addr.p = p;
		c->addr.len = i;
	}
	c->have_addr = 1;
	if (memchr(c->addr.p, '|', c->addr.len) != NULL)
		c->anomalies |= SMTP_CMD_PIPE;	/* ASA 108002 / 108003 */
	if (c->addr.len + 2 > SMTP_CMD_PATH_RFC)
		c->anomalies |= SMTP_CMD_LONG_PATH;
	if (i < len && p[i] != ' ')
		c->anomalies |= SMTP_CMD_BAD_PARAM;
	i = smtp_cmd_skip_sp(p, len, i);
	c->params.p = p + i;
	c->params.len = len - i;
	return 0;
}

/* RFC 5321 4.1.2: esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"). */
static int
smtp_cmd_param_kw_ok(const uint8_t *p, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		uint8_t ch = p[i];
		int alnum = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')
		    || (ch >= '0' && ch <= '9');

		if (!alnum && (i == 0 || ch != '-'))
			return 0;
	}
	return 1;
}

/* esmtp-value = 1*(%d33-60 / %d62-126) */
static int
smtp_cmd_param_val_ok(const uint8_t *p, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (p[i] < 33 || p[i] > 126 || p[i] == '=')
			return 0;
	return 1;
}

static void
smtp_cmd_one_param(struct smtp_cmd *c, struct smtp_slice kw, int has_eq,
    struct smtp_slice val)
{
	const char *v = (const char *)val.p;

	if (!smtp_cmd_param_kw_ok(kw.p, kw.len) ||
	    (has_eq && !smtp_cmd_param_val_ok(val.p, val.len))) {
		c->anomalies |= SMTP_CMD_BAD_PARAM;
		return;
	}
	if (util_slice_ieq((const char *)kw.p, kw.len, "SIZE")) {
		/* RFC 1870 6: size-value = 1*20DIGIT */
		if (!has_eq || val.len > 20 || util_parse_u64n(v, val.len, 0,
		    UINT64_MAX, &c->size) == -1)
			c->anomalies |= SMTP_CMD_BAD_PARAM;
		else
			c->have_size = 1;
	} else if (util_slice_ieq((const char *)kw.p, kw.len, "BODY")) {
		/* RFC 6152 2 (7BIT, 8BITMIME), RFC 3030 3 (BINARYMIME). */
		if (util_slice_ieq(v, val.len, "7BIT"))
			c->body = SMTP_BODY_7BIT;
		else if (util_slice_ieq(v, val.len, "8BITMIME"))
			c->body = SMTP_BODY_8BITMIME;
		else if (util_slice_ieq(v, val.len, "BINARYMIME"))
			c->body = SMTP_BODY_BINARYMIME;
		else {
			c->body = SMTP_BODY_OTHER;
			c->anomalies |= SMTP_CMD_BAD_PARAM;
		}
	} else if (util_slice_ieq((const char *)kw.p, kw.len, "SMTPUTF8")) {
		/* RFC 6531 3.4: SMTPUTF8 takes no value. */
		if (has_eq)
			c->anomalies |= SMTP_CMD_BAD_PARAM;
		c->smtputf8 = 1;
	}
}

/* Case-insensitive ASCII compare of two non-empty slices. */
static int
smtp_cmd_slice_ieq(struct smtp_slice a, struct smtp_slice b)
{
	size_t i;

	if (a.len != b.len || a.len == 0)
		return 0;
	for (i = 0; i < a.len; i++) {
		uint8_t x = a.p[i], y = b.p[i];

		if (x >= 'a' && x <= 'z')
			x = (uint8_t)(x - 32);
		if (y >= 'a' && y <= 'z')
			y = (uint8_t)(y - 32);
		if (x != y)
			return 0;
	}
	return 1;
}

static void
smtp_cmd_params(struct smtp_cmd *c)
{
	struct smtp_slice kws[SMTP_CMD_PARAMS_MAX];
	const uint8_t *p = c->params.p;
	size_t len = c->params.len, i = 0, s, eq, n = 0, k;

	while (i < len && n < SMTP_CMD_PARAMS_MAX) {
		struct smtp_slice kw, val = { NULL, 0 };
		int has_eq;

		s = i;
		while (i < len && p[i] != ' ' && p[i] != '\t')
			i++;
		for (eq = s; eq < i && p[eq] != '='; eq++)
			;
		has_eq = eq < i;
		kw.p = p + s;
		kw.len = eq - s;
		if (has_eq) {
			val.p = p + eq + 1;
			val.len = i - eq - 1;
		}
		for (k = 0; k < n; k++)
			if (smtp_cmd_slice_ieq(kws[k], kw))
				c->anomalies |= SMTP_CMD_DUP_PARAM;
		kws[n++] = kw;
		smtp_cmd_one_param(c, kw, has_eq, val);
		i = smtp_cmd_skip_sp(p, len, i);
	}
}

/* "FROM:" / "TO:" then the path (RFC 5321 4.1.1.2, 4.1.1.3). */
static int
smtp_cmd_mail_rcpt(struct smtp_cmd *c, const char *kw)
{
	const uint8_t *p = c->args.p;
	size_t len = c->args.len, klen = strlen(kw), i;

	i = smtp_cmd_skip_sp(p, len, 0);
	if (i > 0)
		c->anomalies |= SMTP_CMD_SPACE_COLON;
	if (len - i < klen || !util_slice_ieq((const char *)p + i, klen, kw)) {
		c->anomalies |= SMTP_CMD_NO_COLON;
		return SMTP_INVALID;
	}
	i += klen;
	if (smtp_cmd_skip_sp(p, len, i) != i) {
		c->anomalies |= SMTP_CMD_SPACE_COLON;
		i = smtp_cmd_skip_sp(p, len, i);
	}
	if (i >= len || p[i] != ':') {
		c->anomalies |= SMTP_CMD_NO_COLON;
		return SMTP_INVALID;
	}
	i++;
	if (smtp_cmd_skip_sp(p, len, i) != i) {
		/* Not RFC 5321 but common: "MAIL FROM: <a@b>". */
		c->anomalies |= SMTP_CMD_SPACE_COLON;
		i = smtp_cmd_skip_sp(p, len, i);
	}
	if (smtp_cmd_path(p + i, len - i, c) == -1)
		return SMTP_INVALID;
	if (c->addr.len == 0 && c->addr.p == p + i + 1) {
		if (c->verb == SMTP_VERB_MAIL)
			c->null_path = 1;	/* RFC 5321 4.5.5 */
		else {
			c->anomalies |= SMTP_CMD_BAD_ADDR;
			return SMTP_INVALID;
		}
	}
	smtp_cmd_params(c);
	return SMTP_OK;
}

/* RFC 3030 2: bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ] CRLF */
static int
smtp_cmd_bdat(struct smtp_cmd *c)
{
	const uint8_t *p = c->args.p;
	size_t len = c->args.len, i = 0;

	while (i < len && p[i] >= '0' && p[i] <= '9')
		i++;
	if (i == 0 || i > 20 || util_parse_u64n((const char *)p, i, 0,
	    UINT64_MAX, &c->bdat_size) == -1)
		goto bad;
	if (i == len)
		return SMTP_OK;
	if (p[i] != ' ')
		goto bad;
	i++;
	if (len - i == 4 && util_slice_ieq((const char *)p + i, 4, "LAST")) {
		c->bdat_last = 1;
		return SMTP_OK;
	}
bad:
	c->anomalies |= SMTP_CMD_BAD_BDAT;
	return SMTP_INVALID;
}

static void
smtp_cmd_verb_checks(struct smtp_cmd *c)
{
	const struct smtp_cmd_verb_desc *d = &smtp_cmd_verbs[c->verb];
	size_t i;

	for (i = 0; i < c->verb_text.len; i++)
		if (c->verb_text.p[i] >= 'a' && c->verb_text.p[i] <= 'z')
			c->anomalies |= SMTP_CMD_LOWERCASE;
	if (util_all_byte(c->verb_text.p, c->verb_text.len, 'X'))
		c->anomalies |= SMTP_CMD_VERB_XFILLED;
	if (c->verb == SMTP_VERB_UNKNOWN)
		return;
	if (d->needs_arg && c->args.len == 0)
		c->anomalies |= SMTP_CMD_MISSING_ARGS;
	if (d->no_arg && c->args.len > 0)
		c->anomalies |= SMTP_CMD_EXTRA_ARGS;
}

int
smtp_cmd_parse(const uint8_t *p, size_t len, struct smtp_cmd *c)
{
	size_t i = 0;

	memset(c, 0, sizeof(*c));
	c->verb_text.p = c->args.p = c->addr.p = c->params.p = p;
	c->anomalies = smtp_cmd_scan_bytes(p, len);
	/* ASA inspect esmtp X-fills every byte of a refused command except
	 * CR LF (behaviour reference 2, DOC). */
	if (util_all_byte(p, len, 'X'))
		c->anomalies |= SMTP_CMD_LINE_XFILLED;
	while (i < len && p[i] != ' ' && p[i] != '\t')
		i++;
	if (i == 0) {
		c->anomalies |= SMTP_CMD_NO_VERB;
		return SMTP_INVALID;
	}
	c->verb_text.len = i;
	c->verb = smtp_cmd_verb_lookup(p, i);
	if (i < len) {
		if (p[i] == '\t')
			c->anomalies |= SMTP_CMD_BAD_SEP;
		i++;
	}
	c->args.p = p + i;
	c->args.len = len - i;
	c->addr.p = c->params.p = p + len;
	smtp_cmd_verb_checks(c);
	switch (c->verb) {
	case SMTP_VERB_MAIL:
		return smtp_cmd_mail_rcpt(c, "FROM");
	case SMTP_VERB_RCPT:
		return smtp_cmd_mail_rcpt(c, "TO");
	case SMTP_VERB_BDAT:
		return smtp_cmd_bdat(c);
	default:
		return SMTP_OK;
	}
}

int
smtp_cmd_param(const struct smtp_cmd *c, const char *name,
    struct smtp_slice *val)
{
	const uint8_t *p = c->params.p;
	size_t len = c->params.len, i = 0, s, eq;

	while (i < len) {
		s = i;
		while (i < len && p[i] != ' ' && p[i] != '\t')
			i++;
		for (eq = s; eq < i && p[eq] != '='; eq++)
			;
		if (util_slice_ieq((const char *)p + s, eq - s, name)) {
			val->p = eq < i ? p + eq + 1 : p + i;
			val->len = eq < i ? i - eq - 1 : 0;
			return 0;
		}
		i = smtp_cmd_skip_sp(p, len, i);
	}
	return -1;
}
