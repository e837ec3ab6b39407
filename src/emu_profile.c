/* emu_profile.c - built-in emulator profiles and the parameter table. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emu_profile.h"
#include "mg_limits.h"
#include "util.h"

/*
 * Allowed EHLO keywords seen passing an ASA (middlebox-behaviour.md 2,
 * OBS), plus BINARYMIME and CHECKPOINT (INF: "may also pass").  AUTH=
 * is the old "AUTH=LOGIN" form: an entry ending in '=' is a prefix.
 */
#define EMU_ASA_KEYWORDS "8BITMIME,AUTH,AUTH=,BINARYMIME,CHECKPOINT,DSN," \
	"ENHANCEDSTATUSCODES,ETRN,PIPELINING,SIZE,VRFY"

/* ASA _default_esmtp_map limits (Cisco ASA 9.x configuration guide). */
#define EMU_ASA_LIMITS \
	.cmd_line_max = 512, .rcpt_max = 100, .header_line_max = 998, \
	.sender_max = 320, .mime_filename_max = 255, .body_line_max = 998, \
	.drop = 1

/* The table of middlebox-behaviour.md section 5. */
static const struct emu_profile emu_builtins[] = {
	{ .name = "off", .banner = EMU_BANNER_NONE,
	  .refuse = EMU_REFUSE_XFILL, .answer_text = "250 OK",
	  .verbs = EMU_VERBS_ALL, .log_style = EMU_LOG_NONE },
	/* PIX 4.0/4.1 mailhost: answers refused commands "OK" itself
	 * (Microsoft's goodmorning test); exact bytes INF: "250 OK". */
	{ .name = "pix-4.1", .banner = EMU_BANNER_CMAP,
	  .refuse = EMU_REFUSE_ANSWER_OK, .answer_text = "250 OK",
	  .verbs = EMU_VERBS_RFC821, .log_style = EMU_LOG_PIX },
	/* PIX 4.2-4.4 fixup protocol smtp 25. */
	{ .name = "pix-4.4", .banner = EMU_BANNER_AFTER4,
	  .refuse = EMU_REFUSE_XFILL, .answer_text = "250 OK",
	  .verbs = EMU_VERBS_RFC821, .log_style = EMU_LOG_PIX },
	/*
	 * PIX 5.1: NOOP rewrite (OBS), CSCds90792 not yet fixed (DOC: "the
	 * server never answers 250, the sender times out and retries, and
	 * the recipient gets the same message again and again").  "late"
	 * reproduces both halves: no 250 while the sender waits, and the
	 * held CRLF reaches the server when the sender gives up (closes,
	 * or sends QUIT/RSET), so the message is delivered then and the
	 * retry delivers it again.  "swallow" (never delivered) would
	 * explain the missing 250 but not the duplicates.
	 */
	{ .name = "pix-5.1", .banner = EMU_BANNER_ZERO_TWO,
	  .refuse = EMU_REFUSE_NOOP, .answer_text = "250 OK",
	  .verbs = EMU_VERBS_RFC821, .eod_split_bug = EMU_EOD_LATE,
	  .pipe_replace = 1, .log_style = EMU_LOG_PIX },
	{ .name = "pix-6.3", .banner = EMU_BANNER_ZERO_TWO,
	  .refuse = EMU_REFUSE_NOOP, .answer_text = "250 OK",
	  .verbs = EMU_VERBS_RFC821, .pipe_replace = 1,
	  .log_style = EMU_LOG_PIX },
	{ .name = "asa", .banner = EMU_BANNER_ASA,
	  .refuse = EMU_REFUSE_XFILL, .answer_text = "250 OK",
	  .verbs = EMU_VERBS_ASA, .ehlo_mask = 1,
	  .keywords = EMU_ASA_KEYWORDS, .interactive_xfill = 1,
	  .pipe_replace = 1, .size_check = 1, EMU_ASA_LIMITS,
	  .log_style = EMU_LOG_ASA },
	{ .name = "asa-allow-tls", .banner = EMU_BANNER_ASA,
	  .refuse = EMU_REFUSE_XFILL, .answer_text = "250 OK",
	  .verbs = EMU_VERBS_ASA, .ehlo_mask = 1,
	  .keywords = EMU_ASA_KEYWORDS, .allow_tls = 1,
	  .interactive_xfill = 1, .pipe_replace = 1, .size_check = 1,
	  EMU_ASA_LIMITS, .log_style = EMU_LOG_ASA },
};

#define EMU_NBUILTINS (sizeof(emu_builtins) / sizeof(emu_builtins[0]))

/* RFC 821 section 4.5.1 minimum implementation (PIX fixup smtp). */
static const char *const emu_verbs_rfc821[] = {
	"HELO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT", NULL
};
/* The fifteen commands inspect esmtp lets through (ASA guide). */
static const char *const emu_verbs_asa[] = {
	"AUTH", "DATA", "EHLO", "ETRN", "HELO", "HELP", "MAIL", "NOOP",
	"QUIT", "RCPT", "RSET", "SAML", "SEND", "SOML", "VRFY", NULL
};

static const char *const emu_banner_names[] = {
	[EMU_BANNER_NONE] = "none", [EMU_BANNER_CMAP] = "cmap",
	[EMU_BANNER_AFTER4] = "after4", [EMU_BANNER_ZERO_TWO] = "zero-two",
	[EMU_BANNER_ASA] = "asa", NULL
};
static const char *const emu_refuse_names[] = {
	[EMU_REFUSE_ANSWER_OK] = "answer-ok", [EMU_REFUSE_XFILL] = "xfill",
	[EMU_REFUSE_NOOP] = "noop", NULL
};
static const char *const emu_eod_names[] = {
	[EMU_EOD_OFF] = "off", [EMU_EOD_SWALLOW] = "swallow",
	[EMU_EOD_LATE] = "late", NULL
};
static const char *const emu_style_names[] = {
	[EMU_LOG_NONE] = "none", [EMU_LOG_PIX] = "pix", [EMU_LOG_ASA] = "asa",
	NULL
};

enum emu_ptype { EMU_P_BOOL, EMU_P_U32, EMU_P_ENUM, EMU_P_TEXT, EMU_P_LIST,
	EMU_P_VERBS, EMU_P_EOD };

/* One parameter: drives set, load and format. */
static const struct emu_param {
	const char		*name;
	enum emu_ptype		 type;
	size_t			 off;
	size_t			 size;		/* TEXT/LIST storage */
	const char *const	*names;		/* ENUM */
	const char		*help;
} emu_params[] = {
#define P(n, t, f, nm, h) { .name = n, .type = t, \
	.off = offsetof(struct emu_profile, f), \
	.size = sizeof(((struct emu_profile *)0)->f), .names = nm, .help = h }
	P("banner", EMU_P_ENUM, banner, emu_banner_names,
	    "greeting mask: none cmap after4 zero-two asa"),
	P("refuse", EMU_P_ENUM, refuse, emu_refuse_names,
	    "refused command: answer-ok xfill noop"),
	P("answer_text", EMU_P_TEXT, answer_text, NULL,
	    "reply the box sends itself (answer-ok), CRLF added"),
	P("verbs", EMU_P_VERBS, verbs, NULL,
	    "allowed verbs: all rfc821 asa or a comma list"),
	P("ehlo_mask", EMU_P_BOOL, ehlo_mask, NULL,
	    "mask EHLO reply keywords outside 'keywords'"),
	P("keywords", EMU_P_LIST, keywords, NULL,
	    "EHLO keywords that pass (comma list, 'X=' is a prefix)"),
	P("mask_params", EMU_P_BOOL, mask_params, NULL,
	    "X-fill the parameters of a masked keyword too"),
	P("allow_tls", EMU_P_BOOL, allow_tls, NULL,
	    "STARTTLS passes; inspection stops after its 220"),
	P("eod_split_bug", EMU_P_EOD, eod_split_bug, emu_eod_names,
	    "CSCds90792 split end-of-data CRLF: off swallow late"),
	P("interactive_xfill", EMU_P_BOOL, interactive_xfill, NULL,
	    "Cisco 113423: X-fill a verb cut by a segment end"),
	P("pipe_replace", EMU_P_BOOL, pipe_replace, NULL,
	    "'|' in MAIL/RCPT becomes ' ' (108002)"),
	P("special_char_drop", EMU_P_BOOL, special_char_drop, NULL,
	    "'|' '`' NUL in MAIL/RCPT drop the connection (108003)"),
	P("size_check", EMU_P_BOOL, size_check, NULL,
	    "log 108006 when data exceeds the declared SIZE"),
	P("cmd_line_max", EMU_P_U32, cmd_line_max, NULL,
	    "command line length limit (0 off)"),
	P("rcpt_max", EMU_P_U32, rcpt_max, NULL,
	    "RCPT per message limit (0 off)"),
	P("header_line_max", EMU_P_U32, header_line_max, NULL,
	    "header line length limit (0 off)"),
	P("sender_max", EMU_P_U32, sender_max, NULL,
	    "sender address length limit (0 off)"),
	P("mime_filename_max", EMU_P_U32, mime_filename_max, NULL,
	    "MIME filename length limit (0 off)"),
	P("body_line_max", EMU_P_U32, body_line_max, NULL,
	    "body line length, log only (0 off)"),
	P("drop", EMU_P_BOOL, drop, NULL,
	    "limits drop the connection (off: log only)"),
	P("drop_421", EMU_P_BOOL, drop_421, NULL,
	    "send 421 to the client before dropping"),
	P("log_style", EMU_P_ENUM, log_style, emu_style_names,
	    "syslog lines: none pix asa"),
#undef P
	{ .name = NULL }
};

const struct emu_profile *
emu_profile_builtin(const char *name)
{
	size_t i;

	for (i = 0; i < EMU_NBUILTINS; i++)
		if (strcmp(emu_builtins[i].name, name) == 0)
			return &emu_builtins[i];
	return NULL;
}

size_t
emu_profile_count(void)
{
	return EMU_NBUILTINS;
}

const struct emu_profile *
emu_profile_at(size_t i)
{
	return i < EMU_NBUILTINS ? &emu_builtins[i] : NULL;
}

const char *
emu_banner_name(enum emu_banner b)
{
	return (unsigned)b < EMU_BANNER__COUNT ? emu_banner_names[b] : "?";
}

const char *
emu_refuse_name(enum emu_refuse r)
{
	return (unsigned)r < EMU_REFUSE__COUNT ? emu_refuse_names[r] : "?";
}

const char *
emu_eod_name(enum emu_eod e)
{
	return (unsigned)e < EMU_EOD__COUNT ? emu_eod_names[e] : "?";
}

/* Does the comma list hold this slice (any case)? */
static int
emu_list_has(const char *list, const char *w, size_t len, int prefix_eq)
{
	const char *p = list, *e;
	size_t n;

	while (*p != '\0') {
		e = strchr(p, ',');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n > 0 && prefix_eq && p[n - 1] == '=' && len >= n &&
		    strncasecmp(p, w, n) == 0)
			return 1;
		if (n == len && strncasecmp(p, w, n) == 0)
			return 1;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int
emu_table_has(const char *const *t, const char *w, size_t len)
{
	for (; *t != NULL; t++)
		if (strlen(*t) == len && strncasecmp(*t, w, len) == 0)
			return 1;
	return 0;
}

int
emu_profile_verb_ok(const struct emu_profile *p, const char *verb,
    size_t len)
{
	/* allow-tls: STARTTLS passes (ASA 7.2(3)+/8.0(3)+). */
	if (p->allow_tls && len == 8 && strncasecmp(verb, "STARTTLS", 8) == 0)
		return 1;
	switch (p->verbs) {
	case EMU_VERBS_ALL:
		return 1;
	case EMU_VERBS_RFC821:
		return emu_table_has(emu_verbs_rfc821, verb, len);
	case EMU_VERBS_ASA:
		return emu_table_has(emu_verbs_asa, verb, len);
	case EMU_VERBS_CUSTOM:
	default:
		return emu_list_has(p->verbs_custom, verb, len, 0);
	}
}

static int
emu_table_prefix(const char *const *t, const char *w, size_t len)
{
	for (; *t != NULL; t++)
		if (strlen(*t) >= len && strncasecmp(*t, w, len) == 0)
			return 1;
	return 0;
}

int
emu_profile_verb_prefix_ok(const struct emu_profile *p, const char *verb,
    size_t len)
{
	const char *s, *e;
	size_t n;

	if (p->allow_tls && len <= 8 && strncasecmp(verb, "STARTTLS", len) == 0)
		return 1;
	switch (p->verbs) {
	case EMU_VERBS_ALL:
		return 1;
	case EMU_VERBS_RFC821:
		return emu_table_prefix(emu_verbs_rfc821, verb, len);
	case EMU_VERBS_ASA:
		return emu_table_prefix(emu_verbs_asa, verb, len);
	case EMU_VERBS_CUSTOM:
	default:
		break;
	}
	for (s = p->verbs_custom; *s != '\0'; s += *s == ',') {
		e = strchr(s, ',');
		n = e ? (size_t)(e - s) : strlen(s);
		if (len <= n && strncasecmp(s, verb, len) == 0)
			return 1;
		s += n;
	}
	return 0;
}

int
emu_profile_keyword_ok(const struct emu_profile *p, const char *kw,
    size_t len)
{
	if (!p->ehlo_mask)
		return 1;
	if (p->allow_tls && len == 8 && strncasecmp(kw, "STARTTLS", 8) == 0)
		return 1;
	return emu_list_has(p->keywords, kw, len, 1);
}

int
emu_profile_keyword_prefix_ok(const struct emu_profile *p, const char *kw,
    size_t len)
{
	const char *s = p->keywords, *e;
	size_t n;

	if (!p->ehlo_mask)
		return 1;
	if (p->allow_tls && len <= 8 && strncasecmp(kw, "STARTTLS", len) == 0)
		return 1;
	while (*s != '\0') {
		e = strchr(s, ',');
		n = e ? (size_t)(e - s) : strlen(s);
		if (len <= n && strncasecmp(s, kw, len) == 0)
			return 1;
		if (n > 0 && s[n - 1] == '=' && len >= n &&
		    strncasecmp(s, kw, n) == 0)
			return 1;
		s += n;
		if (*s == ',')
			s++;
	}
	return 0;
}


static const struct emu_param *
emu_param_find(const char *name)
{
	const struct emu_param *q;
	char n[64];
	size_t i;

	if (util_strlcpy(n, name, sizeof(n)) >= sizeof(n))
		return NULL;
	for (i = 0; n[i] != '\0'; i++)		/* "drop-421" == "drop_421" */
		if (n[i] == '-')
			n[i] = '_';
	for (q = emu_params; q->name != NULL; q++)
		if (strcmp(q->name, n) == 0)
			return q;
	return NULL;
}

static int
emu_parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "on", "yes", "true", "1", NULL };
	static const char *const no[] = { "off", "no", "false", "0", NULL };
	size_t i;

	for (i = 0; yes[i] != NULL; i++)
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
	for (i = 0; no[i] != NULL; i++)
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	return -1;
}

/* A comma list of tokens: letters, digits, '-', '_', '='; no empties. */
static int
emu_list_valid(const char *v)
{
	size_t i, tok = 0;

	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] == ',') {
			if (tok == 0)
				return -1;
			tok = 0;
		} else if (isalnum((unsigned char)v[i]) || v[i] == '-' ||
		    v[i] == '_' || v[i] == '=') {
			tok++;
		} else
			return -1;
	}
	return i == 0 || tok > 0 ? 0 : -1;
}

static int
emu_text_valid(const char *v)
{
	for (; *v != '\0'; v++)
		if ((unsigned char)*v < 0x20 || (unsigned char)*v > 0x7e)
			return -1;
	return 0;
}

static int
emu_set_enum(const struct emu_param *q, void *f, const char *v)
{
	int i;

	for (i = 0; q->names[i] != NULL; i++)
		if (strcasecmp(q->names[i], v) == 0) {
			*(int *)f = i;
			return 0;
		}
	return -1;
}

/* off|swallow|late; the boolean words of older profiles (0/1, on/off...)
 * still work: the bug was a switch before "late" existed. */
static int
emu_set_eod(const struct emu_param *q, void *f, const char *v)
{
	int on;

	if (emu_set_enum(q, f, v) == 0)
		return 0;
	if (emu_parse_bool(v, &on) < 0)
		return -1;
	*(int *)f = on ? EMU_EOD_SWALLOW : EMU_EOD_OFF;
	return 0;
}

static int
emu_set_verbs(struct emu_profile *p, const char *v)
{
	if (strcasecmp(v, "all") == 0)
		p->verbs = EMU_VERBS_ALL;
	else if (strcasecmp(v, "rfc821") == 0)
		p->verbs = EMU_VERBS_RFC821;
	else if (strcasecmp(v, "asa") == 0)
		p->verbs = EMU_VERBS_ASA;
	else {
		if (*v == '\0' || emu_list_valid(v) < 0 ||
		    strlen(v) >= sizeof(p->verbs_custom))
			return -1;
		util_strlcpy(p->verbs_custom, v, sizeof(p->verbs_custom));
		p->verbs = EMU_VERBS_CUSTOM;
	}
	return 0;
}

static int
emu_set_value(struct emu_profile *p, const struct emu_param *q,
    const char *v)
{
	void *f = (char *)p + q->off;
	uint64_t u;

	switch (q->type) {
	case EMU_P_BOOL:
		return emu_parse_bool(v, (int *)f);
	case EMU_P_U32:
		if (util_parse_u64(v, 0, UINT32_MAX, &u) < 0)
			return -1;
		*(uint32_t *)f = (uint32_t)u;
		return 0;
	case EMU_P_ENUM:
		return emu_set_enum(q, f, v);
	case EMU_P_EOD:
		return emu_set_eod(q, f, v);
	case EMU_P_TEXT:
		if (emu_text_valid(v) < 0 || strlen(v) >= q->size)
			return -1;
		util_strlcpy(f, v, q->size);
		return 0;
	case EMU_P_LIST:
		if (emu_list_valid(v) < 0 || strlen(v) >= q->size)
			return -1;
		util_strlcpy(f, v, q->size);
		return 0;
	case EMU_P_VERBS:
	default:
		return emu_set_verbs(p, v);
	}
}

int
emu_profile_set(struct emu_profile *p, const char *name, const char *value,
    char *errbuf)
{
	const struct emu_param *q;

	if (strcmp(name, "name") == 0 || strcmp(name, "profile") == 0) {
		if (*value == '\0' || strchr(value, ',') != NULL ||
		    strpbrk(value, " \t=") != NULL ||
		    emu_text_valid(value) < 0 ||
		    util_strlcpy(p->name, value, sizeof(p->name)) >=
		    sizeof(p->name)) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE,
			    "bad profile name '%.40s'", value);
			return -1;
		}
		return 0;
	}
	if ((q = emu_param_find(name)) == NULL) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE,
		    "unknown profile parameter '%.40s'", name);
		return -1;
	}
	if (emu_set_value(p, q, value) < 0) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE,
		    "bad value '%.60s' for %s (%s)", value, q->name, q->help);
		return -1;
	}
	return 0;
}

/* Trim spaces and tabs at both ends, in place. */
static char *
emu_trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

int
emu_profile_set_arg(struct emu_profile *p, const char *arg, char *errbuf)
{
	char tmp[EMU_PROFILE_LIST_MAX + 64], *eq;

	if (util_strlcpy(tmp, arg, sizeof(tmp)) >= sizeof(tmp) ||
	    (eq = strchr(tmp, '=')) == NULL) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE,
		    "--set wants name=value, not '%.60s'", arg);
		return -1;
	}
	*eq = '\0';
	return emu_profile_set(p, emu_trim(tmp), emu_trim(eq + 1), errbuf);
}

/* One line of a profile file; lineno counts from 1. */
static int
emu_load_line(struct emu_profile *p, char *line, int *seen_param,
    char *errbuf)
{
	const struct emu_profile *b;
	char *s = emu_trim(line), *eq;

	if (*s == '\0' || *s == '#')
		return 0;
	if (strncmp(s, "base", 4) == 0 && (s[4] == ' ' || s[4] == '\t')) {
		if (*seen_param) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE,
			    "'base' must come before any parameter");
			return -1;
		}
		if ((b = emu_profile_builtin(emu_trim(s + 5))) == NULL) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE,
			    "unknown base profile '%.40s'", emu_trim(s + 5));
			return -1;
		}
		*p = *b;
		return 0;
	}
	if (strncmp(s, "profile", 7) == 0 && (s[7] == ' ' || s[7] == '\t'))
		return emu_profile_set(p, "name", emu_trim(s + 8), errbuf);
	if ((eq = strchr(s, '=')) == NULL) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE,
		    "expected 'name = value', 'base NAME' or 'profile NAME'");
		return -1;
	}
	*eq = '\0';
	*seen_param = 1;
	return emu_profile_set(p, emu_trim(s), emu_trim(eq + 1), errbuf);
}

int
emu_profile_load_mem(struct emu_profile *p, const char *text, size_t len,
    const char *where, char *errbuf)
{
	char line[MG_LINE_MAX], err[MG_ERRBUF_SIZE];
	size_t i = 0, n;
	int lineno = 0, seen = 0;

	while (i < len) {
		lineno++;
		for (n = 0; i + n < len && text[i + n] != '\n'; n++)
			;
		if (n >= sizeof(line) || memchr(text + i, '\0', n) != NULL) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s:%d: line too "
			    "long or binary", where, lineno);
			return -1;
		}
		memcpy(line, text + i, n);
		line[n] = '\0';
		i += n + 1;
		if (emu_load_line(p, line, &seen, err) < 0) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s:%d: %s", where,
			    lineno, err);
			return -1;
		}
	}
	return 0;
}

int
emu_profile_load(struct emu_profile *p, const char *path, char *errbuf)
{
	FILE *fp;
	char *text;
	size_t n;
	int rc;

	if ((fp = fopen(path, "r")) == NULL) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: %s", path,
		    strerror(errno));
		return -1;
	}
	text = xmalloc(EMU_PROFILE_FILE_MAX + 1);
	n = fread(text, 1, EMU_PROFILE_FILE_MAX + 1, fp);
	if (ferror(fp) || n > EMU_PROFILE_FILE_MAX) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: %s", path,
		    ferror(fp) ? "read error" : "file too large");
		rc = -1;
	} else
		rc = emu_profile_load_mem(p, text, n, path, errbuf);
	free(text);
	fclose(fp);
	return rc;
}

static int
emu_format_value(const struct emu_profile *p, const struct emu_param *q,
    struct buf *out)
{
	const void *f = (const char *)p + q->off;
	static const char *const verbs[] = { "all", "rfc821", "asa" };

	switch (q->type) {
	case EMU_P_BOOL:
		return buf_append_str(out, *(const int *)f ? "on" : "off");
	case EMU_P_U32:
		return buf_printf(out, "%lu",
		    (unsigned long)*(const uint32_t *)f);
	case EMU_P_ENUM:
	case EMU_P_EOD:
		return buf_append_str(out, q->names[*(const int *)f]);
	case EMU_P_TEXT:
	case EMU_P_LIST:
		return buf_append_str(out, (const char *)f);
	case EMU_P_VERBS:
	default:
		if (p->verbs == EMU_VERBS_CUSTOM)
			return buf_append_str(out, p->verbs_custom);
		return buf_append_str(out, verbs[p->verbs]);
	}
}

int
emu_profile_format(const struct emu_profile *p, struct buf *out)
{
	const struct emu_param *q;
	int rc = buf_printf(out, "profile %s\n", p->name);

	for (q = emu_params; q->name != NULL && rc == 0; q++) {
		rc |= buf_printf(out, "  %s = ", q->name);
		rc |= emu_format_value(p, q, out);
		rc |= buf_append_str(out, "\n");
	}
	return rc == 0 ? 0 : -1;
}
