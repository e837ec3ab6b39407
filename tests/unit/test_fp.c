/* test_fp.c - signature file loader errors, every fingerprint +/-, verdicts. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "facts.h"
#include "fp_load.h"
#include "fp_match.h"
#include "judge_fixtures.h"
#include "fp_fixture.h"

/* ------------------------------------------------------------ scenarios */

enum scen {
	SC_CLEAN, SC_CLEAN_TLS, SC_ASA, SC_ASA_TLS, SC_PIX63, SC_PIX63X,
	SC_PIX51, SC_PIX44, SC_PIX44ML, SC_PIX41CMAP, SC_PIX41, SC_ALL250,
	SC_SINK, SC_EHLOREFUSE, SC_CHECKPOINT, SC_SMAP, SC_WATCHGUARD,
	SC_RAPTOR, SC_GENPROXY, SC_GENPROXY_HOST, SC_UNREACHABLE,
	SC_PIX63_CAPTURE, SC_PIX63_STAR, SC_HELO_CAPTURE, SC_PIX63_STAR_CAPTURE,
	SC_PIX63_STAR_ARGS, SC_PIX51_STAR_ARGS, SC_PIX51_LATE,
	SC_PIX51_STAR_CAPTURE,
	SC__COUNT
};

static const char *const sc_names[SC__COUNT] = {
	"clean", "clean-tls", "asa", "asa-allow-tls", "pix-6.3",
	"pix-6.3-xfill", "pix-5.1", "pix-4.4", "pix-4.4-multiline",
	"pix-4.1-cmap", "pix-4.1", "all-250", "smtp-sink", "ehlo-refused",
	"checkpoint", "smap", "watchguard", "raptor", "generic-proxy",
	"generic-proxy-host", "unreachable", "pix-6.3-capture",
	"pix-6.3-star-banner", "helo-capture", "pix-6.3-star-capture",
	"pix-6.3-star-noop-args", "pix-5.1-star-noop-args", "pix-5.1-late",
	"pix-5.1-star-capture",
};

#define PF_G	"S220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n"
#define PF_EHLO	"S250-mail.example.com\r\n250-PIPELINING\r\n" \
	"250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n" \
	"250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n" \
	"250-SMTPUTF8\r\n250 CHUNKING\r\n"
#define PF_INNER "S250-mail.example.com\r\n250-PIPELINING\r\n" \
	"250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n" \
	"250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n" \
	"250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n"
#define PF_HELO	"S250 mail.example.com\r\n"
#define PF_UNK	"S502 5.5.2 Error: command not recognized\r\n"
#define PF_TLS	"S220 2.0.0 Ready to start TLS\r\n"
#define PF_NOOP	"S250 2.0.0 Ok\r\n"
/* The ASA masks SMTPUTF8 and CHUNKING (behaviour reference 2, INF). */
#define ASA_PF_EHLO "S250-mail.example.com\r\n250-PIPELINING\r\n" \
	"250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n" \
	"250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n" \
	"250-XXXXXXXA\r\n250 XXXXXXXB\r\n"
#define SM_BANNER "220 mail.example.com ESMTP Sendmail 8.12.10/8.12.10; " \
	"Mon, 20 Oct 2003 10:00:00 +0200\r\n"
#define SM_EHLO_ASA "S250-mail.example.com Hello probe [192.0.2.1]\r\n" \
	"250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-8BITMIME\r\n" \
	"250-SIZE\r\n250-DSN\r\n250-ETRN\r\n250-XXXXXXXA\r\n" \
	"250-XXXXXXXXXB\r\n250 XXXC\r\n"
#define SM_HELO "S250 mail.example.com Hello probe [192.0.2.1], pleased " \
	"to meet you\r\n"
#define SM_XQ(x) "S500 5.5.1 Command unrecognized: \"" x "\"\r\n"
#define SM_NOOP "S250 2.0.0 OK\r\n"

static char *g_asa, *g_asa_pf, *g_pix20, *g_star;

static void
sc_init(void)
{
	char *m;

	if (g_asa != NULL)
		return;
	m = fx_mask_asa(SM_BANNER);
	g_asa = xasprintf("S%s", m);
	free(m);
	m = fx_mask_asa(PF_G + 1);
	g_asa_pf = xasprintf("S%s", m);
	free(m);
	m = fx_mask20(SM_BANNER);
	g_pix20 = xasprintf("S%s", m);
	free(m);
	g_star = xstrdup("S220 ****************************************\r\n");
}

static void
sc_server(enum scen sc, struct fx_server *s)
{
	sc_init();
	memset(s, 0, sizeof(*s));
	s->greeting = PF_G;
	s->ehlo = PF_EHLO;
	s->helo = PF_HELO;
	s->unknown = PF_UNK;
	s->starttls = PF_TLS;
	s->seg1 = PF_NOOP;
	switch (sc) {
	case SC_CLEAN:
	case SC_PIX63_CAPTURE:
	case SC_HELO_CAPTURE:
	case SC_PIX63_STAR_CAPTURE:
	case SC_PIX51_STAR_CAPTURE:
	case SC__COUNT:
		s->help = "S214 2.0.0 Ask your postmaster\r\n";
		break;
	case SC_CLEAN_TLS:
		s->inner_ehlo = PF_INNER;
		break;
	case SC_ASA:
		s->greeting = g_asa;
		s->ehlo = SM_EHLO_ASA;
		s->helo = SM_HELO;
		s->unknown = SM_XQ("XXXXXXXXXXX");
		s->starttls = SM_XQ("XXXXXXXX");
		s->seg1 = SM_XQ("XXXX");
		break;
	case SC_ASA_TLS:
		s->greeting = g_asa_pf;
		s->ehlo = ASA_PF_EHLO;
		s->inner_ehlo = PF_INNER;
		break;
	case SC_PIX63:
	case SC_PIX51:
	case SC_PIX51_LATE:
	case SC_PIX63_STAR:
		/* A banner with no 2 or 0 after the code is all stars under
		 * the PIX 2/0 rule too: only the NOOP rewrite tells. */
		s->greeting = sc == SC_PIX63_STAR ? g_asa_pf : g_pix20;
		s->ehlo = SM_NOOP;
		s->helo = SM_HELO;
		s->unknown = SM_NOOP;
		s->starttls = SM_NOOP;
		s->seg1 = SM_NOOP;
		s->eod = sc == SC_PIX51 || sc == SC_PIX51_LATE ? "" :
		    "S250 2.0.0 Message accepted\r\n";
		/* eod_split_bug=late: the held CRLF goes out in front of
		 * the QUIT the client sent after it gave up. */
		if (sc == SC_PIX51_LATE)
			s->eod_late = "S250 2.0.0 Message accepted\r\n"
			    "221 2.0.0 Bye\r\n";
		break;
	case SC_PIX63X:
		s->greeting = g_pix20;
		s->ehlo = SM_XQ("XXXXXXXXXXXXXXXXXXXXXXX");
		s->helo = SM_HELO;
		s->unknown = SM_XQ("XXXXXXXXXXX");
		s->starttls = SM_XQ("XXXXXXXX");
		break;
	case SC_PIX44:
	case SC_PIX44ML:
		s->greeting = sc == SC_PIX44 ? g_star :
		    "S220-**********************\r\n**********************\r\n";
		s->ehlo = SM_XQ("XXXXXXXXXXXXXXXXXXXXXXX");
		s->helo = SM_HELO;
		s->unknown = SM_XQ("XXXXXXXXXXX");
		s->starttls = SM_XQ("XXXXXXXX");
		s->help = SM_XQ("XXXX");
		break;
	case SC_PIX63_STAR_ARGS:
	case SC_PIX51_STAR_ARGS:
		/* PIX NOOP rewrite in front of a server that refuses NOOP
		 * with arguments (OpenSMTPD): EHLO and goodmorning come back
		 * 500, a bare HELP (bare NOOP) 250.  Only the end-of-data
		 * split tells 5.1 (CSCds90792: no reply) from 6.3. */
		s->greeting = g_asa_pf;
		s->ehlo = "S500 5.5.1 Invalid command: Command does not "
		    "accept arguments\r\n";
		s->helo = SM_HELO;
		s->unknown = s->ehlo;
		s->starttls = "S250 2.0.0 Ok\r\n";
		s->help = "S250 2.0.0 Ok\r\n";
		s->seg1 = "S250 2.0.0 Ok\r\n";
		s->eod = sc == SC_PIX51_STAR_ARGS ? "" :
		    "S250 2.0.0 Message accepted\r\n";
		break;
	case SC_PIX41CMAP:
	case SC_PIX41:
		s->greeting = sc == SC_PIX41CMAP ?
		    "S220 SMTP/cmap_______________________read\r\n" :
		    "S220 mail.example.com ESMTP Sendmail 8.9.3\r\n";
		s->ehlo = "S250 OK\r\n";
		s->helo = SM_HELO;
		s->unknown = "S250 OK\r\n";
		s->starttls = "S250 OK\r\n";
		break;
	case SC_ALL250:
		s->greeting = "S220 box.example.com ESMTP\r\n";
		s->ehlo = s->helo = s->unknown = s->starttls = s->seg1 =
		    "S250 OK\r\n";
		break;
	case SC_SINK:
		s->greeting = "S220 ********\r\n";
		s->ehlo = "S250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
		s->starttls = NULL;
		break;
	case SC_EHLOREFUSE:
		s->greeting = "S220 old.example.com SMTP ready\r\n";
		s->ehlo = "S500 Command unrecognized\r\n";
		s->helo = "S250 old.example.com\r\n";
		s->unknown = "S500 Command unrecognized\r\n";
		s->starttls = "S500 Command unrecognized\r\n";
		break;
	case SC_CHECKPOINT:
		s->greeting = "S220 CheckPoint FireWall-1 secure SMTP server\r\n";
		s->ehlo = "S250-fw.example.com\r\n250 SIZE\r\n";
		s->starttls = "S500 command not recognized\r\n";
		break;
	case SC_SMAP:
		s->greeting = "S220 fw.example.com SMTP/smap Ready.\r\n";
		s->ehlo = "S500 Command unrecognized\r\n";
		s->starttls = "S500 Command unrecognized\r\n";
		break;
	case SC_WATCHGUARD:
		s->greeting = "S220 SMTP service ready\r\n";
		s->ehlo = "S250-fw\r\n250 8BITMIME\r\n";
		s->starttls = NULL;
		break;
	case SC_RAPTOR:
		s->greeting = "S220 fw.example.com Generic SMTP handler\r\n";
		s->ehlo = "S500 Command unrecognized\r\n";
		s->help = "S214 Help not supported by this implementation\r\n";
		s->starttls = NULL;
		break;
	case SC_GENPROXY:
	case SC_GENPROXY_HOST:
		/* CHUNKING and SMTPUTF8 deleted outside (F-Secure, Zorp). */
		s->ehlo = sc == SC_GENPROXY ? "S250-mail.example.com\r\n"
		    "250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n"
		    "250-ETRN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n"
		    "250-8BITMIME\r\n250 DSN\r\n" : "S250-gw.example.net\r\n"
		    "250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n"
		    "250-ETRN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n"
		    "250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n"
		    "250 CHUNKING\r\n";
		s->inner_ehlo = PF_INNER;
		break;
	case SC_UNREACHABLE:
		s->greeting = NULL;
		break;
	}
}

/*
 * The reply to "VRFY postmaster" (probe verb-vrfy) where a scenario has
 * one: passed by a clean path and the ASA (one of its fifteen), refused
 * like an unknown verb by a PIX (not one of the RFC 821 seven).
 */
static const char *
sc_vrfy(enum scen sc)
{
	switch (sc) {
	case SC_CLEAN:
		return "S252 2.0.0 postmaster\r\n";
	case SC_ASA:
		return "S252 2.5.2 Cannot VRFY user; try RCPT to attempt "
		    "delivery\r\n";
	case SC_PIX44:
		return SM_XQ("XXXXXXXXXXXXXXX");	/* X-fill */
	case SC_PIX63:
		return SM_NOOP;				/* NOOP rewrite */
	case SC_PIX63_STAR_ARGS:
		return "S500 5.5.1 Invalid command: Command does not accept "
		    "arguments\r\n";
	case SC_EHLOREFUSE:
		/* A server with an intact banner that lacks VRFY (against
		 * RFC 5321 4.5.1) is still no PIX. */
		return "S500 Command unrecognized\r\n";
	default:
		return NULL;
	}
}

/* Transcripts for a scenario: a probe run, or one capture session. */
static size_t
sc_transcripts(enum scen sc, struct transcript **t)
{
	struct fx_server s;
	size_t n;

	sc_server(sc, &s);
	if (sc == SC_HELO_CAPTURE) {
		t[0] = fx_script("", (const char *const[]){ PF_G,
		    "CHELO client.example.org\r\n", PF_HELO,
		    "CMAIL FROM:<a@example.org>\r\n", "S250 2.1.0 Ok\r\n",
		    "CQUIT\r\n", "S221 bye\r\n", NULL });
		return 1;
	}
	if (sc == SC_PIX51_STAR_CAPTURE) {
		/* captures/lab-pix51-postfix-outside.pcap, session 3: a
		 * HELO-only client splits the terminator, waits, quits:
		 * nothing ever answers (eod_split_bug=swallow). */
		sc_init();
		t[0] = fx_script("", (const char *const[]){ g_asa_pf,
		    "CHELO client.example.org\r\n", PF_HELO,
		    "CMAIL FROM:<a@example.org>\r\n", "S250 2.1.0 Ok\r\n",
		    "CRCPT TO:<b@example.net>\r\n", "S250 2.1.5 Ok\r\n",
		    "CDATA\r\n", "S354 End data with <CR><LF>.<CR><LF>\r\n",
		    "CSubject: eod split\r\n\r\nhello\r\n.", "C\r\n", "W",
		    "CQUIT\r\n", "W", "f", NULL });
		return 1;
	}
	if (sc == SC_PIX63_CAPTURE || sc == SC_PIX63_STAR_CAPTURE) {
		sc_init();
		t[0] = fx_script("", (const char *const[]){
		    sc == SC_PIX63_CAPTURE ? g_pix20 : g_asa_pf,
		    "CEHLO client.example.org\r\n", SM_NOOP,
		    "CHELO client.example.org\r\n", SM_HELO,
		    "CQUIT\r\n", "S221 bye\r\n", NULL });
		return 1;
	}
	n = fx_probes(&s, t);
	if (sc_vrfy(sc) != NULL && n < FX_MAX)
		t[n++] = fx_script("verb-vrfy", (const char *const[]){
		    s.greeting, "CVRFY postmaster\r\n", sc_vrfy(sc),
		    "CQUIT\r\n", "S221 bye\r\n", NULL });
	return n;
}

static void
sc_judge(enum scen sc, struct facts *fs, struct fp_result *res)
{
	struct transcript *t[FX_MAX];
	size_t n = sc_transcripts(sc, t);
	char errbuf[MG_ERRBUF_SIZE];

	assert_int_equal(facts_from_transcripts(t, n, fs, errbuf), 0);
	fp_match(g_db, fs, res);
	fx_free(t, n);
}

static int
sc_hit(const struct fp_result *res, const char *name)
{
	size_t i;

	for (i = 0; i < res->nhits; i++)
		if (strcmp(res->hits[i].fp->name, name) == 0)
			return 1;
	return 0;
}

/* ------------------------------------------------------------ every fp +/- */

static const struct fp_case {
	const char	*fp;
	enum scen	 pos, neg;
} fp_cases[] = {
	{ .fp = "pix-4.1-cmap", .pos = SC_PIX41CMAP, .neg = SC_CLEAN },
	{ .fp = "pix-4.1-ok", .pos = SC_PIX41, .neg = SC_ALL250 },
	{ .fp = "pix-4.4-after4", .pos = SC_PIX44ML, .neg = SC_ASA },
	{ .fp = "pix-4.4-star-ehlo-refused", .pos = SC_PIX44,
	  .neg = SC_PIX63_STAR_ARGS },
	{ .fp = "pix-star-noop-args-refused", .pos = SC_PIX63_STAR_ARGS,
	  .neg = SC_PIX44 },
	{ .fp = "pix-2-0-greeting", .pos = SC_PIX63, .neg = SC_ASA },
	{ .fp = "pix-ehlo-noop", .pos = SC_PIX63, .neg = SC_ALL250 },
	{ .fp = "pix-ehlo-noop-capture", .pos = SC_PIX63_CAPTURE,
	  .neg = SC_CLEAN },
	{ .fp = "pix-ehlo-xfill", .pos = SC_PIX63X, .neg = SC_PIX63 },
	{ .fp = "pix-star-ehlo-noop-capture", .pos = SC_PIX63_STAR_CAPTURE,
	  .neg = SC_PIX63_STAR },
	{ .fp = "pix-star-banner-noop", .pos = SC_PIX63_STAR, .neg = SC_ASA },
	{ .fp = "pix-ehlo-xquoted", .pos = SC_PIX44, .neg = SC_ASA },
	{ .fp = "pix-vrfy-refused", .pos = SC_PIX44, .neg = SC_ASA },
	{ .fp = "pix-vrfy-refused", .pos = SC_PIX63, .neg = SC_EHLOREFUSE },
	{ .fp = "pix-vrfy-refused", .pos = SC_PIX63_STAR_ARGS,
	  .neg = SC_CLEAN },
	{ .fp = "pix-5.1-eod-bug", .pos = SC_PIX51, .neg = SC_PIX63 },
	{ .fp = "pix-5.1-eod-bug-noop", .pos = SC_PIX51, .neg = SC_PIX63 },
	{ .fp = "pix-5.1-eod-bug-noop-args", .pos = SC_PIX51_STAR_ARGS,
	  .neg = SC_PIX63_STAR_ARGS },
	{ .fp = "pix-5.1-eod-bug-star", .pos = SC_PIX51_STAR_CAPTURE,
	  .neg = SC_PIX63_STAR_CAPTURE },
	{ .fp = "pix-5.1-eod-bug-star", .pos = SC_PIX51_STAR_ARGS,
	  .neg = SC_ASA },
	{ .fp = "asa-banner-mask", .pos = SC_ASA, .neg = SC_PIX63_STAR },
	{ .fp = "asa-ehlo-keyword-mask", .pos = SC_ASA, .neg = SC_CLEAN },
	{ .fp = "asa-unknown-xfill", .pos = SC_ASA, .neg = SC_PIX63X },
	{ .fp = "asa-starttls-refused", .pos = SC_ASA, .neg = SC_ASA_TLS },
	{ .fp = "asa-telnet-xfill", .pos = SC_ASA, .neg = SC_CLEAN },
	{ .fp = "asa-allow-tls", .pos = SC_ASA_TLS, .neg = SC_ASA },
	{ .fp = "asa-allow-tls-inner", .pos = SC_ASA_TLS, .neg = SC_GENPROXY },
	{ .fp = "proxy-checkpoint", .pos = SC_CHECKPOINT, .neg = SC_CLEAN },
	{ .fp = "proxy-smap", .pos = SC_SMAP, .neg = SC_CLEAN },
	{ .fp = "proxy-watchguard", .pos = SC_WATCHGUARD, .neg = SC_CLEAN },
	{ .fp = "proxy-raptor", .pos = SC_RAPTOR, .neg = SC_CLEAN },
	{ .fp = "proxy-raptor-help", .pos = SC_RAPTOR, .neg = SC_CLEAN },
	{ .fp = "proxy-tls-missing", .pos = SC_GENPROXY, .neg = SC_ASA_TLS },
	{ .fp = "proxy-tls-host", .pos = SC_GENPROXY_HOST, .neg = SC_CLEAN_TLS },
	{ .fp = "clean-esmtp", .pos = SC_CLEAN, .neg = SC_GENPROXY },
	{ .fp = "clean-unknown-refused", .pos = SC_CLEAN, .neg = SC_ASA },
	{ .fp = "clean-helo-session", .pos = SC_HELO_CAPTURE,
	  .neg = SC_PIX63_CAPTURE },
	{ .fp = "clean-ehlo-refused-by-server", .pos = SC_EHLOREFUSE,
	  .neg = SC_PIX63X },
	{ .fp = "clean-smtp-sink", .pos = SC_SINK, .neg = SC_ASA },
	{ .fp = "clean-tls-same", .pos = SC_CLEAN_TLS, .neg = SC_ASA_TLS },
	{ .fp = NULL },
};

static void
test_every_fingerprint_pos_neg(void **state)
{
	const struct fp_case *c;
	struct facts fs;
	struct fp_result res;
	size_t i;
	int covered;

	(void)state;
	for (c = fp_cases; c->fp != NULL; c++) {
		sc_judge(c->pos, &fs, &res);
		if (!sc_hit(&res, c->fp))
			fail_msg("%s does not match positive scenario %s",
			    c->fp, sc_names[c->pos]);
		fp_result_free(&res);
		facts_free(&fs);
		sc_judge(c->neg, &fs, &res);
		if (sc_hit(&res, c->fp))
			fail_msg("%s matches negative scenario %s", c->fp,
			    sc_names[c->neg]);
		fp_result_free(&res);
		facts_free(&fs);
	}
	/* Every fingerprint in the shipped file has a case here. */
	for (i = 0; i < g_db->nentries; i++) {
		covered = 0;
		for (c = fp_cases; c->fp != NULL; c++)
			covered |= strcmp(c->fp, g_db->entries[i].name) == 0;
		if (!covered)
			fail_msg("fingerprint %s has no test case",
			    g_db->entries[i].name);
	}
}

/* ------------------------------------------------------------ verdicts */

static const struct verdict_case {
	enum scen	 sc;
	enum fp_family	 family;
	const char	*generation;
	int		 min_conf;
} verdict_cases[] = {
	{ SC_CLEAN, FP_FAM_NONE, "none", 50 },
	{ SC_CLEAN_TLS, FP_FAM_NONE, "none", 50 },
	{ SC_ASA, FP_FAM_ASA, "asa", 80 },
	{ SC_ASA_TLS, FP_FAM_ASA, "asa-allow-tls", 80 },
	{ SC_PIX63, FP_FAM_PIX, "pix-6.3", 60 },
	{ SC_PIX63X, FP_FAM_PIX, "pix-6.3", 60 },
	{ SC_PIX51, FP_FAM_PIX, "pix-5.1", 80 },
	{ SC_PIX51_LATE, FP_FAM_PIX, "pix-5.1", 80 },
	{ SC_PIX44, FP_FAM_PIX, "pix-4.4", 90 },
	{ SC_PIX63_STAR_ARGS, FP_FAM_PIX, "pix-6.3", 70 },
	{ SC_PIX51_STAR_ARGS, FP_FAM_PIX, "pix-5.1", 80 },
	{ SC_PIX44ML, FP_FAM_PIX, "pix-4.4", 50 },
	{ SC_PIX41CMAP, FP_FAM_PIX, "pix-4.1", 50 },
	{ SC_PIX41, FP_FAM_PIX, "pix-4.1", 30 },
	{ SC_ALL250, FP_FAM_INCONCLUSIVE, "inconclusive", 0 },
	{ SC_SINK, FP_FAM_NONE, "smtp-sink", 40 },
	{ SC_EHLOREFUSE, FP_FAM_NONE, "esmtp-refused-by-server", 40 },
	{ SC_CHECKPOINT, FP_FAM_PROXY, "checkpoint-fw1", 50 },
	{ SC_SMAP, FP_FAM_PROXY, "smap", 50 },
	{ SC_WATCHGUARD, FP_FAM_PROXY, "watchguard", 30 },
	{ SC_RAPTOR, FP_FAM_PROXY, "raptor", 60 },
	{ SC_GENPROXY, FP_FAM_PROXY, "generic-proxy", 40 },
	{ SC_UNREACHABLE, FP_FAM_INCONCLUSIVE, "unreachable", 0 },
	{ SC_PIX63_CAPTURE, FP_FAM_PIX, "pix-6.3", 60 },
	{ SC_PIX63_STAR, FP_FAM_PIX, "pix-6.3", 60 },
	{ SC_HELO_CAPTURE, FP_FAM_NONE, "none", 20 },
	{ SC_PIX63_STAR_CAPTURE, FP_FAM_PIX, "pix-6.3", 25 },
	{ SC_PIX51_STAR_CAPTURE, FP_FAM_PIX, "pix-5.1", 20 },
	{ SC__COUNT, FP_FAM__COUNT, NULL, 0 },
};

static void
test_verdicts(void **state)
{
	const struct verdict_case *c;
	struct facts fs;
	struct fp_result res;

	(void)state;
	for (c = verdict_cases; c->generation != NULL; c++) {
		sc_judge(c->sc, &fs, &res);
		if (res.verdict.family != c->family ||
		    strcmp(res.verdict.generation, c->generation) != 0 ||
		    res.verdict.confidence < c->min_conf)
			fail_msg("%s: got %s/%s %d%%, want %s/%s >= %d%%",
			    sc_names[c->sc],
			    fp_family_name(res.verdict.family),
			    res.verdict.generation, res.verdict.confidence,
			    fp_family_name(c->family), c->generation,
			    c->min_conf);
		if (getenv("MG_TEST_VERBOSE") != NULL)
			fprintf(stderr, "%-20s %s/%s %d%%\n", sc_names[c->sc],
			    fp_family_name(res.verdict.family),
			    res.verdict.generation, res.verdict.confidence);
		if (c->family == FP_FAM_INCONCLUSIVE)
			assert_int_equal(res.verdict.confidence, 0);
		fp_result_free(&res);
		facts_free(&fs);
	}
}

static void
test_no_transcripts_inconclusive(void **state)
{
	struct facts fs;
	struct fp_result res;
	char errbuf[MG_ERRBUF_SIZE];

	(void)state;
	assert_int_equal(facts_from_transcripts(NULL, 0, &fs, errbuf), 0);
	fp_match(g_db, &fs, &res);
	assert_int_equal(res.verdict.family, FP_FAM_INCONCLUSIVE);
	assert_int_equal(res.nhits, 0);
	fp_result_free(&res);
	facts_free(&fs);
}

/* ------------------------------------------------------------ loader */

#define FP_OK_HEAD "fingerprint a\n family asa\n generation asa\n weight 5\n" \
	" ref \"r\"\n"

static const struct load_case {
	const char	*text;
	const char	*err;	/* NULL: loads */
} load_cases[] = {
	{ FP_OK_HEAD " match ehlo.code == 250\nend\n", NULL },
	{ FP_OK_HEAD " match ehlo.code == 250\n unless ehlo.masked >= 1\n"
	  " effect e\nend\neffect e \"text\"\n", NULL },
	{ "# only a comment\n\n", "t.fp:2: no fingerprint in file" },
	{ FP_OK_HEAD " match ehlo.cod == 250\nend\n",
	  "t.fp:6: unknown fact: ehlo.cod" },
	{ FP_OK_HEAD " match ehlo.code =~ 250\nend\n",
	  "t.fp:6: unknown operator: =~" },
	{ FP_OK_HEAD " match ehlo.code >= abc\nend\n",
	  "t.fp:6: number expected after: >=" },
	{ FP_OK_HEAD " match ehlo.code exists 1\nend\n",
	  "t.fp:6: no value expected after: exists" },
	{ FP_OK_HEAD " match ehlo.code ==\nend\n",
	  "t.fp:6: value expected after: ==" },
	{ FP_OK_HEAD " match ehlo.code == 250\n",
	  "t.fp:1: block not closed with end" },
	{ "end\n", "t.fp:1: end without a block" },
	{ "fingerprint a\n family cisco\nend\n",
	  "t.fp:2: family must be none, pix, asa or proxy, not: cisco" },
	{ "fingerprint a\n weight 101\nend\n",
	  "t.fp:2: weight must be 1..100: 101" },
	{ "fingerprint a\n family asa\nend\n",
	  "t.fp:3: fingerprint without generation: a" },
	{ FP_OK_HEAD "end\n", "t.fp:6: fingerprint without match: a" },
	{ FP_OK_HEAD " unless ehlo.code == 250\nend\n",
	  "t.fp:7: fingerprint with only unless lines: a" },
	{ FP_OK_HEAD " match ehlo.code == 250\n effect nope\nend\n",
	  "t.fp:1: undefined effect: nope" },
	{ FP_OK_HEAD " match ehlo.code == 250\nend\n" FP_OK_HEAD
	  " match ehlo.code == 250\nend\n",
	  "t.fp:14: duplicate fingerprint: a" },
	{ FP_OK_HEAD " ref \"again\"\n", "t.fp:6: given twice: ref" },
	{ FP_OK_HEAD " match greeting.text == \"open\nend\n",
	  "t.fp:6: unterminated string" },
	{ "fingerprint A\n", "t.fp:1: bad name: A" },
	{ "bogus x\n", "t.fp:1: unknown keyword: bogus" },
	{ "effect e text\n", "t.fp:1: effect text must be quoted" },
	{ "fix asa\nend\n", "t.fp:2: fix without lines" },
	{ "fix asa\n line unquoted\nend\n",
	  "t.fp:2: line must be a quoted string" },
	{ "fingerprint a\n colour red\nend\n",
	  "t.fp:2: unknown keyword in fingerprint: colour" },
	{ NULL, NULL },
};

static void
test_loader_errors(void **state)
{
	const struct load_case *c;
	char errbuf[MG_ERRBUF_SIZE];
	struct fp_db *db;

	(void)state;
	for (c = load_cases; c->text != NULL; c++) {
		errbuf[0] = '\0';
		db = fp_load_buf("t.fp", c->text, strlen(c->text), errbuf);
		if (c->err == NULL) {
			if (db == NULL)
				fail_msg("refused: %s (%s)", c->text, errbuf);
		} else {
			if (db != NULL)
				fail_msg("accepted: %s", c->text);
			if (strcmp(errbuf, c->err) != 0)
				fail_msg("got \"%s\", want \"%s\"", errbuf,
				    c->err);
		}
		fp_db_free(db);
	}
}

static void
test_loader_caps(void **state)
{
	char errbuf[MG_ERRBUF_SIZE];
	struct buf b;
	struct fp_db *db;
	size_t i;

	(void)state;
	/* A line past MG_FP_LINE_MAX. */
	buf_init(&b, 8 * MG_FP_LINE_MAX);
	buf_append_str(&b, "# ");
	for (i = 0; i < MG_FP_LINE_MAX; i++)
		buf_append_str(&b, "x");
	db = fp_load_buf("t.fp", buf_cstr(&b), b.len, errbuf);
	assert_null(db);
	assert_string_equal(errbuf, "t.fp:1: line too long (MG_FP_LINE_MAX)");
	buf_free(&b);
	/* More than MG_FP_ENTRIES_MAX entries. */
	buf_init(&b, 0);
	for (i = 0; i <= MG_FP_ENTRIES_MAX; i++)
		buf_printf(&b, "effect e%zu \"t\"\n", i);
	db = fp_load_buf("t.fp", buf_cstr(&b), b.len, errbuf);
	assert_null(db);
	assert_non_null(strstr(errbuf, "too many entries"));
	buf_free(&b);
	/* NUL byte. */
	db = fp_load_buf("t.fp", "fingerprint a\0", 14, errbuf);
	assert_null(db);
	assert_string_equal(errbuf, "t.fp:1: NUL byte in file");
	/* Missing file. */
	db = fp_load_file("/nonexistent/mailguard.fp", errbuf);
	assert_null(db);
	assert_non_null(strstr(errbuf, "/nonexistent/mailguard.fp:0: "));
}

/* Operators over a hand-made fact table. */
static void
test_match_ops(void **state)
{
	static const struct op_case {
		const char	*cond;
		int		 want;
	} cases[] = {
		{ "ehlo.code == 250", 1 }, { "ehlo.code != 250", 0 },
		{ "ehlo.code >= 250", 1 }, { "ehlo.code > 250", 0 },
		{ "ehlo.code <= 249", 0 }, { "ehlo.code < 251", 1 },
		{ "greeting.class == asa-star", 1 },
		{ "greeting.class != asa-star", 0 },
		{ "greeting.class >= 1", 0 },
		{ "greeting.text contains \"esmtp\"", 1 },
		{ "greeting.text contains \"smap\"", 0 },
		{ "helo.code exists", 0 }, { "helo.code absent", 1 },
		{ "helo.code == 250", 0 }, { "helo.code != 250", 0 },
		{ NULL, 0 },
	};
	const struct op_case *c;
	struct facts fs;
	struct fp_db *db;
	char text[512], errbuf[MG_ERRBUF_SIZE];

	(void)state;
	facts_init(&fs);
	facts_set_int(&fs, "ehlo.code", 250, 0);
	facts_set_str(&fs, "greeting.class", "asa-star", 0);
	facts_set_str(&fs, "greeting.text", "mx ESMTP Postfix", 0);
	for (c = cases; c->cond != NULL; c++) {
		snprintf(text, sizeof(text), FP_OK_HEAD " match %s\nend\n",
		    c->cond);
		db = fp_load_buf("t.fp", text, strlen(text), errbuf);
		if (db == NULL)
			fail_msg("%s: %s", c->cond, errbuf);
		if (fp_match_cond(&db->entries[0].conds[0], &fs) != c->want)
			fail_msg("%s: want %d", c->cond, c->want);
		db->entries[0].conds[0].negate = 1;
		assert_int_equal(fp_match_cond(&db->entries[0].conds[0], &fs),
		    !c->want);
		fp_db_free(db);
	}
	facts_free(&fs);
}

static void
test_shipped_file_fixes(void **state)
{
	static const char *const gens[] = {
		"pix-4.1", "pix-4.4", "pix-5.1", "pix-6.3", "asa",
		"asa-allow-tls", "checkpoint-fw1", "smap", "watchguard",
		"raptor", "generic-proxy", NULL
	};
	size_t i;

	(void)state;
	for (i = 0; gens[i] != NULL; i++)
		assert_non_null(fp_db_fix(g_db, gens[i]));
	assert_non_null(strstr(fp_db_fix(g_db, "pix-6.3")->lines[1],
	    "no fixup protocol smtp 25"));
	assert_string_equal(fp_load_default_path(), getenv("MG_FP_FILE") ?
	    getenv("MG_FP_FILE") : PKGDATADIR "/mailguard.fp");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loader_errors),
		cmocka_unit_test(test_loader_caps),
		cmocka_unit_test(test_match_ops),
		cmocka_unit_test(test_every_fingerprint_pos_neg),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_no_transcripts_inconclusive),
		cmocka_unit_test(test_shipped_file_fixes),
	};

	return cmocka_run_group_tests(tests, setup_db, teardown_db);
}
