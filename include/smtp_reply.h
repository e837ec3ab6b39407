/*
 * smtp_reply.h - incremental SMTP reply parser (RFC 5321 4.2) on top of
 * the line framer, plus a one-line parser for the emulator.
 *
 * Strict order, as OpenSMTPD does: length, code, separator, text.  A reply
 * line is "DDD-text" (more lines follow), "DDD text" or "DDD" (last line).
 * Oddities are named anomalies (bit flags, name via
 * smtp_reply_anomaly_name()), never errors:
 *  - a line without a valid code ends the reply at once (it is returned
 *    with SMTP_REPLY_NO_CODE; code 0 if it was the first line) so that a
 *    garbled or masked line never makes a reader wait forever (PIX 4.4
 *    masking a whole "220 " line, behaviour reference section 2);
 *  - a 4th byte other than '-' or ' ' is SMTP_REPLY_BAD_SEP and ends the
 *    reply (the line is kept, its text starts at the 4th byte);
 *  - continuation lines with another code: SMTP_REPLY_CODE_MISMATCH, the
 *    reply keeps the first line's code;
 *  - more than MG_REPLY_LINES_MAX lines: SMTP_REPLY_TOO_MANY_LINES, the
 *    middle lines are dropped (counted in ndropped) and the final line is
 *    always kept as the last element.
 * Line flags from the framer (over-long, bare LF, NUL, no EOL ...) are
 * or-ed into the reply's anomalies.
 *
 * Ownership: a struct smtp_reply returned by smtp_reply_feed/finish owns
 * its lines and texts; free them with smtp_reply_clear() (NULL-safe).  The
 * parser owns its framer and the reply being assembled; release with
 * smtp_reply_parser_free() (NULL-safe).  Allocation failure dies (xmalloc).
 * A parser given an arena (smtp_reply_parser_arena) puts the lines and
 * texts of its replies there instead: such a reply (in_arena) is freed
 * with the arena, and smtp_reply_clear() only empties it (dialog.c, one
 * arena per connection).
 */
#ifndef SMTP_REPLY_H
#define SMTP_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "smtp_line.h"

struct arena;

/* Reply anomalies. */
#define SMTP_REPLY_NO_CODE		0x0001u
#define SMTP_REPLY_BAD_SEP		0x0002u
#define SMTP_REPLY_CODE_MISMATCH	0x0004u
#define SMTP_REPLY_TOO_MANY_LINES	0x0008u
#define SMTP_REPLY_OVERLONG		0x0010u	/* a line past the cap */
#define SMTP_REPLY_BARE_LF		0x0020u
#define SMTP_REPLY_NO_EOL		0x0040u	/* last line had no LF (EOF) */
#define SMTP_REPLY_NUL			0x0080u
#define SMTP_REPLY_RFC_LONG		0x0100u	/* a line > 512 with CRLF */
#define SMTP_REPLY_BARE_CR		0x0200u
#define SMTP_REPLY_8BIT			0x0400u
#define SMTP_REPLY_INCOMPLETE		0x0800u	/* EOF before the last line */
#define SMTP_REPLY_BAD_CODE		0x1000u	/* digits out of RFC range */
#define SMTP_REPLY_ANOMALY_MAX		SMTP_REPLY_BAD_CODE

struct smtp_reply_line {
	char		*text;	/* after "DDD-"/"DDD ", raw bytes + NUL */
	size_t		 len;	/* bytes of text (may contain NULs) */
	char		 sep;	/* '-', ' ' or 0 (none / bad separator) */
	int		 code;	/* this line's code, 0 if none */
	unsigned	 line_flags; /* SMTP_LINE_* from the framer */
	uint64_t	 off;	/* stream offset of the line */
};

struct smtp_reply {
	int		 code;	/* 100..599; 0 if the first line had none */
	int		 enh_class, enh_subject, enh_detail; /* RFC 3463 of
				 * the last line, -1 if none */
	size_t		 nlines;
	struct smtp_reply_line *lines;
	size_t		 ndropped; /* lines dropped past the cap */
	unsigned	 anomalies; /* SMTP_REPLY_* */
	uint64_t	 off;	/* stream offset of the first byte */
	uint64_t	 end;	/* stream offset past the last byte */
	int		 in_arena; /* lines and texts in the parser's
				 * arena: not freed by smtp_reply_clear */
};

struct smtp_reply_parser {
	struct smtp_line_framer	 fr;
	struct smtp_reply	 cur;	/* reply being assembled */
	size_t			 cursize; /* allocated lines in cur */
	size_t			 max_lines;
	struct arena		*arena;	/* NULL: malloc */
};

/* line_cap 0: MG_LINE_MAX.  Never fails. */
void	smtp_reply_parser_init(struct smtp_reply_parser *rp, size_t line_cap);
/* Discard the partial reply and line (e.g. after a gap of skip bytes). */
void	smtp_reply_parser_reset(struct smtp_reply_parser *rp, uint64_t skip);
void	smtp_reply_parser_free(struct smtp_reply_parser *rp);
/* Lines and texts of the replies from now on in a (NULL: malloc). */
void	smtp_reply_parser_arena(struct smtp_reply_parser *rp,
	    struct arena *a);
/*
 * Consume bytes from [*pp, end).  SMTP_OK: a complete reply was moved into
 * *out (which must be empty or cleared; caller frees with
 * smtp_reply_clear) and *pp points past its last byte.  SMTP_AGAIN: all
 * input consumed, no complete reply yet.
 */
int	smtp_reply_feed(struct smtp_reply_parser *rp, const uint8_t **pp,
	    const uint8_t *end, struct smtp_reply *out);
/*
 * At EOF: SMTP_OK with whatever was pending (flagged NO_EOL and/or
 * INCOMPLETE), or SMTP_AGAIN if nothing was pending.
 */
int	smtp_reply_finish(struct smtp_reply_parser *rp, struct smtp_reply *out);
/* Free the lines of r and zero it; r may be NULL. */
void	smtp_reply_clear(struct smtp_reply *r);
/* Join the lines' text with "\n" into b (raw bytes).  0, or -1 at cap. */
int	smtp_reply_text(const struct smtp_reply *r, struct buf *b);
/*
 * Parse one reply line (no CRLF).  Sets *code (0 if none), *sep ('-', ' '
 * or 0) and *textoff (where the text starts: 4, 3 for "DDD" alone or a bad
 * separator, 0 without a code).  Returns the anomaly bits for that line
 * alone (0, SMTP_REPLY_NO_CODE, SMTP_REPLY_BAD_SEP, SMTP_REPLY_BAD_CODE).
 */
unsigned smtp_reply_parse_line(const uint8_t *p, size_t len, int *code,
	    char *sep, size_t *textoff);
/*
 * RFC 3463 enhanced status code at the start of text ("5.5.1 ..."):
 * 0 and the three numbers, or -1.  Also accepts a leading '#' (the form
 * "#5.5.1" of Exchange and the Cisco docs' sample "500 #5.5.1").
 */
int	smtp_reply_parse_enh(const char *text, size_t len, int *cls,
	    int *subject, int *detail);
/* Static name of one SMTP_REPLY_* bit ("no-code", ...), NULL if unknown. */
const char *smtp_reply_anomaly_name(unsigned bit);

#endif /* SMTP_REPLY_H */
