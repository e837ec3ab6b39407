/*
 * smtp_cmd.h - SMTP command parser for one line (without CRLF), verb
 * table, and the verb sets the Cisco boxes let through.
 *
 * Covers RFC 5321 4.1.1 (verbs), 4.1.2 (paths), MAIL FROM:<addr> and RCPT
 * TO:<addr> with esmtp-params (RFC 5321 4.1.1.2/4.1.1.3), SIZE= (RFC 1870),
 * BODY= 7BIT/8BITMIME (RFC 6152) / BINARYMIME (RFC 3030), SMTPUTF8
 * (RFC 6531) and BDAT n [LAST] (RFC 3030).  Parsing is tolerant: spaces
 * after the colon, missing angle brackets, a TAB after the verb... are
 * accepted and named as anomalies (SMTP_CMD_*), since a box rewriting the
 * dialogue is exactly what produces them.
 *
 * Ownership: struct smtp_cmd holds slices into the caller's line; they are
 * valid as long as the line.  Nothing allocates, prints or exits.
 */
#ifndef SMTP_CMD_H
#define SMTP_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "smtp_line.h"

enum smtp_verb {
	SMTP_VERB_UNKNOWN = 0,
	SMTP_VERB_HELO,
	SMTP_VERB_EHLO,
	SMTP_VERB_MAIL,
	SMTP_VERB_RCPT,
	SMTP_VERB_DATA,
	SMTP_VERB_BDAT,
	SMTP_VERB_RSET,
	SMTP_VERB_NOOP,
	SMTP_VERB_QUIT,
	SMTP_VERB_VRFY,
	SMTP_VERB_EXPN,
	SMTP_VERB_HELP,
	SMTP_VERB_TURN,
	SMTP_VERB_ATRN,
	SMTP_VERB_ETRN,
	SMTP_VERB_AUTH,
	SMTP_VERB_STARTTLS,
	SMTP_VERB_SAML,
	SMTP_VERB_SEND,
	SMTP_VERB_SOML,
	SMTP_VERB_XEXCH50,
	SMTP_VERB_X_LINK2STATE,
	SMTP_VERB_X_EXPS,
	SMTP_VERB_VERB,
	SMTP_VERB_WIZ,
	SMTP_VERB_DEBUG,
	SMTP_VERB_KILL,
	SMTP_VERB_LHLO,
	SMTP_VERB__COUNT
};

enum smtp_body {
	SMTP_BODY_NONE = 0,	/* no BODY= parameter */
	SMTP_BODY_7BIT,
	SMTP_BODY_8BITMIME,
	SMTP_BODY_BINARYMIME,
	SMTP_BODY_OTHER,	/* unknown value (anomaly BAD_PARAM) */
};

/* Command anomalies. */
#define SMTP_CMD_NO_VERB	0x00001u /* empty line or starts with space */
#define SMTP_CMD_VERB_XFILLED	0x00002u /* verb made only of 'X' */
#define SMTP_CMD_LINE_XFILLED	0x00004u /* whole line made only of 'X' */
#define SMTP_CMD_BAD_SEP	0x00008u /* verb followed by non-SP (TAB ...) */
#define SMTP_CMD_BAD_ADDR	0x00010u /* unusable path syntax */
#define SMTP_CMD_NO_BRACKETS	0x00020u /* path without < > */
#define SMTP_CMD_SPACE_COLON	0x00040u /* space around "FROM:" / "TO:" */
#define SMTP_CMD_NO_COLON	0x00080u /* MAIL/RCPT without FROM:/TO: */
#define SMTP_CMD_BAD_PARAM	0x00100u /* bad esmtp-param or value */
#define SMTP_CMD_DUP_PARAM	0x00200u /* same parameter twice */
#define SMTP_CMD_BAD_BDAT	0x00400u /* BDAT size missing/bad, junk */
#define SMTP_CMD_EXTRA_ARGS	0x00800u /* arguments to DATA, QUIT, RSET.. */
#define SMTP_CMD_MISSING_ARGS	0x01000u /* HELO/EHLO/VRFY... without one */
#define SMTP_CMD_NUL		0x02000u /* NUL byte in the line */
#define SMTP_CMD_8BIT		0x04000u /* bytes >= 0x80 (ok with SMTPUTF8) */
#define SMTP_CMD_CTRL		0x08000u /* other control characters */
#define SMTP_CMD_PIPE		0x10000u /* '|' in a path (ASA 108002) */
#define SMTP_CMD_LONG_PATH	0x20000u /* path > 256 (RFC 5321 4.5.3.1.3) */
#define SMTP_CMD_LOWERCASE	0x40000u /* verb not in upper case */
#define SMTP_CMD_ANOMALY_MAX	SMTP_CMD_LOWERCASE

struct smtp_cmd {
	enum smtp_verb		 verb;
	struct smtp_slice	 verb_text; /* the verb as sent */
	struct smtp_slice	 args;	/* everything after verb + SP */
	struct smtp_slice	 addr;	/* MAIL/RCPT path without < > */
	struct smtp_slice	 params; /* MAIL/RCPT esmtp-params */
	int			 have_addr;
	int			 null_path; /* MAIL FROM:<> */
	uint64_t		 size;	/* SIZE= (RFC 1870) */
	int			 have_size;
	enum smtp_body		 body;
	int			 smtputf8;
	uint64_t		 bdat_size;
	int			 bdat_last;
	unsigned		 anomalies; /* SMTP_CMD_* */
};

/*
 * Parse one command line (no CRLF).  SMTP_OK, or SMTP_INVALID when the
 * line cannot be used as the command it names (no verb, MAIL without
 * FROM:, BDAT without a size, unusable path); *out is filled in both cases.
 * An unknown verb is SMTP_OK with SMTP_VERB_UNKNOWN.
 */
int	smtp_cmd_parse(const uint8_t *p, size_t len, struct smtp_cmd *out);
/* Canonical upper-case name ("X-LINK2STATE"); "?" for UNKNOWN. */
const char *smtp_cmd_verb_name(enum smtp_verb v);
/* Case-insensitive lookup of a verb; SMTP_VERB_UNKNOWN if none. */
enum smtp_verb smtp_cmd_verb_lookup(const uint8_t *p, size_t len);
/* The seven RFC 821 4.5.1 minimum commands that PIX fixup passes. */
int	smtp_cmd_verb_is_rfc821(enum smtp_verb v);
/* The fifteen the ASA inspect esmtp passes (behaviour reference 2). */
int	smtp_cmd_verb_is_asa(enum smtp_verb v);
/*
 * Find esmtp-param name (case-insensitive) in cmd->params: 0 and its
 * value slice (len 0 when it has no "=value"), or -1.
 */
int	smtp_cmd_param(const struct smtp_cmd *cmd, const char *name,
	    struct smtp_slice *val);
/* Static name of one SMTP_CMD_* bit ("no-verb", ...), NULL if unknown. */
const char *smtp_cmd_anomaly_name(unsigned bit);

#endif /* SMTP_CMD_H */
