/*
 * smtp_line.h - incremental, resumable SMTP line framer, plus the return
 * codes and slice type shared by every SMTP parser.
 *
 * Feed any split of the byte stream; get the same lines back (tested:
 * whole, byte by byte, every split point).  Lines end at LF; a CR right
 * before the LF is removed and a line ending in LF alone is flagged
 * SMTP_LINE_BARE_LF (RFC 5321 2.3.8: lines end with CRLF; bare LF is
 * accepted by many servers and is evidence).  A line longer than the cap
 * (default MG_LINE_MAX, content without CRLF) returns its first cap bytes
 * flagged SMTP_LINE_OVERLONG; the rest is discarded up to the LF.  Lines
 * longer than 512 octets with CRLF (RFC 5321 4.5.3.1.4 commands, 4.5.3.1.5
 * replies) are flagged SMTP_LINE_RFC_LONG but returned whole.
 *
 * Ownership: the framer owns its partial-line storage (at most cap
 * bytes).  A returned line's bytes point either into the framer or into
 * the caller's input; they stay valid until the next call on the framer
 * and as long as the caller's input is unchanged.  Nothing here prints or
 * fails except by the return codes below.
 */
#ifndef SMTP_LINE_H
#define SMTP_LINE_H

#include <stddef.h>
#include <stdint.h>

/* Return codes of every streaming parser in mailguard. */
enum {
	SMTP_OK = 0,		/* a result is in *out */
	SMTP_AGAIN = 1,		/* all input consumed, need more */
	SMTP_INVALID = 2,	/* input unusable (result still describes it) */
	SMTP_ERROR = 3,		/* internal error (caller bug) */
};

/* A {ptr,len} view into someone else's bytes; never NUL-terminated. */
struct smtp_slice {
	const uint8_t	*p;
	size_t		 len;
};

/* Per-line flags. */
#define SMTP_LINE_BARE_LF	0x01u	/* ended in LF without CR */
#define SMTP_LINE_OVERLONG	0x02u	/* longer than the cap: cut */
#define SMTP_LINE_RFC_LONG	0x04u	/* > 512 octets incl. CRLF */
#define SMTP_LINE_NO_EOL	0x08u	/* from smtp_line_flush() at EOF */
#define SMTP_LINE_NUL		0x10u	/* contains a NUL byte */
#define SMTP_LINE_BARE_CR	0x20u	/* CR not followed by LF inside */
#define SMTP_LINE_8BIT		0x40u	/* contains bytes >= 0x80 */

struct smtp_line {
	const uint8_t	*p;	/* content without the CRLF / LF */
	size_t		 len;	/* <= cap */
	size_t		 full_len; /* content length before any cut */
	uint64_t	 off;	/* stream offset of the first byte */
	uint64_t	 end;	/* stream offset just past the LF */
	unsigned	 flags;	/* SMTP_LINE_* */
};

struct smtp_line_framer {
	uint8_t		*buf;	/* partial line, first cap bytes */
	size_t		 blen;	/* bytes stored in buf */
	size_t		 cap;	/* content cap */
	size_t		 full;	/* bytes of the partial line seen */
	uint64_t	 off;	/* stream offset of the next byte */
	uint64_t	 line_off; /* stream offset of the partial line */
	unsigned	 flags;	/* flags of the partial line so far */
	int		 prev_cr; /* last byte seen was CR */
};

/* cap 0 means MG_LINE_MAX.  Never fails. */
void	smtp_line_init(struct smtp_line_framer *f, size_t cap);
/* Release storage; f may be NULL.  Re-init before reuse. */
void	smtp_line_free(struct smtp_line_framer *f);
/*
 * Consume bytes from [*pp, end) up to and including the next LF.
 * SMTP_OK: a line is in *out and *pp points past the LF.
 * SMTP_AGAIN: all input consumed (*pp == end), no complete line.
 */
int	smtp_line_feed(struct smtp_line_framer *f, const uint8_t **pp,
	    const uint8_t *end, struct smtp_line *out);
/*
 * At EOF: SMTP_OK with the partial line flagged SMTP_LINE_NO_EOL (a CR at
 * its end is kept as content), or SMTP_AGAIN if nothing is pending.
 */
int	smtp_line_flush(struct smtp_line_framer *f, struct smtp_line *out);
/*
 * Discard any partial line (e.g. after a capture gap); the stream offset
 * continues at f->off + skip.
 */
void	smtp_line_reset(struct smtp_line_framer *f, uint64_t skip);
/* Bytes of the current partial line seen so far (0: at a line start). */
size_t	smtp_line_pending(const struct smtp_line_framer *f);
/* Static name of one SMTP_LINE_* bit ("bare-lf", ...), NULL if unknown. */
const char *smtp_line_flag_name(unsigned bit);

#endif /* SMTP_LINE_H */
