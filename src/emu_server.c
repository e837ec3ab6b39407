/* emu_server.c - SMTP session state machine of the built-in personalities. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu_server.h"
#include "emu_server_int.h"
#include "mg_limits.h"
#include "util.h"

static const char *const emu_server_state_names[EMU_SS__COUNT] = {
	[EMU_SS_CMD] = "cmd",
	[EMU_SS_DATA] = "data",
	[EMU_SS_BDAT] = "bdat",
	[EMU_SS_AUTH_USER] = "auth-user",
	[EMU_SS_AUTH_PASS] = "auth-pass",
	[EMU_SS_AUTH_PLAIN] = "auth-plain",
	[EMU_SS_CLOSED] = "closed",
};

const char *
emu_server_state_name(enum emu_server_state st)
{
	if ((unsigned)st >= EMU_SS__COUNT)
		return "?";
	return emu_server_state_names[st];
}

struct emu_server_sess *
emu_server_sess_new(const struct emu_server_cfg *cfg, const char *client_ip,
    unsigned long id)
{
	struct emu_server_sess *s;

	s = xcalloc(1, sizeof(*s));
	s->cfg = cfg;
	s->id = id;
	util_strlcpy(s->client, client_ip ? client_ip : "127.0.0.1",
	    sizeof(s->client));
	buf_init(&s->line, MG_LINE_MAX);
	buf_init(&s->env, MG_LINE_MAX * 4);
	s->st = EMU_SS_CMD;
	s->bdat_reject = -1;
	return s;
}

void
emu_server_sess_free(struct emu_server_sess *s)
{
	if (s == NULL)
		return;
	emu_server_msg_abort(s);
	buf_free(&s->line);
	buf_free(&s->env);
	free(s);
}

unsigned long
emu_server_sess_accepted(const struct emu_server_sess *s)
{
	return s->accepted;
}

/* Append slice p[0..n) to out with anything outside printable ASCII shown
 * as '?', at most max bytes (a quoted command must not break the reply). */
void
emu_server_esc(struct buf *out, const char *p, size_t n, size_t max)
{
	size_t i;

	for (i = 0; i < n && i < max; i++) {
		char c = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';

		(void)buf_append(out, &c, 1);
	}
}

void
emu_server_expand(const char *tmpl, const struct emu_server_tmpl_vars *v,
    struct buf *out)
{
	const char *t;
	char num[24];

	for (t = tmpl; *t != '\0'; t++) {
		if (*t == '\n') {
			(void)buf_append(out, "\r\n", 2);
			continue;
		}
		if (*t != '%' || t[1] == '\0') {
			(void)buf_append(out, t, 1);
			continue;
		}
		switch (*++t) {
		case 'h':
			(void)buf_append_str(out, v->host ? v->host : "");
			break;
		case 'c':
			(void)buf_append_str(out, v->client ? v->client : "");
			break;
		case 'd':
			(void)buf_append_str(out, v->date ? v->date : "");
			break;
		case 'q':
			(void)buf_append_str(out,
			    v->queue_id ? v->queue_id : "");
			break;
		case 'a':
			emu_server_esc(out, v->arg, v->arg ? v->arglen : 0,
			    100);
			break;
		case 'l':
			emu_server_esc(out, v->line, v->line ? v->linelen : 0,
			    100);
			break;
		case 'n':
			(void)snprintf(num, sizeof(num), "%llu",
			    (unsigned long long)v->num);
			(void)buf_append_str(out, num);
			break;
		default:
			(void)buf_append(out, t, 1);
			break;
		}
	}
	(void)buf_append(out, "\r\n", 2);
}

static void
emu_server_date(const struct emu_server_sess *s, char *dst, size_t size)
{
	uint64_t us = s->cfg->now_us ? s->cfg->now_us() : util_wall_us();
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(dst, size, "%a, %d %b %Y %H:%M:%S +0000", &tm) == 0)
		util_strlcpy(dst, "Thu, 01 Jan 1970 00:00:00 +0000", size);
}

void
emu_server_log(const struct emu_server_sess *s, const char *dir,
    const char *p, size_t n)
{
	struct buf b;

	if (s->cfg->log == NULL)
		return;
	buf_init(&b, MG_LINE_MAX + 64);
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	emu_server_esc(&b, p, n, MG_LINE_MAX);
	fprintf(s->cfg->log, "builtin:%s[%lu]: %s %s\n", s->cfg->pers->name,
	    s->id, dir, buf_cstr(&b));
	fflush(s->cfg->log);
	buf_free(&b);
}

/* Reply with template r; arg/line give %a and %l, num gives %n. */
void
emu_server_reply(struct emu_server_sess *s, enum emu_server_reply r,
    const char *arg, size_t arglen, uint64_t num, struct buf *out)
{
	const struct emu_server_personality *pp = s->cfg->pers;
	const char *tmpl = pp->reply[r];

	if (tmpl == NULL)
		tmpl = pp->reply[EMU_SR_UNKNOWN];
	emu_server_reply_tmpl(s, tmpl, arg, arglen, num, out);
}

/* Expand tmpl for this session into out, without logging. */
static void
emu_server_render(struct emu_server_sess *s, const char *tmpl,
    const char *arg, size_t arglen, uint64_t num, struct buf *out)
{
	struct emu_server_tmpl_vars v;
	char date[64];

	emu_server_date(s, date, sizeof(date));
	memset(&v, 0, sizeof(v));
	v.host = s->cfg->hostname ? s->cfg->hostname : "mail.example.com";
	v.client = s->client;
	v.date = date;
	v.queue_id = s->queue_id;
	v.arg = arg;
	v.arglen = arglen;
	v.line = s->cmdline;
	v.linelen = s->cmdlinelen;
	v.num = num;
	emu_server_expand(tmpl, &v, out);
}

/* Log out[start..) line by line. */
static void
emu_server_log_lines(const struct emu_server_sess *s, const struct buf *out,
    size_t start)
{
	size_t i, ls;

	for (i = ls = start; i < out->len; i++)
		if (out->data[i] == '\n') {
			emu_server_log(s, ">>>", (const char *)out->data + ls,
			    i + 1 - ls);
			ls = i + 1;
		}
}

void
emu_server_reply_tmpl(struct emu_server_sess *s, const char *tmpl,
    const char *arg, size_t arglen, uint64_t num, struct buf *out)
{
	size_t start = out->len;

	emu_server_render(s, tmpl, arg, arglen, num, out);
	emu_server_log_lines(s, out, start);
}

/* The keyword (first word of an EHLO line) offered now, or NULL. */
const struct emu_server_kw *
emu_server_offered(const struct emu_server_sess *s, const char *word)
{
	const struct emu_server_kw *k;
	size_t wl = strlen(word);

	for (k = s->cfg->pers->ehlo; k->text != NULL; k++) {
		if ((k->flags & EMU_SERVER_KW_PLAIN_ONLY) && s->tls)
			continue;
		if ((k->flags & EMU_SERVER_KW_TLS_ONLY) && !s->tls)
			continue;
		if (strncasecmp(k->text, word, wl) != 0 ||
		    (k->text[wl] != '\0' && k->text[wl] != ' '))
			continue;
		if (strcasecmp(word, "STARTTLS") == 0 && !s->cfg->tls_ok)
			continue;
		return k;
	}
	return NULL;
}

void
emu_server_ehlo_reply(struct emu_server_sess *s, struct buf *out)
{
	const struct emu_server_personality *pp = s->cfg->pers;
	const struct emu_server_kw *k, *last = NULL;
	const char *end = pp->reply[EMU_SR_EHLO_LAST];
	size_t start = out->len;

	/* RFC 5321 4.1.1.1: "250-" domain, then one keyword per line, the
	 * last line with "250 ". */
	for (k = pp->ehlo; k->text != NULL; k++)
		if (emu_server_offered(s, k->text) == k)
			last = k;
	(void)buf_append_str(out, last == NULL && end == NULL ? "250 " :
	    "250-");
	emu_server_render(s, pp->reply[EMU_SR_EHLO], NULL, 0, 0, out);
	for (k = pp->ehlo; k->text != NULL; k++) {
		if (emu_server_offered(s, k->text) != k)
			continue;
		(void)buf_append_str(out, k == last && end == NULL ? "250 " :
		    "250-");
		(void)buf_append_str(out, k->text);
		(void)buf_append(out, "\r\n", 2);
	}
	if (end != NULL) {
		(void)buf_append_str(out, "250 ");
		(void)buf_append_str(out, end);
		(void)buf_append(out, "\r\n", 2);
	}
	emu_server_log_lines(s, out, start);
}

void
emu_server_greet(struct emu_server_sess *s, struct buf *out)
{
	emu_server_reply(s, EMU_SR_GREETING, NULL, 0, 0, out);
}

void
emu_server_tls_started(struct emu_server_sess *s)
{
	/* RFC 3207 4.2: forget everything learnt before TLS; the client
	 * must say EHLO again. */
	s->tls = 1;
	s->helo = s->esmtp = s->authed = 0;
	emu_server_txn_reset(s);
	buf_reset(&s->line);
	s->discard = 0;
	s->st = EMU_SS_CMD;
}

/* Feed one complete line (with its LF) in a line-oriented state. */
static enum emu_server_rc
emu_server_line(struct emu_server_sess *s, struct buf *out)
{
	const char *p = (const char *)s->line.data;
	size_t n = s->line.len;

	switch (s->st) {
	case EMU_SS_DATA:
		return emu_server_data_line(s, p, n, out);
	case EMU_SS_CMD:
	case EMU_SS_AUTH_USER:
	case EMU_SS_AUTH_PASS:
	case EMU_SS_AUTH_PLAIN:
		break;
	case EMU_SS_BDAT:
	case EMU_SS_CLOSED:
	case EMU_SS__COUNT:
		return EMU_SERVER_CLOSE;
	}
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	if (s->discard) {
		s->discard = 0;
		emu_server_log(s, "<<<", "(over-long line)", 16);
		emu_server_reply(s, EMU_SR_TOO_LONG, NULL, 0, 0, out);
		return EMU_SERVER_OK;
	}
	if (s->st != EMU_SS_CMD)
		return emu_server_auth_line(s, p, n, out);
	return emu_server_command(s, p, n, out);
}

enum emu_server_rc
emu_server_feed(struct emu_server_sess *s, const uint8_t *p, size_t n,
    struct buf *out, size_t *used)
{
	enum emu_server_rc rc = EMU_SERVER_OK;
	size_t i = 0, k;
	const uint8_t *lf;

	while (i < n && rc == EMU_SERVER_OK) {
		if (s->st == EMU_SS_CLOSED) {
			rc = EMU_SERVER_CLOSE;
			break;
		}
		if (s->st == EMU_SS_BDAT) {
			k = n - i;
			if (k > s->bdat_left)
				k = (size_t)s->bdat_left;
			emu_server_msg_write(s, p + i, k);
			s->bdat_left -= k;
			i += k;
			if (s->bdat_left == 0)
				rc = emu_server_bdat_done(s, out);
			continue;
		}
		lf = memchr(p + i, '\n', n - i);
		k = lf ? (size_t)(lf - (p + i)) + 1 : n - i;
		if (s->line.len + k > MG_LINE_MAX) {
			/* Over the cap: a body line is passed on in pieces,
			 * a command line is discarded until its LF. */
			if (s->st == EMU_SS_DATA) {
				emu_server_data_bulk(s, (const char *)p + i,
				    k, lf != NULL);
				i += k;
				continue;
			}
			s->discard = 1;
			buf_reset(&s->line);
		}
		if (!s->discard)
			(void)buf_append(&s->line, p + i, k);
		i += k;
		if (lf == NULL)
			break;
		rc = emu_server_line(s, out);
		buf_reset(&s->line);
	}
	if (rc == EMU_SERVER_CLOSE)
		s->st = EMU_SS_CLOSED;
	*used = i;
	return rc;
}
