/* emu_log.c - device-format (%PIX-/%ASA-) syslog lines for emulator events. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu_log.h"
#include "escape.h"
#include "util.h"

/* Longest piece of wire text quoted in one line. */
#define EMU_LOG_DATA_MAX	200

struct emu_log {
	FILE		*fp;
	int		 flags;
	uint64_t	 count[EMU_LOG_ID__COUNT];
};

/*
 * Message number and severity of each event.  Numbers and severities are
 * the Cisco ASA syslog message guide's (108002 severity 2, 108003 2,
 * 108004 4, 108005 6, 108006 7, 108007 6); the PIX used the same numbers.
 */
static const struct emu_log_def {
	const char	*num;
	int		 sev;
} emu_log_defs[EMU_LOG_ID__COUNT] = {
	[EMU_LOG_108002_REPLACED] = { "108002", 2 },
	[EMU_LOG_108003_MALICIOUS] = { "108003", 2 },
	[EMU_LOG_108004_DROPPED] = { "108004", 4 },
	[EMU_LOG_108005_LOGONLY] = { "108005", 6 },
	[EMU_LOG_108006_SIZE] = { "108006", 7 },
	[EMU_LOG_108007_TLS] = { "108007", 6 },
};

void
emu_peers_init(struct emu_peers *p)
{
	memset(p, 0, sizeof(*p));
	util_strlcpy(p->client_ifc, "outside", sizeof(p->client_ifc));
	util_strlcpy(p->server_ifc, "inside", sizeof(p->server_ifc));
	util_strlcpy(p->client_ip, "0.0.0.0", sizeof(p->client_ip));
	util_strlcpy(p->server_ip, "0.0.0.0", sizeof(p->server_ip));
}

struct emu_log *
emu_log_new(FILE *fp, int flags)
{
	struct emu_log *l = xcalloc(1, sizeof(*l));

	l->fp = fp;
	l->flags = flags;
	return l;
}

void
emu_log_free(struct emu_log *l)
{
	free(l);
}

const char *
emu_log_id_name(enum emu_log_id id)
{
	if ((unsigned)id >= EMU_LOG_ID__COUNT)
		return "?";
	return emu_log_defs[id].num;
}

uint64_t
emu_log_count(const struct emu_log *l, enum emu_log_id id)
{
	if (l == NULL || (unsigned)id >= EMU_LOG_ID__COUNT)
		return 0;
	return l->count[id];
}

/* Escaped, cut copy of wire text (never NULL). */
static char *
emu_log_data(const struct emu_log_arg *a)
{
	if (a == NULL || a->data == NULL)
		return xstrdup("");
	return escape_wire_str(a->data, a->data_len, ESCAPE_TERM,
	    EMU_LOG_DATA_MAX);
}

int
emu_log_format(char *out, size_t size, enum emu_log_style style,
    enum emu_log_id id, const struct emu_peers *peers,
    const struct emu_log_arg *a)
{
	static const struct emu_log_arg none;
	struct emu_peers dp;
	const struct emu_peers *p = peers;
	const char *dev = style == EMU_LOG_PIX ? "PIX" : "ASA";
	char pre[32], cli[128], srv[128], *data;
	int n;

	if ((unsigned)id >= EMU_LOG_ID__COUNT)
		return snprintf(out, size, "%%%s-?", dev);
	if (p == NULL) {
		emu_peers_init(&dp);
		p = &dp;
	}
	if (a == NULL)
		a = &none;
	snprintf(pre, sizeof(pre), "%%%s-%d-%s:", dev, emu_log_defs[id].sev,
	    emu_log_defs[id].num);
	snprintf(cli, sizeof(cli), "%s:%s/%u", p->client_ifc, p->client_ip,
	    (unsigned)p->client_port);
	snprintf(srv, sizeof(srv), "%s:%s/%u", p->server_ifc, p->server_ip,
	    (unsigned)p->server_port);
	data = emu_log_data(a);
	switch (id) {
	case EMU_LOG_108002_REPLACED:
		/* middlebox-behaviour.md 2, PIX 5.1-6.3: "out <addr> in
		 * <addr>": the outside host first. */
		if (strcmp(p->server_ifc, "outside") == 0)
			n = snprintf(out, size, "%s SMTP replaced string: out "
			    "%s in %s data: %s", pre, p->server_ip,
			    p->client_ip, data);
		else
			n = snprintf(out, size, "%s SMTP replaced string: out "
			    "%s in %s data: %s", pre, p->client_ip,
			    p->server_ip, data);
		break;
	case EMU_LOG_108003_MALICIOUS:
		/* ASA message guide (INF for the exact punctuation). */
		n = snprintf(out, size, "%s Terminating ESMTP/LMTP connection; "
		    "malicious pattern detected in the mail address from %s "
		    "to %s. Data: %s", pre, cli, srv, data);
		break;
	case EMU_LOG_108004_DROPPED:
		/* middlebox-behaviour.md 2, verbatim. */
		n = snprintf(out, size, "%s ESMTP Classification: Dropped "
		    "connection for ESMTP Request from %s to %s; matched "
		    "Class %d: %s", pre, cli, srv, a->class_no,
		    a->what ? a->what : "");
		break;
	case EMU_LOG_108005_LOGONLY:
		/* Same shape as 108004 with the log action (ASA guide). */
		n = snprintf(out, size, "%s ESMTP Classification: Received "
		    "ESMTP %s from %s to %s; matched Class %d: %s", pre,
		    a->response ? "Response" : "Request",
		    a->response ? srv : cli, a->response ? cli : srv,
		    a->class_no, a->what ? a->what : "");
		break;
	case EMU_LOG_108006_SIZE:
		n = snprintf(out, size, "%s Detected ESMTP size violation from "
		    "%s to %s; declared size is: %llu, actual size is %llu.",
		    pre, cli, srv, (unsigned long long)a->declared,
		    (unsigned long long)a->actual);
		break;
	case EMU_LOG_108007_TLS:
	default:
		/* middlebox-behaviour.md 2 (allow-tls), verbatim. */
		n = snprintf(out, size, "%s TLS started on ESMTP session "
		    "between client %s and server %s", pre, cli, srv);
		break;
	}
	free(data);
	return n;
}

static void
emu_log_stamp(struct emu_log *l)
{
	char ts[64];
	time_t t;
	struct tm tm;

	if (!(l->flags & EMU_LOG_F_TIMESTAMP))
		return;
	t = (time_t)(util_wall_us() / 1000000);
	if (gmtime_r(&t, &tm) == NULL)
		return;
	if (strftime(ts, sizeof(ts), "%b %d %Y %H:%M:%S: ", &tm) > 0)
		fputs(ts, l->fp);
}

void
emu_log_event(struct emu_log *l, enum emu_log_style style,
    enum emu_log_id id, const struct emu_peers *peers,
    const struct emu_log_arg *a)
{
	char line[1024];

	if (l == NULL || (unsigned)id >= EMU_LOG_ID__COUNT)
		return;
	l->count[id]++;
	if (l->fp == NULL || style == EMU_LOG_NONE)
		return;
	emu_log_format(line, sizeof(line), style, id, peers, a);
	emu_log_stamp(l);
	fprintf(l->fp, "%s\n", line);
	fflush(l->fp);
}

void
emu_log_printf(struct emu_log *l, const char *fmt, ...)
{
	va_list ap;

	if (l == NULL || l->fp == NULL)
		return;
	emu_log_stamp(l);
	fputs("mailguard-emulate: ", l->fp);
	va_start(ap, fmt);
	vfprintf(l->fp, fmt, ap);
	va_end(ap);
	fputc('\n', l->fp);
	fflush(l->fp);
}
