/* emu_server_cmd.c - verbs, message bodies (DATA, BDAT) and AUTH of the
 * built-in SMTP server. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "emu_server.h"
#include "emu_server_int.h"
#include "mg_limits.h"
#include "smtp_cmd.h"
#include "util.h"

/* A verb handler gets the parsed command (smtp_cmd.h), whether it parsed
 * as usable (SMTP_OK), and its argument text. */
struct emu_server_args {
	const struct smtp_cmd	*cmd;
	int			 ok;
	const char		*a;
	size_t			 n;
};

typedef enum emu_server_rc (*emu_server_verb_fn)(struct emu_server_sess *,
    const struct emu_server_args *, struct buf *);

struct emu_server_verbdef {
	enum smtp_verb		 verb;
	emu_server_verb_fn	 fn;
};

/* ---- transaction and message body ---- */

void
emu_server_txn_reset(struct emu_server_sess *s)
{
	emu_server_msg_abort(s);
	s->have_mail = 0;
	s->nrcpt = 0;
	buf_reset(&s->env);
	s->msg_failed = s->msg_too_big = 0;
	s->msg_bytes = 0;
	s->midline = 0;
	s->bdat_left = s->bdat_size = 0;
	s->bdat_last = 0;
	s->bdat_reject = -1;
}

void
emu_server_msg_abort(struct emu_server_sess *s)
{
	const struct emu_server_spool_ops *ops = s->cfg->spool;

	if (s->msg != NULL && ops != NULL)
		ops->abort(s->msg);
	s->msg = NULL;
	s->msg_open = 0;
}

/* Begin a message body: open the spool and write the envelope lines. */
static int
emu_server_msg_open(struct emu_server_sess *s)
{
	const struct emu_server_spool_ops *ops = s->cfg->spool;
	char errbuf[MG_ERRBUF_SIZE];

	s->msg_open = 1;
	if (ops == NULL)
		return 0;
	s->msg = ops->open(ops->ctx, s->queue_id, errbuf);
	if (s->msg == NULL ||
	    ops->write(s->msg, s->env.data, s->env.len, errbuf) == -1) {
		emu_server_log(s, "!!!", errbuf, strlen(errbuf));
		emu_server_msg_abort(s);
		s->msg_open = 1;
		s->msg_failed = 1;
		return -1;
	}
	return 0;
}

void
emu_server_msg_write(struct emu_server_sess *s, const void *p, size_t n)
{
	const struct emu_server_spool_ops *ops = s->cfg->spool;
	uint64_t max = s->cfg->pers->size_max ? s->cfg->pers->size_max :
	    EMU_SERVER_MSG_MAX;
	char errbuf[MG_ERRBUF_SIZE];

	s->msg_bytes += n;
	if (s->msg_bytes > max && !s->msg_too_big) {
		s->msg_too_big = 1;
		emu_server_msg_abort(s);
		s->msg_open = 1;
	}
	if (s->msg == NULL || n == 0)
		return;
	if (ops->write(s->msg, p, n, errbuf) == -1) {
		emu_server_log(s, "!!!", errbuf, strlen(errbuf));
		emu_server_msg_abort(s);
		s->msg_open = 1;
		s->msg_failed = 1;
	}
}

/* End of a message: 250 only when the spool made it durable. */
static void
emu_server_msg_finish(struct emu_server_sess *s, struct buf *out)
{
	const struct emu_server_spool_ops *ops = s->cfg->spool;
	char errbuf[MG_ERRBUF_SIZE], note[96];

	if (s->msg_too_big) {
		emu_server_reply(s, EMU_SR_TOO_BIG, NULL, 0, 0, out);
	} else if (s->msg_failed || (s->msg != NULL &&
	    ops->commit(s->msg, errbuf) == -1)) {
		if (!s->msg_failed)
			emu_server_log(s, "!!!", errbuf, strlen(errbuf));
		s->msg = NULL;
		emu_server_reply(s, EMU_SR_SPOOL_FAIL, NULL, 0, 0, out);
	} else {
		s->msg = NULL;
		s->accepted++;
		(void)snprintf(note, sizeof(note), "(message %s, %llu bytes)",
		    s->queue_id, (unsigned long long)s->msg_bytes);
		emu_server_log(s, "<<<", note, strlen(note));
		emu_server_reply(s, EMU_SR_QUEUED, NULL, 0, 0, out);
	}
	s->msg = NULL;
	s->msg_open = 0;
	emu_server_txn_reset(s);
}

/* A piece of a body line; RFC 5321 4.5.2: a leading dot is removed. */
static void
emu_server_data_piece(struct emu_server_sess *s, const char *p, size_t n)
{
	if (!s->midline && n > 0 && p[0] == '.') {
		p++;
		n--;
	}
	emu_server_msg_write(s, p, n);
	s->midline = 1;
}

void
emu_server_data_bulk(struct emu_server_sess *s, const char *p, size_t n,
    int ends_line)
{
	emu_server_data_piece(s, (const char *)s->line.data, s->line.len);
	buf_reset(&s->line);
	emu_server_data_piece(s, p, n);
	if (ends_line)
		s->midline = 0;
}

enum emu_server_rc
emu_server_data_line(struct emu_server_sess *s, const char *p, size_t n,
    struct buf *out)
{
	/* RFC 5321 4.1.1.4: the body ends with a line holding one dot. */
	if (!s->midline && ((n == 3 && memcmp(p, ".\r\n", 3) == 0) ||
	    (n == 2 && memcmp(p, ".\n", 2) == 0))) {
		s->st = EMU_SS_CMD;
		emu_server_msg_finish(s, out);
		return EMU_SERVER_OK;
	}
	emu_server_data_piece(s, p, n);
	s->midline = 0;
	return EMU_SERVER_OK;
}

enum emu_server_rc
emu_server_bdat_done(struct emu_server_sess *s, struct buf *out)
{
	s->st = EMU_SS_CMD;
	if (s->bdat_reject >= 0) {
		emu_server_reply(s, (enum emu_server_reply)s->bdat_reject,
		    NULL, 0, 0, out);
		s->bdat_reject = -1;
		return EMU_SERVER_OK;
	}
	if (s->bdat_last)
		emu_server_msg_finish(s, out);
	else
		emu_server_reply(s, EMU_SR_BDAT_CHUNK, NULL, 0, s->bdat_size,
		    out);
	return EMU_SERVER_OK;
}

/* ---- verbs ---- */

static enum emu_server_rc
emu_server_v_helo(struct emu_server_sess *s, const struct emu_server_args *x,
    struct buf *out)
{
	const char *a = x->a;
	size_t n = x->n;

	if (n == 0) {
		emu_server_reply(s, EMU_SR_SYNTAX, NULL, 0, 0, out);
		return EMU_SERVER_OK;
	}
	emu_server_txn_reset(s);
	s->helo = 1;
	s->esmtp = 0;
	emu_server_reply(s, EMU_SR_HELO, a, n, 0, out);
	return EMU_SERVER_OK;
}

static enum emu_server_rc
emu_server_v_ehlo(struct emu_server_sess *s, const struct emu_server_args *x,
    struct buf *out)
{
	if (x->n == 0) {
		emu_server_reply(s, EMU_SR_SYNTAX, NULL, 0, 0, out);
		return EMU_SERVER_OK;
	}
	emu_server_txn_reset(s);
	s->helo = s->esmtp = 1;
	emu_server_ehlo_reply(s, out);
	return EMU_SERVER_OK;
}

static enum emu_server_rc
emu_server_v_mail(struct emu_server_sess *s, const struct emu_server_args *x,
    struct buf *out)
{
	const struct smtp_cmd *c = x->cmd;
	const char *addr = (const char *)c->addr.p;
	size_t alen = c->addr.len;
	uint64_t max = s->cfg->pers->size_max ? s->cfg->pers->size_max :
	    EMU_SERVER_MSG_MAX;

	if (!s->helo && s->cfg->pers->helo_required)
		emu_server_reply(s, EMU_SR_NEED_HELO, NULL, 0, 0, out);
	else if (s->have_mail)
		emu_server_reply(s, EMU_SR_NESTED_MAIL, NULL, 0, 0, out);
	else if (!x->ok || (!c->have_addr && !c->null_path))
		emu_server_reply(s, EMU_SR_SYNTAX, NULL, 0, 0, out);
	else if (s->esmtp && c->have_size && c->size > max)
		/* RFC 1870 6.1: 552 to a declared size over the limit. */
		emu_server_reply(s, EMU_SR_TOO_BIG, NULL, 0, 0, out);
	else {
		if (c->null_path)
			alen = 0;
		s->have_mail = 1;
		s->msgseq++;
		(void)snprintf(s->queue_id, sizeof(s->queue_id),
		    "%05lX%05lX", s->id & 0xfffffUL, s->msgseq & 0xfffffUL);
		(void)buf_append_str(&s->env, "Return-Path: <");
		emu_server_esc(&s->env, addr, alen, 512);
		(void)buf_append_str(&s->env, ">\r\n");
		emu_server_reply(s, EMU_SR_MAIL, addr, alen, 0, out);
	}
	return EMU_SERVER_OK;
}

static enum emu_server_rc
emu_server_v_rcpt(struct emu_server_sess *s, const struct emu_server_args *x,
    struct buf *out)
{
	const struct smtp_cmd *c = x->cmd;

	if (!s->have_mail)
		emu_server_reply(s, EMU_SR_NEED_MAIL, NULL, 0, 0, out);
	else if (!x->ok || !c->have_addr || c->addr.len == 0 ||
	    s->nrcpt >= EMU_SERVER_RCPT_MAX)
		emu_server_reply(s, EMU_SR_SYNTAX, NULL, 0, 0, out);
	else {
		s->nrcpt++;
		(void)buf_append_str(&s->env, "X-Mailguard-Rcpt-To: <");
		emu_server_esc(&s->env, (const char *)c->addr.p, c->addr.len,
		    512);
		(void)buf_append_str(&s->env, ">\r\n");
		emu_server_reply(s, EMU_SR_RCPT, (const char *)c->addr.p,
		    c->addr.len, 0, out);
	}
	return EMU_SERVER_OK;
}

static enum emu_server_rc
emu_server_v_data(struct emu_server_sess *s, const struct emu_server_args *x,
    struct buf *out)
{
	(void)x;
	if (!s->have_mail)
		emu_server_reply(s, EMU_SR_NEED_MAIL, NULL, 0, 0, out);
	else if (s->nrcpt == 0)
		emu_server_reply(s, EMU_SR_NEED_RCPT, NULL, 0, 0, out);
	else if (emu_server_msg_open(s) == -1) {
		emu_server_reply(s, EMU_SR_SPOOL_FAIL, NULL, 0, 0, out);
		emu_server_txn_reset(s);
	} else {
		s->st = EMU_SS_DATA;
		s->midline = 0;
		emu_server_reply(s, EMU_SR_DATA, NULL, 0, 0, out);
	}
	return EMU_SERVER_OK;
}

/* RFC 3030 2: "BDAT" SP chunk-size [SP "LAST"]; the chunk is read even
 * when the transaction is refused. */
static enum emu_server_rc
emu_server_v_bdat(struct emu_server_sess *s, const struct emu_server_args *x,
    struct buf *out)
{
	if (emu_server_offered(s, "CHUNKING") == NULL || !s->esmtp) {
		emu_server_reply(s, EMU_SR_NOT_OFFERED, NULL, 0, 0, out);
		return EMU_SERVER_OK;
	}
	if (!x->ok) {
		emu_server_reply(s, EMU_SR_SYNTAX, NULL, 0, 0, out);
		return EMU_SERVER_OK;
	}
	s->bdat_size = s->bdat_left = x->cmd->bdat_size;
	s->bdat_last = x->cmd->bdat_last;
	s->bdat_reject = -1;
	if (!s->have_mail)
		s->bdat_reject = EMU_SR_NEED_MAIL;
	else if (s->nrcpt == 0)
		s->bdat_reject = EMU_SR_NEED_RCPT;
	else if (!s->msg_open)
		(void)emu_server_msg_open(s);
	s->st = EMU_SS_BDAT;
	if (s->bdat_left == 0)
		return emu_server_bdat_done(s, out);
	return EMU_SERVER_OK;
}

static enum emu_server_rc
emu_server_v_rset(struct emu_server_sess *s, const struct emu_server_args *x,
    struct buf *out)
{
	(void)x;
	emu_server_txn_reset(s);
	emu_server_reply(s, EMU_SR_RSET, NULL, 0, 0, out);
	return EMU_SERVER_OK;
}

static enum emu_server_rc
emu_server_v_noop(struct emu_server_sess *s, const struct emu_server_args *x,
    struct buf *out)
{
	(void)x;
	emu_server_reply(s, EMU_SR_NOOP, NULL, 0, 0, out);
	return EMU_SERVER_OK;
}

static enum emu_server_rc
emu_server_v_quit(struct emu_server_sess *s, const struct emu_server_args *x,
    struct buf *out)
{
	(void)x;
	emu_server_reply(s, EMU_SR_QUIT, NULL, 0, 0, out);
	return EMU_SERVER_CLOSE;
}

static enum emu_server_rc
emu_server_v_vrfy(struct emu_server_sess *s, const struct emu_server_args *x,
    struct buf *out)
{
	const char *a = x->a;
	size_t n = x->n;

	emu_server_reply(s, n ? EMU_SR_VRFY : EMU_SR_SYNTAX, a, n, 0, out);
	return EMU_SERVER_OK;
}

static enum emu_server_rc
emu_server_v_help(struct emu_server_sess *s, const struct emu_server_args *x,
    struct buf *out)
{
	(void)x;
	emu_server_reply(s, EMU_SR_HELP, NULL, 0, 0, out);
	return EMU_SERVER_OK;
}

/* RFC 3207 4: STARTTLS takes no parameters (501); under TLS it is not
 * offered. */
static enum emu_server_rc
emu_server_v_starttls(struct emu_server_sess *s,
    const struct emu_server_args *x, struct buf *out)
{
	size_t n = x->n;

	if (s->tls)
		emu_server_reply(s, EMU_SR_TLS_ACTIVE, NULL, 0, 0, out);
	else if (emu_server_offered(s, "STARTTLS") == NULL)
		emu_server_reply(s, EMU_SR_NOT_OFFERED, NULL, 0, 0, out);
	else if (n != 0)
		emu_server_reply(s, EMU_SR_SYNTAX, NULL, 0, 0, out);
	else {
		emu_server_reply(s, EMU_SR_STARTTLS, NULL, 0, 0, out);
		return EMU_SERVER_STARTTLS;
	}
	return EMU_SERVER_OK;
}

/* Is mechanism m (slice) listed on the offered AUTH line? */
static int
emu_server_mech_ok(const struct emu_server_kw *k, const char *m, size_t ml)
{
	const char *t = k->text + 4;
	size_t wl;

	while (*t != '\0') {
		while (*t == ' ')
			t++;
		wl = strcspn(t, " ");
		if (wl > 0 && wl == ml && strncasecmp(t, m, ml) == 0)
			return 1;
		t += wl;
	}
	return 0;
}

/* RFC 4954 4: AUTH mechanism [initial-response]; any credentials pass. */
static enum emu_server_rc
emu_server_v_auth(struct emu_server_sess *s, const struct emu_server_args *x,
    struct buf *out)
{
	const char *a = x->a;
	size_t n = x->n;

	const struct emu_server_kw *k = emu_server_offered(s, "AUTH");
	size_t ml;

	for (ml = 0; ml < n && a[ml] != ' '; ml++)
		;
	if (!s->helo)
		emu_server_reply(s, EMU_SR_NEED_HELO, NULL, 0, 0, out);
	else if (k == NULL || !s->esmtp)
		emu_server_reply(s, EMU_SR_AUTH_NONE, NULL, 0, 0, out);
	else if (s->authed)
		emu_server_reply(s, EMU_SR_AUTH_TWICE, NULL, 0, 0, out);
	else if (!emu_server_mech_ok(k, a, ml))
		emu_server_reply(s, EMU_SR_AUTH_BADMECH, a, ml, 0, out);
	else if (util_slice_ieq(a, ml, "PLAIN") && ml < n) {
		s->authed = 1;
		emu_server_reply(s, EMU_SR_AUTH_OK, NULL, 0, 0, out);
	} else if (util_slice_ieq(a, ml, "PLAIN")) {
		s->st = EMU_SS_AUTH_PLAIN;
		emu_server_reply(s, EMU_SR_AUTH_PLAIN, NULL, 0, 0, out);
	} else if (util_slice_ieq(a, ml, "LOGIN") && ml < n) {
		s->st = EMU_SS_AUTH_PASS;
		emu_server_reply(s, EMU_SR_AUTH_PASS, NULL, 0, 0, out);
	} else if (util_slice_ieq(a, ml, "LOGIN")) {
		s->st = EMU_SS_AUTH_USER;
		emu_server_reply(s, EMU_SR_AUTH_USER, NULL, 0, 0, out);
	} else
		emu_server_reply(s, EMU_SR_AUTH_BADMECH, a, ml, 0, out);
	return EMU_SERVER_OK;
}

enum emu_server_rc
emu_server_auth_line(struct emu_server_sess *s, const char *p, size_t n,
    struct buf *out)
{
	emu_server_log(s, "<<<", "(auth response)", 15);
	if (n == 1 && p[0] == '*') {
		/* RFC 4954 4: "*" cancels the exchange with 501. */
		s->st = EMU_SS_CMD;
		emu_server_reply(s, EMU_SR_SYNTAX, NULL, 0, 0, out);
	} else if (s->st == EMU_SS_AUTH_USER) {
		s->st = EMU_SS_AUTH_PASS;
		emu_server_reply(s, EMU_SR_AUTH_PASS, NULL, 0, 0, out);
	} else {
		s->st = EMU_SS_CMD;
		s->authed = 1;
		emu_server_reply(s, EMU_SR_AUTH_OK, NULL, 0, 0, out);
	}
	return EMU_SERVER_OK;
}

static const struct emu_server_verbdef emu_server_verbdefs[] = {
	{ .verb = SMTP_VERB_HELO, .fn = emu_server_v_helo },
	{ .verb = SMTP_VERB_EHLO, .fn = emu_server_v_ehlo },
	{ .verb = SMTP_VERB_MAIL, .fn = emu_server_v_mail },
	{ .verb = SMTP_VERB_RCPT, .fn = emu_server_v_rcpt },
	{ .verb = SMTP_VERB_DATA, .fn = emu_server_v_data },
	{ .verb = SMTP_VERB_BDAT, .fn = emu_server_v_bdat },
	{ .verb = SMTP_VERB_RSET, .fn = emu_server_v_rset },
	{ .verb = SMTP_VERB_NOOP, .fn = emu_server_v_noop },
	{ .verb = SMTP_VERB_QUIT, .fn = emu_server_v_quit },
	{ .verb = SMTP_VERB_VRFY, .fn = emu_server_v_vrfy },
	{ .verb = SMTP_VERB_HELP, .fn = emu_server_v_help },
	{ .verb = SMTP_VERB_STARTTLS, .fn = emu_server_v_starttls },
	{ .verb = SMTP_VERB_AUTH, .fn = emu_server_v_auth },
	{ .verb = SMTP_VERB_UNKNOWN, .fn = NULL }
};

enum emu_server_rc
emu_server_command(struct emu_server_sess *s, const char *p, size_t n,
    struct buf *out)
{
	const struct emu_server_verbdef *d;
	const struct emu_server_verb *xv;
	struct emu_server_args x;
	struct smtp_cmd cmd;
	enum emu_server_rc rc = EMU_SERVER_OK;
	size_t vl;

	emu_server_log(s, "<<<", p, n);
	s->cmdline = p;
	s->cmdlinelen = n;
	x.ok = smtp_cmd_parse((const uint8_t *)p, n, &cmd) == SMTP_OK;
	x.cmd = &cmd;
	x.a = cmd.args.p ? (const char *)cmd.args.p : p + n;
	x.n = cmd.args.p ? cmd.args.len : 0;
	for (d = emu_server_verbdefs; d->fn != NULL; d++)
		if (cmd.verb != SMTP_VERB_UNKNOWN && d->verb == cmd.verb)
			break;
	if (d->fn != NULL) {
		rc = d->fn(s, &x, out);
		goto done;
	}
	/* Verbs the personality answers itself (ETRN, X-LINK2STATE ...). */
	for (vl = 0; vl < n && p[vl] != ' '; vl++)
		;
	for (xv = s->cfg->pers->verbs; xv->verb != NULL; xv++)
		if (util_slice_ieq(p, vl, xv->verb))
			break;
	if (xv->verb != NULL)
		emu_server_reply_tmpl(s, xv->reply, x.a, x.n, 0, out);
	else
		emu_server_reply(s, EMU_SR_UNKNOWN, NULL, 0, 0, out);
done:
	s->cmdline = NULL;
	s->cmdlinelen = 0;
	return rc;
}
