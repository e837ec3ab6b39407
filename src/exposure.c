/* exposure.c - what the server accepts once no fixup filters it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dialog.h"
#include "escape.h"
#include "exposure.h"
#include "transcript.h"
#include "util.h"

/* One rule: a probe, the verb whose reply matters, and what a reply in
 * [lo, hi] means. */
static const struct exposure_rule {
	const char		*probe;
	const char		*verb;
	int			 lo, hi;
	enum exposure_sev	 sev;
	const char		*text;
} exposure_rules[] = {
	/* CERT CA-1988 and RFC 5321 7.x: legacy sendmail debug verbs. */
	{ .probe = "exp-wiz", .verb = "WIZ", .lo = 200, .hi = 399,
	  .sev = EXPOSURE_HIGH,
	  .text = "WIZ accepted: a legacy sendmail backdoor verb" },
	{ .probe = "exp-debug", .verb = "DEBUG", .lo = 200, .hi = 399,
	  .sev = EXPOSURE_HIGH,
	  .text = "DEBUG accepted: the sendmail debug backdoor (CA-1988)" },
	{ .probe = "exp-kill", .verb = "KILL", .lo = 200, .hi = 399,
	  .sev = EXPOSURE_HIGH, .text = "KILL accepted" },
	/* RFC 2821 4.5.3 removed TURN: any client could take queued mail. */
	{ .probe = "exp-turn", .verb = "TURN", .lo = 200, .hi = 299,
	  .sev = EXPOSURE_HIGH,
	  .text = "TURN accepted: any client can receive queued mail" },
	{ .probe = "exp-atrn", .verb = "ATRN", .lo = 200, .hi = 299,
	  .sev = EXPOSURE_HIGH,
	  .text = "ATRN accepted without authentication (RFC 2645 4)" },
	/* RFC 5321 7.3: VRFY and EXPN help address harvesting. */
	{ .probe = "verb-expn", .verb = "EXPN", .lo = 250, .hi = 251,
	  .sev = EXPOSURE_MEDIUM,
	  .text = "EXPN expands lists: address harvesting (RFC 5321 7.3)" },
	{ .probe = "verb-vrfy", .verb = "VRFY", .lo = 250, .hi = 251,
	  .sev = EXPOSURE_MEDIUM,
	  .text = "VRFY confirms addresses: address harvesting "
	  "(RFC 5321 7.3)" },
	{ .probe = "verb-vrfy", .verb = "VRFY", .lo = 252, .hi = 252,
	  .sev = EXPOSURE_INFO,
	  .text = "VRFY answers 252 (cannot verify): harmless" },
	/* RFC 5321 3.6.2 / RFC 2505: relaying for anyone. */
	{ .probe = "exp-relay", .verb = "RCPT", .lo = 200, .hi = 299,
	  .sev = EXPOSURE_HIGH,
	  .text = "open relay: RCPT to an outside domain accepted "
	  "(no DATA was sent)" },
	/* RFC 5321 4.5.3.1.4: 512 octets per command line. */
	{ .probe = "exp-long-line", .verb = "NOOP", .lo = 200, .hi = 299,
	  .sev = EXPOSURE_LOW,
	  .text = "a 1000-octet command line is accepted (RFC limit 512)" },
	{ .probe = NULL }
};

static const char *const sev_names[] = {
	[EXPOSURE_INFO] = "info",
	[EXPOSURE_LOW] = "low",
	[EXPOSURE_MEDIUM] = "medium",
	[EXPOSURE_HIGH] = "HIGH",
};

const char *
exposure_sev_name(enum exposure_sev s)
{
	if ((size_t)s >= sizeof(sev_names) / sizeof(sev_names[0]))
		return "?";
	return sev_names[s];
}

static const struct probe_result *
exposure_find(const struct probe_result *res, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (res[i].def != NULL && strcmp(res[i].def->name, name) == 0)
			return &res[i];
	return NULL;
}

static void
exposure_add(struct exposure_finding *f, enum exposure_sev sev,
    const char *probe, const char *text, const struct smtp_reply *rep)
{
	char *esc;

	memset(f, 0, sizeof(*f));
	f->sev = sev;
	util_strlcpy(f->probe, probe, sizeof(f->probe));
	util_strlcpy(f->text, text, sizeof(f->text));
	if (rep == NULL || rep->nlines == 0)
		return;
	esc = escape_wire_str((const uint8_t *)rep->lines[0].text,
	    rep->lines[0].len, ESCAPE_TERM, 120);
	snprintf(f->reply, sizeof(f->reply), "%d %s", rep->code, esc);
	free(esc);
}

/* RFC 4954 4: AUTH offered before STARTTLS sends credentials in clear. */
static int
exposure_auth_clear(const struct dialog *d, const char **mech)
{
	const struct dialog_exchange *x = dialog_find(d, "EHLO");
	size_t i;

	if (x == NULL || !x->has_reply || x->reply.code != 250)
		return 0;
	for (i = 1; i < x->reply.nlines; i++) {
		const char *t = x->reply.lines[i].text;
		size_t len = x->reply.lines[i].len;

		if (len >= 4 && strncasecmp(t, "AUTH", 4) == 0 &&
		    (len == 4 || t[4] == ' ' || t[4] == '=')) {
			*mech = strcasestr(t, "PLAIN") || strcasestr(t,
			    "LOGIN") ? "PLAIN/LOGIN" : "other";
			return 1;
		}
	}
	return 0;
}

size_t
exposure_judge(const struct probe_result *res, size_t n,
    struct exposure_finding *out, size_t max)
{
	const struct exposure_rule *r;
	const struct probe_result *pr;
	const char *mech = NULL;
	size_t k = 0;

	for (r = exposure_rules; r->probe != NULL && k < max; r++) {
		const struct dialog_exchange *x;
		struct dialog *d;

		if ((pr = exposure_find(res, n, r->probe)) == NULL ||
		    pr->tr == NULL)
			continue;
		d = dialog_from_transcript(pr->tr);
		x = dialog_find(d, r->verb);
		if (x != NULL && x->has_reply && x->reply.code >= r->lo &&
		    x->reply.code <= r->hi)
			exposure_add(&out[k++], r->sev, r->probe, r->text,
			    &x->reply);
		dialog_free(d);
	}
	pr = exposure_find(res, n, "ehlo");
	if (pr != NULL && pr->tr != NULL && k < max) {
		struct dialog *d = dialog_from_transcript(pr->tr);

		if (exposure_auth_clear(d, &mech))
			exposure_add(&out[k++], strcmp(mech, "other") ?
			    EXPOSURE_MEDIUM : EXPOSURE_LOW, "ehlo",
			    strcmp(mech, "other") ? "AUTH PLAIN/LOGIN offered "
			    "before STARTTLS: passwords cross in clear" :
			    "AUTH offered before STARTTLS", NULL);
		dialog_free(d);
	}
	return k;
}
