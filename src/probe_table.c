/* probe_table.c - the probes the live prober runs, as data. */
#include "config.h"

#include <string.h>

#include "probe_table.h"

#define STEP_GREETING	{ .kind = PS_GREETING, .replies = 1 }
#define STEP_SEND(s)	{ .kind = PS_SEND, .text = (s), .replies = 1 }
#define STEP_EHLO	STEP_SEND("EHLO %h\r\n"), \
			{ .kind = PS_HELO_FALLBACK, .replies = 1 }
#define STEP_QUIT	{ .kind = PS_QUIT, .replies = 1 }
#define STEP_END	{ .kind = PS_END }

/* Section 4.1 of the behaviour reference: the greeting shape alone. */
static const struct probe_step steps_greeting[] = {
	STEP_GREETING, STEP_QUIT, STEP_END
};

/* RFC 5321 4.1.1.1: EHLO; the reply and its keywords are the evidence. */
static const struct probe_step steps_ehlo[] = {
	STEP_GREETING, STEP_SEND("EHLO %h\r\n"), STEP_QUIT, STEP_END
};

static const struct probe_step steps_helo[] = {
	STEP_GREETING, STEP_SEND("HELO %h\r\n"), STEP_QUIT, STEP_END
};

/*
 * Microsoft's Mailguard test (KB "goodmorning"): a server answers 500; a
 * PIX 4.x answers "OK" itself; NOOP rewriting gets 250; X-filling makes
 * the server quote XXXXXXXXXXX back.
 */
static const struct probe_step steps_invalid_verb[] = {
	STEP_GREETING, STEP_EHLO, STEP_SEND("goodmorning\r\n"), STEP_QUIT,
	STEP_END
};

static const struct probe_step steps_invalid_verb2[] = {
	STEP_GREETING, STEP_EHLO, STEP_SEND("%r\r\n"), STEP_QUIT, STEP_END
};

/* Verbs one by one (reference 4.4), each after EHLO/HELO. */
#define VERB_STEPS(id, line)						\
static const struct probe_step steps_##id[] = {				\
	STEP_GREETING, STEP_EHLO, STEP_SEND(line), STEP_QUIT, STEP_END	\
}
VERB_STEPS(auth, "AUTH PLAIN\r\n");
VERB_STEPS(starttls_verb, "STARTTLS\r\n");
VERB_STEPS(bdat, "BDAT 0 LAST\r\n");
VERB_STEPS(xlink2state, "X-LINK2STATE LAST CHUNK=\r\n");
VERB_STEPS(xexch50, "XEXCH50 0 2\r\n");
VERB_STEPS(etrn, "ETRN %h\r\n");
VERB_STEPS(vrfy, "VRFY postmaster\r\n");
VERB_STEPS(help, "HELP\r\n");
VERB_STEPS(expn, "EXPN postmaster\r\n");
VERB_STEPS(wiz, "WIZ\r\n");
VERB_STEPS(debug, "DEBUG\r\n");
VERB_STEPS(kill, "KILL\r\n");
VERB_STEPS(turn, "TURN\r\n");
VERB_STEPS(atrn, "ATRN %h\r\n");

/*
 * RFC 6152 (8BITMIME) and RFC 6531 3.4 (SMTPUTF8) on MAIL FROM.  QUIT
 * follows at once, no RSET: a transaction delivers nothing before the end
 * of its DATA (RFC 5321 3.3), so there is nothing to undo; and the MAIL
 * reply stays the last exchange, the one the report classifies.
 */
static const struct probe_step steps_mail_8bitmime[] = {
	STEP_GREETING, STEP_EHLO, STEP_SEND("MAIL FROM:<> BODY=8BITMIME\r\n"),
	STEP_QUIT, STEP_END
};

static const struct probe_step steps_mail_smtputf8[] = {
	STEP_GREETING, STEP_EHLO, STEP_SEND("MAIL FROM:<> SMTPUTF8\r\n"),
	STEP_QUIT, STEP_END
};

/*
 * Cisco doc 113423 (interactive telnet): a command that arrives one
 * character per segment gets each character X-filled by the ASA.  The
 * EHLO goes first so that the byte-per-segment NOOP is the last exchange,
 * the one the report classifies.
 */
static const struct probe_step steps_segmented[] = {
	STEP_GREETING, STEP_SEND("EHLO %h\r\n"),
	{ .kind = PS_SEND, .text = "NOOP\r\n", .split = PSPLIT_BYTE,
	  .replies = 1 },
	STEP_QUIT, STEP_END
};

/* RFC 2920 3.1: MAIL, RCPT and RSET may go in one group. */
static const struct probe_step steps_pipelined[] = {
	STEP_GREETING, STEP_EHLO,
	{ .kind = PS_SEND, .replies = 3,
	  .text = "MAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nRSET\r\n" },
	STEP_QUIT, STEP_END
};

/* RFC 3207: STARTTLS, handshake, EHLO again inside TLS. */
static const struct probe_step steps_starttls[] = {
	STEP_GREETING, STEP_SEND("EHLO %h\r\n"),
	{ .kind = PS_STARTTLS, .replies = 1 },
	STEP_SEND("EHLO %h\r\n"), STEP_QUIT, STEP_END
};

/*
 * Bug CSCds90792 (PIX before 5.2(4)/6.0(1)): "\r\n." and the final "\r\n"
 * in separate segments lose the end of data.  Sends a real message: only
 * with --send-test-message.
 */
static const struct probe_step steps_eod_split[] = {
	STEP_GREETING, STEP_EHLO, STEP_SEND("MAIL FROM:<>\r\n"),
	{ .kind = PS_REQUIRE_2XX }, STEP_SEND("RCPT TO:<%t>\r\n"),
	{ .kind = PS_REQUIRE_2XX }, STEP_SEND("DATA\r\n"),
	{ .kind = PS_REQUIRE_3XX },
	{ .kind = PS_SEND, .split = PSPLIT_EOD, .replies = 1,
	  .text = "From: <>\r\nTo: <%t>\r\nDate: %d\r\n"
	  "Subject: mailguard end-of-data split test\r\n\r\n"
	  "This message tests whether the end-of-data marker survives\r\n"
	  "the path when it is split across TCP segments.\r\n.\r\n" },
	STEP_QUIT, STEP_END
};

/* Exposure: open relay (RCPT to a reserved outside domain, RFC 2606),
 * never DATA. */
static const struct probe_step steps_relay[] = {
	STEP_GREETING, STEP_EHLO,
	STEP_SEND("MAIL FROM:<mailguard-probe@example.org>\r\n"),
	{ .kind = PS_REQUIRE_2XX },
	STEP_SEND("RCPT TO:<relay-test@example.net>\r\n"),
	STEP_SEND("RSET\r\n"), STEP_QUIT, STEP_END
};

/* Exposure: RFC 5321 4.5.3.1.4 limits a command line to 512 octets;
 * this NOOP line is 1000. */
#define X10	"xxxxxxxxxx"
#define X100	X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
static const struct probe_step steps_long_line[] = {
	STEP_GREETING, STEP_EHLO,
	STEP_SEND("NOOP " X100 X100 X100 X100 X100 X100 X100 X100 X100
	    X10 X10 X10 X10 X10 X10 X10 X10 X10 "xxx\r\n"),
	STEP_QUIT, STEP_END
};

/* Lock-down: would mail be accepted (never DATA)? */
static const struct probe_step steps_lockdown[] = {
	STEP_GREETING, STEP_EHLO, STEP_SEND("MAIL FROM:<>\r\n"),
	STEP_SEND("RCPT TO:<postmaster>\r\n"), STEP_SEND("RSET\r\n"),
	STEP_QUIT, STEP_END
};

#define PROBE(id, nm, fl, desc)						\
static const struct probe_def probe_##id = {				\
	.name = nm, .description = desc, .flags = fl, .steps = steps_##id \
}
#define D	PROBE_F_DEFAULT
#define EXP	PROBE_F_EXPOSURE
PROBE(greeting, "greeting", D, "the greeting alone");
PROBE(ehlo, "ehlo", D, "EHLO and its keywords");
PROBE(helo, "helo", D, "HELO");
PROBE(invalid_verb, "invalid-verb", D,
    "unknown verb goodmorning (the control)");
PROBE(invalid_verb2, "invalid-verb2", D, "a second random unknown verb");
PROBE(auth, "verb-auth", D, "AUTH PLAIN");
PROBE(starttls_verb, "verb-starttls", D, "STARTTLS verb only, no handshake");
PROBE(bdat, "verb-bdat", D, "BDAT 0 LAST (RFC 3030)");
PROBE(xlink2state, "verb-x-link2state", D, "Exchange X-LINK2STATE");
PROBE(xexch50, "verb-xexch50", D, "Exchange XEXCH50");
PROBE(etrn, "verb-etrn", D, "ETRN (RFC 1985)");
PROBE(vrfy, "verb-vrfy", D, "VRFY postmaster");
PROBE(help, "verb-help", D, "HELP");
PROBE(expn, "verb-expn", D, "EXPN postmaster");
PROBE(mail_8bitmime, "mail-8bitmime", D, "MAIL FROM:<> BODY=8BITMIME");
PROBE(mail_smtputf8, "mail-smtputf8", D, "MAIL FROM:<> SMTPUTF8");
PROBE(segmented, "segmented", D, "NOOP sent one byte per TCP segment");
PROBE(pipelined, "pipelined", D, "MAIL, RCPT, RSET as one RFC 2920 group");
PROBE(starttls, "starttls", D | PROBE_F_TLS,
    "STARTTLS handshake, EHLO inside TLS");
PROBE(eod_split, "eod-split", PROBE_F_DATA,
    "a real message with \\r\\n. and \\r\\n in separate segments");
PROBE(wiz, "exp-wiz", EXP, "legacy sendmail backdoor WIZ");
PROBE(debug, "exp-debug", EXP, "legacy sendmail backdoor DEBUG");
PROBE(kill, "exp-kill", EXP, "legacy KILL");
PROBE(turn, "exp-turn", EXP, "TURN (RFC 821, role reversal)");
PROBE(atrn, "exp-atrn", EXP, "ATRN (RFC 2645)");
PROBE(relay, "exp-relay", EXP,
    "open relay: RCPT to an outside domain, then RSET");
PROBE(long_line, "exp-long-line", EXP, "a 1000-octet command line");
PROBE(lockdown, "lockdown", PROBE_F_LOCKDOWN,
    "EHLO, MAIL, RCPT postmaster, RSET (never DATA)");

const struct probe_def *const probe_table[] = {
	&probe_greeting, &probe_ehlo, &probe_helo, &probe_invalid_verb,
	&probe_invalid_verb2, &probe_auth, &probe_starttls_verb, &probe_bdat,
	&probe_xlink2state, &probe_xexch50, &probe_etrn, &probe_vrfy,
	&probe_help, &probe_expn, &probe_mail_8bitmime, &probe_mail_smtputf8,
	&probe_segmented, &probe_pipelined, &probe_starttls, &probe_eod_split,
	&probe_wiz, &probe_debug, &probe_kill, &probe_turn, &probe_atrn,
	&probe_relay, &probe_long_line, &probe_lockdown,
	NULL
};

static const char *const step_names[] = {
	[PS_END] = "end",
	[PS_GREETING] = "greeting",
	[PS_SEND] = "send",
	[PS_HELO_FALLBACK] = "helo-fallback",
	[PS_REQUIRE_2XX] = "require-2xx",
	[PS_REQUIRE_3XX] = "require-3xx",
	[PS_STARTTLS] = "starttls",
	[PS_QUIT] = "quit",
};

const struct probe_def *
probe_table_find(const char *name)
{
	size_t i;

	for (i = 0; probe_table[i] != NULL; i++)
		if (strcmp(probe_table[i]->name, name) == 0)
			return probe_table[i];
	return NULL;
}

size_t
probe_table_count(void)
{
	size_t i;

	for (i = 0; probe_table[i] != NULL; i++)
		continue;
	return i;
}

const char *
probe_step_kind_name(enum probe_step_kind kind)
{
	if ((size_t)kind >= sizeof(step_names) / sizeof(step_names[0]))
		return "?";
	return step_names[kind];
}
