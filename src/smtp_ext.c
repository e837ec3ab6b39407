/* smtp_ext.c - EHLO keyword parser and decoder of ASA-masked keywords. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "smtp_ext.h"
#include "util.h"

/* What the ASA does to a keyword (behaviour reference section 2). */
enum smtp_ext_fate {
	SMTP_EXT_FATE_MASKED,	/* OBS or INF: masked by inspect esmtp */
	SMTP_EXT_FATE_UNKNOWN,	/* no report either way */
	SMTP_EXT_FATE_PASSES,	/* OBS: seen passing unchanged */
};

/*
 * Known EHLO keywords, grouped by fate and, inside a group, by how often
 * they are seen in the wild.  Fates from the behaviour reference section
 * 2 (ASA): "Seen passing: 8BITMIME, AUTH, AUTH=, DSN, ENHANCEDSTATUSCODES,
 * ETRN, PIPELINING, SIZE, VRFY. INF: BINARYMIME and CHECKPOINT may also
 * pass; CHUNKING, SMTPUTF8, X-EXPS, X-LINK2STATE, XEXCH50, STARTTLS, HELP,
 * DELIVERBY are masked."  Symptom texts in the same reference: Exchange
 * "451 5.7.3 Cannot achieve Exchange Server authentication" (X-EXPS,
 * X-ANONYMOUSTLS masked), "250-XXXXXXXA" then 500 to STARTTLS.
 */
static const struct smtp_ext_known {
	const char		*kw;
	enum smtp_ext_fate	 fate;
} smtp_ext_known[] = {
	{ .kw = "STARTTLS", .fate = SMTP_EXT_FATE_MASKED },	/* RFC 3207 */
	{ .kw = "CHUNKING", .fate = SMTP_EXT_FATE_MASKED },	/* RFC 3030 */
	{ .kw = "SMTPUTF8", .fate = SMTP_EXT_FATE_MASKED },	/* RFC 6531 */
	{ .kw = "X-EXPS", .fate = SMTP_EXT_FATE_MASKED },	/* Exchange */
	{ .kw = "X-LINK2STATE", .fate = SMTP_EXT_FATE_MASKED },	/* Exchange */
	{ .kw = "XEXCH50", .fate = SMTP_EXT_FATE_MASKED },	/* Exchange */
	{ .kw = "HELP", .fate = SMTP_EXT_FATE_MASKED },		/* RFC 5321 */
	{ .kw = "DELIVERBY", .fate = SMTP_EXT_FATE_MASKED },	/* RFC 2852 */
	/* Not an extension: IIS/Exchange 2000-2003 end the EHLO reply with
	 * "250 OK" (so does the public capture smtp-bdat-gap.pcap); it is
	 * outside the ASA's allowed set, so masked as "XA".."XZ" (INF). */
	{ .kw = "OK", .fate = SMTP_EXT_FATE_MASKED },
	{ .kw = "X-ANONYMOUSTLS", .fate = SMTP_EXT_FATE_UNKNOWN }, /* Exch. */
	{ .kw = "BINARYMIME", .fate = SMTP_EXT_FATE_UNKNOWN },	/* RFC 3030 */
	{ .kw = "CHECKPOINT", .fate = SMTP_EXT_FATE_UNKNOWN },	/* RFC 1845 */
	{ .kw = "PIPECONNECT", .fate = SMTP_EXT_FATE_UNKNOWN },	/* Exim */
	/* Exim 4.94 advertised the experimental name with '_' (seen in the
	 * public Zeek capture smtp-mail-transactions-invalid.pcap). */
	{ .kw = "PIPE_CONNECT", .fate = SMTP_EXT_FATE_UNKNOWN },
	{ .kw = "PRDR", .fate = SMTP_EXT_FATE_UNKNOWN },	/* Exim */
	{ .kw = "XSHADOW", .fate = SMTP_EXT_FATE_UNKNOWN },	/* Exchange */
	{ .kw = "REQUIRETLS", .fate = SMTP_EXT_FATE_UNKNOWN },	/* RFC 8689 */
	{ .kw = "MT-PRIORITY", .fate = SMTP_EXT_FATE_UNKNOWN },	/* RFC 6710 */
	{ .kw = "LIMITS", .fate = SMTP_EXT_FATE_UNKNOWN },	/* RFC 9422 */
	{ .kw = "XCLIENT", .fate = SMTP_EXT_FATE_UNKNOWN },	/* Postfix */
	{ .kw = "XFORWARD", .fate = SMTP_EXT_FATE_UNKNOWN },	/* Postfix */
	{ .kw = "UTF8SMTP", .fate = SMTP_EXT_FATE_UNKNOWN },	/* RFC 5336 */
	{ .kw = "TURN", .fate = SMTP_EXT_FATE_UNKNOWN },	/* RFC 821 */
	{ .kw = "ATRN", .fate = SMTP_EXT_FATE_UNKNOWN },	/* RFC 2645 */
	{ .kw = "EXPN", .fate = SMTP_EXT_FATE_UNKNOWN },	/* RFC 5321 */
	{ .kw = "VERB", .fate = SMTP_EXT_FATE_UNKNOWN },	/* Sendmail */
	{ .kw = "ONEX", .fate = SMTP_EXT_FATE_UNKNOWN },	/* Sendmail */
	{ .kw = "XUSR", .fate = SMTP_EXT_FATE_UNKNOWN },	/* Sendmail */
	{ .kw = "MTRK", .fate = SMTP_EXT_FATE_UNKNOWN },	/* RFC 3885 */
	{ .kw = "RRVS", .fate = SMTP_EXT_FATE_UNKNOWN },	/* RFC 7293 */
	{ .kw = "FUTURERELEASE", .fate = SMTP_EXT_FATE_UNKNOWN }, /* 4865 */
	{ .kw = "NO-SOLICITING", .fate = SMTP_EXT_FATE_UNKNOWN }, /* 3865 */
	{ .kw = "CONPERM", .fate = SMTP_EXT_FATE_UNKNOWN },	/* RFC 4141 */
	{ .kw = "CONNEG", .fate = SMTP_EXT_FATE_UNKNOWN },	/* RFC 4141 */
	{ .kw = "SEND", .fate = SMTP_EXT_FATE_UNKNOWN },	/* RFC 821 */
	{ .kw = "SOML", .fate = SMTP_EXT_FATE_UNKNOWN },	/* RFC 821 */
	{ .kw = "SAML", .fate = SMTP_EXT_FATE_UNKNOWN },	/* RFC 821 */
	{ .kw = "PIPELINING", .fate = SMTP_EXT_FATE_PASSES },	/* RFC 2920 */
	{ .kw = "8BITMIME", .fate = SMTP_EXT_FATE_PASSES },	/* RFC 6152 */
	{ .kw = "SIZE", .fate = SMTP_EXT_FATE_PASSES },		/* RFC 1870 */
	{ .kw = "AUTH", .fate = SMTP_EXT_FATE_PASSES },		/* RFC 4954 */
	{ .kw = "AUTH=", .fate = SMTP_EXT_FATE_PASSES },	/* pre-4954 */
	{ .kw = "DSN", .fate = SMTP_EXT_FATE_PASSES },		/* RFC 3461 */
	{ .kw = "ENHANCEDSTATUSCODES", .fate = SMTP_EXT_FATE_PASSES },
	{ .kw = "ETRN", .fate = SMTP_EXT_FATE_PASSES },		/* RFC 1985 */
	{ .kw = "VRFY", .fate = SMTP_EXT_FATE_PASSES },		/* RFC 5321 */
	{ .kw = NULL, .fate = SMTP_EXT_FATE_UNKNOWN }
};

int
smtp_ext_is_masked(const char *p, size_t len, char *letter)
{
	/* ASA: (length - 1) 'X' then one capital letter, at least "XA". */
	if (len < 2 || p[len - 1] < 'A' || p[len - 1] > 'Z' ||
	    !util_all_byte(p, len - 1, 'X'))
		return 0;
	if (letter != NULL)
		*letter = p[len - 1];
	return 1;
}

/* The decoding of every length a known keyword has, made once. */
#define SMTP_EXT_KNOWN_MAX	64	/* entries of smtp_ext_known */
#define SMTP_EXT_KW_LEN_MAX	32	/* longer than any of them */
static struct smtp_ext_dec {
	size_t		 n;
	const char	*kw[SMTP_EXT_KNOWN_MAX];
	int		 asa[SMTP_EXT_KNOWN_MAX];
} smtp_ext_dec[SMTP_EXT_KW_LEN_MAX + 1];
_Static_assert(sizeof(smtp_ext_known) / sizeof(smtp_ext_known[0]) <=
    SMTP_EXT_KNOWN_MAX, "a length's candidates fit smtp_ext_dec");
static pthread_once_t smtp_ext_dec_once = PTHREAD_ONCE_INIT;

static void
smtp_ext_dec_init(void)
{
	const struct smtp_ext_known *k;
	struct smtp_ext_dec *d;
	size_t len;
	int fate;

	/* Best first: masked, then unknown, then passing; inside a fate in
	 * table order. */
	for (fate = SMTP_EXT_FATE_MASKED; fate <= SMTP_EXT_FATE_PASSES;
	    fate++)
		for (k = smtp_ext_known; k->kw != NULL; k++) {
			len = strlen(k->kw);
			if ((int)k->fate != fate || len > SMTP_EXT_KW_LEN_MAX)
				continue;
			d = &smtp_ext_dec[len];
			d->kw[d->n] = k->kw;
			d->asa[d->n] = smtp_ext_asa_masks(k->kw);
			d->n++;
		}
}

size_t
smtp_ext_decode_asa(size_t len, const char **out, int *asa, size_t max)
{
	const struct smtp_ext_dec *d;
	size_t i;

	if (len > SMTP_EXT_KW_LEN_MAX)
		return 0;	/* no known keyword is that long */
	pthread_once(&smtp_ext_dec_once, smtp_ext_dec_init);
	d = &smtp_ext_dec[len];
	for (i = 0; i < d->n && i < max; i++) {
		out[i] = d->kw[i];
		if (asa != NULL)
			asa[i] = d->asa[i];
	}
	return d->n;
}

size_t
smtp_ext_decode(size_t len, const char **out, size_t max)
{
	return smtp_ext_decode_asa(len, out, NULL, max);
}

int
smtp_ext_asa_masks(const char *kw)
{
	const struct smtp_ext_known *k;

	for (k = smtp_ext_known; k->kw != NULL; k++) {
		/* First letters differ in more than case: not this one
		 * (cheaper than the call, which most entries fail). */
		if (((k->kw[0] ^ kw[0]) & ~0x20) != 0 ||
		    strcasecmp(k->kw, kw) != 0)
			continue;
		if (k->fate == SMTP_EXT_FATE_MASKED)
			return 1;
		return k->fate == SMTP_EXT_FATE_PASSES ? 0 : -1;
	}
	return -1;
}

/* RFC 5321 4.1.1.1: ehlo-keyword = (ALPHA / DIGIT) *(ALPHA/DIGIT/"-") */
static int
smtp_ext_kw_ok(const char *p, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		char ch = p[i];
		int alnum = (ch >= 'A' && ch <= 'Z') ||
		    (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');

		if (!alnum && (i == 0 || ch != '-'))
			return 0;
	}
	return 1;
}

/* Fill e from one reply line's text (after "250-" / "250 "). */
static void
smtp_ext_line(struct smtp_ext *e, const char *t, size_t len,
    struct arena *a)
{
	size_t tok = 0, kl, pstart, copy;

	while (tok < len && t[tok] != ' ')
		tok++;
	/* Old "AUTH=LOGIN PLAIN" form: keyword "AUTH=" and its params. */
	for (kl = 0; kl < tok && t[kl] != '='; kl++)
		;
	if (kl < tok) {
		kl++;
		pstart = kl;
		if (kl == 5 && strncasecmp(t, "AUTH=", 5) == 0)
			e->anomalies |= SMTP_EXT_OLD_AUTH;
		if (!smtp_ext_kw_ok(t, kl - 1))
			e->anomalies |= SMTP_EXT_BAD_CHARS;
	} else {
		pstart = tok < len ? tok + 1 : tok;
		if (kl > 0 && !smtp_ext_kw_ok(t, kl))
			e->anomalies |= SMTP_EXT_BAD_CHARS;
	}
	if (kl == 0)
		e->anomalies |= SMTP_EXT_EMPTY;
	e->kwlen = kl;
	e->toklen = tok;
	copy = kl;
	if (copy >= sizeof(e->keyword)) {
		copy = sizeof(e->keyword) - 1;
		e->anomalies |= SMTP_EXT_LONG;
	}
	memcpy(e->keyword, t, copy);
	e->keyword[copy] = '\0';
	e->params_len = len - pstart;
	/* In the arena, or on the heap when a is NULL (arena.h). */
	e->params = arena_memdup0(a, t + pstart, e->params_len);
	e->masked = smtp_ext_is_masked(t, kl, &e->mask_letter);
	if (e->masked)
		e->mask_len = kl;
}

static int
smtp_ext_parse_in(const struct smtp_reply *r, struct smtp_ext_list *out,
    struct arena *a)
{
	struct smtp_ext *e;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->in_arena = a != NULL;
	if (r == NULL || r->code != 250)
		return -1;
	if (r->nlines < 2)
		return 0;
	out->v = arena_calloc(a, r->nlines - 1, sizeof(*out->v));
	out->letters_consistent = 1;
	for (i = 1; i < r->nlines; i++) {
		e = &out->v[out->n++];
		e->position = i;
		e->mask_index = -1;
		smtp_ext_line(e, r->lines[i].text, r->lines[i].len, a);
		if (!e->masked)
			continue;
		/* ASA letters count A, B, C... over one reply's masked
		 * keywords (behaviour reference 2, OBS). */
		e->mask_index = (int)out->nmasked++;
		if (e->mask_letter != 'A' + e->mask_index) {
			e->anomalies |= SMTP_EXT_LETTER_OUT_OF_ORDER;
			out->letters_consistent = 0;
		}
	}
	if (out->nmasked == 0)
		out->letters_consistent = 0;
	return 0;
}

int
smtp_ext_parse(const struct smtp_reply *r, struct smtp_ext_list *out)
{
	return smtp_ext_parse_in(r, out, NULL);
}

int
smtp_ext_parse_arena(const struct smtp_reply *r, struct smtp_ext_list *out,
    struct arena *a)
{
	return smtp_ext_parse_in(r, out, a);
}

void
smtp_ext_list_free(struct smtp_ext_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	if (!l->in_arena) {
		for (i = 0; i < l->n; i++)
			free(l->v[i].params);
		free(l->v);
	}
	memset(l, 0, sizeof(*l));
}

const struct smtp_ext *
smtp_ext_find(const struct smtp_ext_list *l, const char *kw)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (((l->v[i].keyword[0] ^ kw[0]) & ~0x20) == 0 &&
		    strcasecmp(l->v[i].keyword, kw) == 0)
			return &l->v[i];
	return NULL;
}
