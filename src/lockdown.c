/* lockdown.c - filtering-service firewall test and the egress twin. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "dialog.h"
#include "lockdown.h"
#include "transcript.h"
#include "util.h"

static int
lockdown_parse_one(const char *s, size_t len, struct lockdown_cidr *c,
    char *errbuf)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	char *slash;
	uint64_t bits;
	unsigned max;

	if (len == 0 || len >= sizeof(tmp)) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "bad range \"%.*s\"",
		    (int)(len > 64 ? 64 : len), s);
		return -1;
	}
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if ((slash = strchr(tmp, '/')) != NULL)
		*slash++ = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, tmp, c->addr) == 1) {
		c->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, tmp, c->addr) == 1) {
		c->family = AF_INET6;
		max = 128;
	} else {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "bad address \"%s\"", tmp);
		return -1;
	}
	c->bits = max;
	if (slash != NULL) {
		if (util_parse_u64(slash, 0, max, &bits) == -1) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE,
			    "bad prefix length \"%s\"", slash);
			return -1;
		}
		c->bits = (unsigned)bits;
	}
	return 0;
}

int
lockdown_parse_cidrs(const char *list, struct lockdown_cidr *out,
    size_t max, size_t *n, char *errbuf)
{
	const char *p = list;

	*n = 0;
	while (*p != '\0') {
		size_t len = strcspn(p, ", ");

		if (len > 0) {
			if (*n >= max) {
				util_errbuf(errbuf, MG_ERRBUF_SIZE,
				    "more than %zu ranges", max);
				return -1;
			}
			if (lockdown_parse_one(p, len, &out[*n], errbuf) == -1)
				return -1;
			(*n)++;
		}
		p += len;
		p += strspn(p, ", ");
	}
	if (*n == 0) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "empty range list");
		return -1;
	}
	return 0;
}

static int
lockdown_match(const uint8_t *a, const struct lockdown_cidr *c)
{
	unsigned full = c->bits / 8, rest = c->bits % 8;

	if (memcmp(a, c->addr, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[full] ^ c->addr[full]) & (0xff << (8 - rest))) == 0;
}

int
lockdown_addr_in(const char *addr, const struct lockdown_cidr *c, size_t n)
{
	uint8_t a4[4], a6[16];
	int is4 = inet_pton(AF_INET, addr, a4) == 1;
	int is6 = !is4 && inet_pton(AF_INET6, addr, a6) == 1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (is4 && c[i].family == AF_INET && lockdown_match(a4, &c[i]))
			return 1;
		if (is6 && c[i].family == AF_INET6 &&
		    lockdown_match(a6, &c[i]))
			return 1;
	}
	return 0;
}

int
lockdown_source_addr(const struct target_addr *a, char *out, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd, rc = -1;

	/* A UDP connect() only picks a route: no packet leaves. */
	fd = socket(a->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (const struct sockaddr *)&a->ss, a->sslen) == 0 &&
	    getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		const void *p = ss.ss_family == AF_INET ?
		    (const void *)&((struct sockaddr_in *)&ss)->sin_addr :
		    (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;

		if (inet_ntop(ss.ss_family, p, out, (socklen_t)size) != NULL)
			rc = 0;
	}
	close(fd);
	return rc;
}

static int
lockdown_code(const struct dialog *d, const char *verb)
{
	const struct dialog_exchange *x = dialog_find(d, verb);

	return x != NULL && x->has_reply ? x->reply.code : 0;
}

void
lockdown_judge(const struct probe_result *r, const char *our_addr,
    const struct lockdown_cidr *allowed, size_t nallowed,
    struct lockdown_result *out)
{
	struct dialog *d;
	int ehlo, helo, mail;

	memset(out, 0, sizeof(*out));
	util_strlcpy(out->our_addr, our_addr ? our_addr : "",
	    sizeof(out->our_addr));
	if (r->tr != NULL)
		snprintf(out->server, sizeof(out->server), "%s:%u",
		    r->tr->server, r->tr->sport);
	out->in_allowed = nallowed ? lockdown_addr_in(out->our_addr,
	    allowed, nallowed) : -1;
	out->accepted = r->tr != NULL && r->tr->nev > 0 &&
	    r->tr->ev[0].kind == TR_EV_CONNECT;
	if (!out->accepted) {
		snprintf(out->why, sizeof(out->why), "%s",
		    r->detail[0] ? r->detail : "no connection");
		return;
	}
	d = dialog_from_transcript(r->tr);
	out->greeted = d->has_greeting && d->greeting.code == 220;
	ehlo = lockdown_code(d, "EHLO");
	helo = lockdown_code(d, "HELO");
	mail = lockdown_code(d, "MAIL");
	out->rcpt_code = lockdown_code(d, "RCPT");
	out->hello_ok = ehlo / 100 == 2 || helo / 100 == 2;
	out->mail_ok = mail / 100 == 2;
	out->rcpt_ok = out->rcpt_code / 100 == 2;
	out->cut = r->outcome != PO_DONE;
	if (!out->greeted)
		snprintf(out->why, sizeof(out->why), "no 220 greeting%s%s",
		    out->cut ? ": " : "", out->cut ? r->detail : "");
	else if (!out->hello_ok)
		snprintf(out->why, sizeof(out->why), "EHLO/HELO refused (%d)",
		    ehlo ? ehlo : helo);
	else if (!out->mail_ok)
		snprintf(out->why, sizeof(out->why), "MAIL refused (%d)",
		    mail);
	else if (!out->rcpt_ok)
		snprintf(out->why, sizeof(out->why), "RCPT refused (%d)",
		    out->rcpt_code);
	else
		snprintf(out->why, sizeof(out->why), "RCPT TO:<postmaster> "
		    "accepted (%d)", out->rcpt_code);
	dialog_free(d);
}

void
lockdown_format(const struct lockdown_result *lr, int egress,
    struct buf *out)
{
	const char *me = lr->our_addr[0] ? lr->our_addr : "this host";

	if (egress) {
		buf_printf(out, "Checking egress to %s from %s...%s\n",
		    lr->server, me, lr->accepted ? "open (connected)" :
		    "blocked (could not connect)");
	} else {
		buf_printf(out, "Checking firewall from %s...%s\n", me,
		    lr->accepted ? "failed (accepted connection)" :
		    "passed (did not accept connection)");
	}
	if (lr->accepted)
		buf_printf(out, "  mail %s be delivered on this path: %s\n",
		    lr->rcpt_ok ? "could" : "could not", lr->why);
	else
		buf_printf(out, "  %s\n", lr->why);
	if (lr->in_allowed == 1)
		buf_printf(out, "  %s is in the allowed ranges: %s\n", me,
		    egress ? "a mail server may send out" :
		    "the filtering service may connect");
	else if (lr->in_allowed == 0)
		buf_printf(out, "  %s is not in the allowed ranges: %s\n", me,
		    lr->accepted ? (egress ? "an open path from a "
		    "workstation is a finding" : "this address should "
		    "have been refused") : "refusing it is right");
	else if (egress && lr->accepted)
		buf_printf(out, "  expected only from the mail server "
		    "itself; from a workstation it is a finding\n");
}

int
lockdown_exit_code(const struct lockdown_result *lr, int egress)
{
	if (!lr->accepted || lr->in_allowed == 1)
		return 0;
	/*
	 * Inbound, the question is whether mail can bypass the service:
	 * a connection that is accepted and then cut before RCPT is
	 * reported, but is not a way in.  Outbound, an open path is the
	 * finding by itself.
	 */
	return egress || lr->rcpt_ok ? 1 : 0;
}
