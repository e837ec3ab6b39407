/* emu_server_personalities.c - reply tables of the built-in MTAs. */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "emu_server.h"

/*
 * The greetings, EHLO keyword lists and reply texts below are the ones the
 * real servers send (public transcripts of Exchange 2003 SP2 "Version:
 * 6.0.3790.3959", Exchange 2007 hub transport, Postfix 3.7 on Debian 12
 * and Sendmail 8.17 on Debian 12).  Where a reply is not documented (the
 * Exchange verbs X-LINK2STATE/XEXCH50 without a peer) the text is marked
 * INF.  Templates: see emu_server_expand() in emu_server.h.
 */

/* Exchange 2003: the verbs Cisco's inspection refuses (behaviour reference
 * section 2: X-LINK2STATE, XEXCH50, X-EXPS, CHUNKING, BINARYMIME). */
static const struct emu_server_kw ex2003_ehlo[] = {
	{ "TURN", 0 },
	{ "ATRN", 0 },
	{ "SIZE", 0 },
	{ "ETRN", 0 },
	{ "PIPELINING", 0 },
	{ "DSN", 0 },
	{ "ENHANCEDSTATUSCODES", 0 },
	{ "8bitmime", 0 },
	{ "BINARYMIME", 0 },
	{ "CHUNKING", 0 },
	{ "VRFY", 0 },
	{ "X-EXPS GSSAPI NTLM LOGIN", 0 },
	{ "X-EXPS=LOGIN", 0 },
	{ "AUTH GSSAPI NTLM LOGIN", 0 },
	{ "AUTH=LOGIN", 0 },
	{ "X-LINK2STATE", 0 },
	{ "XEXCH50", 0 },
	{ "STARTTLS", EMU_SERVER_KW_PLAIN_ONLY },
	{ NULL, 0 }
};

static const struct emu_server_verb ex2003_verbs[] = {
	{ "TURN", "502 5.7.0 TURN not available" },
	{ "ATRN", "503 5.5.2 Need authentication" },		/* INF */
	{ "ETRN", "250 2.0.0 Queuing for node %a started" },
	{ "X-EXPS", "504 5.7.4 Unrecognized authentication type" }, /* INF */
	{ "X-LINK2STATE", "503 5.5.2 Need authentication" },	/* INF */
	{ "XEXCH50", "503 5.5.2 Need authentication" },		/* INF */
	{ NULL, NULL }
};

static const struct emu_server_personality pers_exchange2003 = {
	.name = "exchange2003",
	.description = "Microsoft Exchange 2003 SP2 (IIS SMTP 6.0.3790.3959)",
	.reply = {
		[EMU_SR_GREETING] = "220 %h Microsoft ESMTP MAIL Service, "
		    "Version: 6.0.3790.3959 ready at  %d ",
		[EMU_SR_HELO] = "250 %h Hello [%c]",
		[EMU_SR_EHLO] = "%h Hello [%c]",
		[EMU_SR_EHLO_LAST] = "OK",
		[EMU_SR_MAIL] = "250 2.1.0 %a....Sender OK",
		[EMU_SR_RCPT] = "250 2.1.5 %a ",
		[EMU_SR_DATA] = "354 Start mail input; end with "
		    "<CRLF>.<CRLF>",
		[EMU_SR_QUEUED] = "250 2.6.0 <%q@%h> Queued mail for delivery",
		[EMU_SR_BDAT_CHUNK] = "250 2.0.0 %n bytes received",
		[EMU_SR_RSET] = "250 2.0.0 Resetting",
		[EMU_SR_NOOP] = "250 2.0.0 OK",
		[EMU_SR_QUIT] = "221 2.0.0 %h Service closing transmission "
		    "channel",
		[EMU_SR_VRFY] = "252 2.1.5 Cannot VRFY user, but will take "
		    "message for <%a@%h>",
		[EMU_SR_HELP] = "214-This server supports the following "
		    "commands:\n214 HELO EHLO STARTTLS RCPT DATA RSET MAIL "
		    "QUIT HELP AUTH TURN ATRN ETRN BDAT VRFY",
		[EMU_SR_STARTTLS] = "220 2.0.0 SMTP server ready",
		[EMU_SR_AUTH_USER] = "334 VXNlcm5hbWU6",
		[EMU_SR_AUTH_PASS] = "334 UGFzc3dvcmQ6",
		[EMU_SR_AUTH_PLAIN] = "334 ",
		[EMU_SR_AUTH_OK] = "235 2.7.0 Authentication successful.",
		[EMU_SR_AUTH_NONE] = "503 5.5.2 Need authentication type",
		[EMU_SR_AUTH_BADMECH] = "504 5.7.4 Unrecognized "
		    "authentication type.",
		[EMU_SR_AUTH_TWICE] = "503 5.5.2 Already authenticated",
		[EMU_SR_UNKNOWN] = "500 5.3.3 Unrecognized command",
		[EMU_SR_NEED_HELO] = "503 5.5.2 Send hello first",
		[EMU_SR_NEED_MAIL] = "503 5.5.2 Need mail command.",
		[EMU_SR_NEED_RCPT] = "503 5.5.2 Need Rcpt command.",
		[EMU_SR_NESTED_MAIL] = "503 5.5.2 Sender already specified",
		[EMU_SR_SYNTAX] = "501 5.5.4 Invalid Address",
		[EMU_SR_TOO_LONG] = "500 5.5.1 Line too long",
		[EMU_SR_TOO_BIG] = "552 5.3.4 Message size exceeds fixed "
		    "maximum message size",
		[EMU_SR_SPOOL_FAIL] = "451 4.3.0 Error writing message, "
		    "try again later",
		[EMU_SR_TLS_ACTIVE] = "503 5.5.1 TLS already active",
		[EMU_SR_NOT_OFFERED] = "500 5.3.3 Unrecognized command",
	},
	.ehlo = ex2003_ehlo,
	.verbs = ex2003_verbs,
	.size_max = 0,
	.helo_required = 1,
};

/* Exchange 2007 hub transport: under TLS it drops X-ANONYMOUSTLS and adds
 * AUTH LOGIN (behaviour reference section 4.5). */
static const struct emu_server_kw ex2007_ehlo[] = {
	{ "SIZE 10485760", 0 },
	{ "PIPELINING", 0 },
	{ "DSN", 0 },
	{ "ENHANCEDSTATUSCODES", 0 },
	{ "STARTTLS", EMU_SERVER_KW_PLAIN_ONLY },
	{ "X-ANONYMOUSTLS", EMU_SERVER_KW_PLAIN_ONLY },
	{ "AUTH NTLM", EMU_SERVER_KW_PLAIN_ONLY },
	{ "AUTH NTLM LOGIN", EMU_SERVER_KW_TLS_ONLY },
	{ "X-EXPS GSSAPI NTLM", 0 },
	{ "8BITMIME", 0 },
	{ "BINARYMIME", 0 },
	{ "CHUNKING", 0 },
	{ "XEXCH50", 0 },
	{ NULL, 0 }
};

static const struct emu_server_verb ex2007_verbs[] = {
	{ "X-ANONYMOUSTLS", "504 5.7.4 Unrecognized authentication type" },
	{ "X-EXPS", "504 5.7.4 Unrecognized authentication type" },
	{ "XEXCH50", "503 5.5.2 Need authentication" },		/* INF */
	{ NULL, NULL }
};

static const struct emu_server_personality pers_exchange2007 = {
	.name = "exchange2007",
	.description = "Microsoft Exchange 2007 hub transport",
	.reply = {
		[EMU_SR_GREETING] = "220 %h Microsoft ESMTP MAIL Service "
		    "ready at %d",
		[EMU_SR_HELO] = "250 %h Hello [%c]",
		[EMU_SR_EHLO] = "%h Hello [%c]",
		[EMU_SR_MAIL] = "250 2.1.0 Sender OK",
		[EMU_SR_RCPT] = "250 2.1.5 Recipient OK",
		[EMU_SR_DATA] = "354 Start mail input; end with "
		    "<CRLF>.<CRLF>",
		[EMU_SR_QUEUED] = "250 2.6.0 <%q@%h> Queued mail for delivery",
		[EMU_SR_BDAT_CHUNK] = "250 2.6.0 CHUNK received OK",
		[EMU_SR_RSET] = "250 2.0.0 Resetting",
		[EMU_SR_NOOP] = "250 2.0.0 OK",
		[EMU_SR_QUIT] = "221 2.0.0 Service closing transmission "
		    "channel",
		[EMU_SR_VRFY] = "252 2.1.5 Cannot VRFY user",
		[EMU_SR_HELP] = "214-This server supports the following "
		    "commands:\n214 HELO EHLO STARTTLS RCPT DATA RSET MAIL "
		    "QUIT HELP AUTH BDAT",
		[EMU_SR_STARTTLS] = "220 2.0.0 SMTP server ready",
		[EMU_SR_AUTH_USER] = "334 VXNlcm5hbWU6",
		[EMU_SR_AUTH_PASS] = "334 UGFzc3dvcmQ6",
		[EMU_SR_AUTH_PLAIN] = "334 ",
		[EMU_SR_AUTH_OK] = "235 2.7.0 Authentication successful",
		[EMU_SR_AUTH_NONE] = "504 5.7.4 Unrecognized authentication "
		    "type",
		[EMU_SR_AUTH_BADMECH] = "504 5.7.4 Unrecognized "
		    "authentication type",
		[EMU_SR_AUTH_TWICE] = "503 5.5.2 Already authenticated",
		[EMU_SR_UNKNOWN] = "500 5.3.3 Unrecognized command",
		[EMU_SR_NEED_HELO] = "503 5.5.2 Send hello first",
		[EMU_SR_NEED_MAIL] = "503 5.5.2 Need mail command",
		[EMU_SR_NEED_RCPT] = "503 5.5.2 Need rcpt command",
		[EMU_SR_NESTED_MAIL] = "503 5.5.2 Sender already specified",
		[EMU_SR_SYNTAX] = "501 5.5.4 Invalid arguments",
		[EMU_SR_TOO_LONG] = "500 5.5.6 Line too long",
		[EMU_SR_TOO_BIG] = "552 5.3.4 Message size exceeds fixed "
		    "maximum message size",
		[EMU_SR_SPOOL_FAIL] = "451 4.7.0 Temporary server error. "
		    "Please try again later",
		[EMU_SR_TLS_ACTIVE] = "503 5.5.2 Already in TLS",
		[EMU_SR_NOT_OFFERED] = "500 5.3.3 Unrecognized command",
	},
	.ehlo = ex2007_ehlo,
	.verbs = ex2007_verbs,
	.size_max = 10485760,
	.helo_required = 1,
};

/* Postfix 3.7 (Debian 12, smtpd_tls_security_level=may, SASL offered only
 * under TLS as in a submission set-up). */
static const struct emu_server_kw postfix_ehlo[] = {
	{ "PIPELINING", 0 },
	{ "SIZE 10240000", 0 },
	{ "VRFY", 0 },
	{ "ETRN", 0 },
	{ "STARTTLS", EMU_SERVER_KW_PLAIN_ONLY },
	{ "AUTH PLAIN LOGIN", EMU_SERVER_KW_TLS_ONLY },
	{ "ENHANCEDSTATUSCODES", 0 },
	{ "8BITMIME", 0 },
	{ "DSN", 0 },
	{ "SMTPUTF8", 0 },
	{ "CHUNKING", 0 },
	{ NULL, 0 }
};

static const struct emu_server_verb postfix_verbs[] = {
	{ "ETRN", "458 Unable to queue messages for node %a" },
	{ NULL, NULL }
};

static const struct emu_server_personality pers_postfix = {
	.name = "postfix",
	.description = "Postfix 3.7 (Debian 12)",
	.reply = {
		[EMU_SR_GREETING] = "220 %h ESMTP Postfix (Debian/GNU)",
		[EMU_SR_HELO] = "250 %h",
		[EMU_SR_EHLO] = "%h",
		[EMU_SR_MAIL] = "250 2.1.0 Ok",
		[EMU_SR_RCPT] = "250 2.1.5 Ok",
		[EMU_SR_DATA] = "354 End data with <CR><LF>.<CR><LF>",
		[EMU_SR_QUEUED] = "250 2.0.0 Ok: queued as %q",
		[EMU_SR_BDAT_CHUNK] = "250 2.0.0 Ok: %n bytes",
		[EMU_SR_RSET] = "250 2.0.0 Ok",
		[EMU_SR_NOOP] = "250 2.0.0 Ok",
		[EMU_SR_QUIT] = "221 2.0.0 Bye",
		[EMU_SR_VRFY] = "252 2.0.0 %a",
		[EMU_SR_HELP] = NULL,
		[EMU_SR_STARTTLS] = "220 2.0.0 Ready to start TLS",
		[EMU_SR_AUTH_USER] = "334 VXNlcm5hbWU6",
		[EMU_SR_AUTH_PASS] = "334 UGFzc3dvcmQ6",
		[EMU_SR_AUTH_PLAIN] = "334 ",
		[EMU_SR_AUTH_OK] = "235 2.7.0 Authentication successful",
		[EMU_SR_AUTH_NONE] = "503 5.5.1 Error: authentication not "
		    "enabled",
		[EMU_SR_AUTH_BADMECH] = "535 5.7.8 Error: authentication "
		    "failed: Invalid authentication mechanism",
		[EMU_SR_AUTH_TWICE] = "503 5.5.1 Error: already "
		    "authenticated",
		[EMU_SR_UNKNOWN] = "502 5.5.2 Error: command not recognized",
		[EMU_SR_NEED_HELO] = "503 5.5.1 Error: send HELO/EHLO first",
		[EMU_SR_NEED_MAIL] = "503 5.5.1 Error: need MAIL command",
		[EMU_SR_NEED_RCPT] = "554 5.5.1 Error: no valid recipients",
		[EMU_SR_NESTED_MAIL] = "503 5.5.1 Error: nested MAIL command",
		[EMU_SR_SYNTAX] = "501 5.5.4 Syntax: MAIL FROM:<address>",
		[EMU_SR_TOO_LONG] = "500 5.5.2 Error: line too long",
		[EMU_SR_TOO_BIG] = "552 5.3.4 Message size exceeds fixed "
		    "limit",
		[EMU_SR_SPOOL_FAIL] = "451 4.3.0 Error: queue file write "
		    "error",
		[EMU_SR_TLS_ACTIVE] = "554 5.5.1 Error: TLS already active",
		[EMU_SR_NOT_OFFERED] = "502 5.5.1 Error: command not "
		    "implemented",
	},
	.ehlo = postfix_ehlo,
	.verbs = postfix_verbs,
	.size_max = 10240000,
	/* smtpd_helo_required = no (postconf(5) default) */
	.helo_required = 0,
};

/* Sendmail 8.17: quotes the unknown command back, which shows an X-filled
 * verb to the client (behaviour reference section 4.3). */
static const struct emu_server_kw sendmail_ehlo[] = {
	{ "ENHANCEDSTATUSCODES", 0 },
	{ "PIPELINING", 0 },
	{ "EXPN", 0 },
	{ "VERB", 0 },
	{ "8BITMIME", 0 },
	{ "SIZE", 0 },
	{ "DSN", 0 },
	{ "ETRN", 0 },
	{ "AUTH LOGIN PLAIN", 0 },
	{ "STARTTLS", EMU_SERVER_KW_PLAIN_ONLY },
	{ "DELIVERBY", 0 },
	{ "HELP", 0 },
	{ NULL, 0 }
};

static const struct emu_server_verb sendmail_verbs[] = {
	{ "EXPN", "502 5.7.0 Sorry, we do not allow this operation" },
	{ "VERB", "250 2.0.0 Verbose mode" },
	{ "ETRN", "250 2.0.0 Queuing for node %a started" },
	{ NULL, NULL }
};

static const struct emu_server_personality pers_sendmail = {
	.name = "sendmail",
	.description = "Sendmail 8.17 (Debian 12)",
	.reply = {
		[EMU_SR_GREETING] = "220 %h ESMTP Sendmail 8.17.1.9/8.17.1.9/"
		    "Debian-2+deb12u2; %d; (No UCE/UBE) logging access from: "
		    "localhost(OK)-localhost [%c]",
		[EMU_SR_HELO] = "250 %h Hello localhost [%c], pleased to "
		    "meet you",
		[EMU_SR_EHLO] = "%h Hello localhost [%c], pleased to meet you",
		[EMU_SR_MAIL] = "250 2.1.0 <%a>... Sender ok",
		[EMU_SR_RCPT] = "250 2.1.5 <%a>... Recipient ok",
		[EMU_SR_DATA] = "354 Enter mail, end with \".\" on a line by "
		    "itself",
		[EMU_SR_QUEUED] = "250 2.0.0 %q Message accepted for delivery",
		[EMU_SR_RSET] = "250 2.0.0 Reset state",
		[EMU_SR_NOOP] = "250 2.0.0 OK",
		[EMU_SR_QUIT] = "221 2.0.0 %h closing connection",
		[EMU_SR_VRFY] = "252 2.5.2 Cannot VRFY user; try RCPT to "
		    "attempt delivery (or try finger)",
		[EMU_SR_HELP] = "214-2.0.0 This is sendmail version 8.17.1.9\n"
		    "214-2.0.0 Topics:\n214-2.0.0 \tHELO\tEHLO\tMAIL\tRCPT\t"
		    "DATA\n214-2.0.0 \tRSET\tNOOP\tQUIT\tHELP\tVRFY\n"
		    "214-2.0.0 \tEXPN\tVERB\tETRN\tDSN\tAUTH\n"
		    "214-2.0.0 \tSTARTTLS\n214 2.0.0 End of HELP info",
		[EMU_SR_STARTTLS] = "220 2.0.0 Ready to start TLS",
		[EMU_SR_AUTH_USER] = "334 VXNlcm5hbWU6",
		[EMU_SR_AUTH_PASS] = "334 UGFzc3dvcmQ6",
		[EMU_SR_AUTH_PLAIN] = "334 ",
		[EMU_SR_AUTH_OK] = "235 2.0.0 OK Authenticated",
		[EMU_SR_AUTH_NONE] = "503 5.3.3 AUTH not available",
		[EMU_SR_AUTH_BADMECH] = "504 5.3.3 AUTH mechanism %a not "
		    "available",
		[EMU_SR_AUTH_TWICE] = "503 5.5.0 Already Authenticated",
		[EMU_SR_UNKNOWN] = "500 5.5.1 Command unrecognized: \"%l\"",
		[EMU_SR_NEED_HELO] = "503 5.0.0 Polite people say HELO first",
		[EMU_SR_NEED_MAIL] = "503 5.0.0 Need MAIL before RCPT",
		[EMU_SR_NEED_RCPT] = "503 5.0.0 Need RCPT (recipient)",
		[EMU_SR_NESTED_MAIL] = "503 5.5.0 Sender already specified",
		[EMU_SR_SYNTAX] = "501 5.5.2 Syntax error in parameters",
		[EMU_SR_TOO_LONG] = "500 5.5.0 Command line too long",
		[EMU_SR_TOO_BIG] = "552 5.2.3 Message exceeds maximum fixed "
		    "size",
		[EMU_SR_SPOOL_FAIL] = "451 4.3.0 Local error in processing",
		[EMU_SR_TLS_ACTIVE] = "503 5.5.0 TLS already active",
		[EMU_SR_NOT_OFFERED] = "500 5.5.1 Command unrecognized: "
		    "\"%l\"",
	},
	.ehlo = sendmail_ehlo,
	.verbs = sendmail_verbs,
	.size_max = 0,
	/* PrivacyOptions without needmailhelo (Debian default) */
	.helo_required = 0,
};

const struct emu_server_personality *const emu_server_personalities[] = {
	&pers_exchange2003,
	&pers_exchange2007,
	&pers_postfix,
	&pers_sendmail,
	NULL
};

const struct emu_server_personality *
emu_server_find(const char *name)
{
	const struct emu_server_personality *const *p;

	for (p = emu_server_personalities; *p != NULL; p++)
		if (strcmp((*p)->name, name) == 0)
			return *p;
	return NULL;
}
