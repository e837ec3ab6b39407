/*
 * dialog.h - one SMTP connection as a dialogue: the greeting, each command
 * with the reply it got, message bodies counted, and the oddities named.
 *
 * dialog_from_transcript() replays a transcript's events in order through
 * a command framer (client side) and the reply parser (server side):
 *  - the greeting is the first reply the server sends (none when the
 *    transcript is labelled "starttls-inner": no greeting inside TLS,
 *    RFC 3207 4.2); the raw greeting bytes are kept for classification;
 *  - replies are matched to commands first in, first out (RFC 2920 3.1
 *    pipelining), so a pipelined group pairs up like a lock-step one;
 *  - a reply that arrives with no command waiting is kept in orphans[]
 *    and recorded as anomaly "reply-without-command";
 *  - after DATA is answered 354 the client bytes up to CRLF.CRLF are the
 *    body (RFC 5321 4.1.1.4), counted not parsed, and the reply after it is
 *    that exchange's body_reply; BDAT n takes exactly n bytes (RFC 3030 2);
 *  - a body reply is "late" (body_late) when the client gave up first:
 *    after the end of data it waited, with no server byte, for a
 *    TR_EV_TIMEOUT or for 5 s or more (capture timestamps), then sent its
 *    next command or closed, and only then the reply came (pix-5.1
 *    holding the final CRLF of a split end of data, CSCds90792);
 *    pipelined bytes sent at once (RFC 2920) are never late;
 *  - after a 220 reply to STARTTLS the rest of the connection is TLS
 *    (RFC 3207 4): parsing stops there.  If the client bytes after it are
 *    not a TLS record (first byte 0x16) but look like SMTP text, anomaly
 *    "cleartext-after-starttls" (decrypted capture or intercepting box);
 *  - a TR_EV_GAP resets both framers (resync), nothing is invented; the
 *    exchange in flight is marked gap.
 *
 * Ownership: the dialog owns copies of everything (command bytes, parsed
 * commands whose slices point into the copied line, replies); it does not
 * point into the transcript, which may be freed first.  All of it lives
 * in the dialog's arena (its replies are in_arena, smtp_reply.h; the
 * struct dialog itself is the arena's first block), freed at once by
 * dialog_free(); dialog_free(NULL) is a no-op.  Caps:
 * MG_DIALOG_EXCH_MAX exchanges, MG_DIALOG_ORPHANS_MAX orphans,
 * MG_DIALOG_ANOM_MAX anomalies; past a cap the item is counted in the
 * *_dropped field.  Never prints; never fails (hostile bytes become
 * anomalies).
 */
#ifndef DIALOG_H
#define DIALOG_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "smtp_cmd.h"
#include "smtp_ext.h"
#include "smtp_reply.h"

struct transcript;

#define MG_DIALOG_EXCH_MAX	4096
#define MG_DIALOG_ORPHANS_MAX	256
#define MG_DIALOG_ANOM_MAX	256
/* Raw greeting bytes kept for classification. */
#define MG_DIALOG_GREETING_MAX	4096

/* How an exchange ended. */
enum dialog_end {
	DIALOG_END_REPLY,	/* got its reply */
	DIALOG_END_NONE,	/* no reply: transcript ended (timeout/eof) */
	DIALOG_END_CLOSED,	/* server FIN before the reply */
	DIALOG_END_RESET,	/* RST before the reply */
	DIALOG_END_TIMEOUT,	/* TR_EV_TIMEOUT before the reply */
	DIALOG_END_GAP,		/* a gap lost the command or reply */
};

struct dialog_exchange {
	uint8_t		*line;		/* raw command line incl. CRLF, owned */
	size_t		 linelen;
	char		 verb[24];	/* first word upper-cased, printable */
	struct smtp_cmd	 cmd;		/* parsed; slices point into line */
	int		 cmd_rc;	/* smtp_cmd_parse(): SMTP_OK/INVALID */
	unsigned	 segments;	/* DATA events that carried the line */
	int		 pipelined;	/* sent before the previous reply */
	uint64_t	 ts_us;		/* first byte of the command */
	int		 has_reply;
	struct smtp_reply reply;	/* valid when has_reply */
	uint64_t	 reply_ts_us;
	enum dialog_end	 end;
	/* DATA (after 354) or BDAT: body bytes and the final reply. */
	int		 has_body;
	uint64_t	 body_bytes;
	int		 eod_split;	/* "." and its CRLF in separate
					 * segments (CSCds90792 trigger) */
	int		 has_body_reply;
	struct smtp_reply body_reply;
	enum dialog_end	 body_end;
	int		 body_late;	/* body_reply came after the client
					 * gave up (see dialog_from_...) */
	/* An answered EHLO's keywords, parsed once (dialog_ext). */
	int		 ext_parsed;
	int		 ext_rc;	/* smtp_ext_parse(): 0 or -1 */
	struct smtp_ext_list ext;	/* in the arena, when ext_parsed */
};

struct dialog_anomaly {
	const char	*name;		/* static */
	char		*detail;	/* owned, may be NULL */
};

struct dialog {
	char		 label[64];
	int		 connected;	/* any event at all */
	int		 no_greeting;	/* starttls-inner: none expected */
	int		 has_greeting;
	struct smtp_reply greeting;
	uint8_t		*greeting_raw;	/* raw bytes of the greeting, owned */
	size_t		 greeting_rawlen;
	struct dialog_exchange *ex;
	size_t		 nex, exsize;
	uint64_t	 ex_dropped;
	struct smtp_reply *orphans;
	size_t		 norphans, orphroom;
	uint64_t	 orphans_dropped;
	struct dialog_anomaly *anom;
	size_t		 nanom, anomroom;
	uint64_t	 anom_dropped;
	int		 tls_started;	/* 220 to STARTTLS seen */
	int		 tls_record;	/* and a TLS record followed */
	int		 server_fin, server_rst, client_fin, client_rst;
	int		 timeout;
	uint64_t	 gaps;
	uint64_t	 bytes[2];	/* stream bytes seen, per tr_dir */
	struct arena	 arena;		/* every part of the dialog */
};

struct dialog	*dialog_from_transcript(const struct transcript *t);
void		 dialog_free(struct dialog *d);

/* Number of anomalies recorded under name (exact match). */
size_t		 dialog_anomaly_count(const struct dialog *d,
		    const char *name);
/* First exchange whose verb equals verb (case-insensitive), or NULL. */
const struct dialog_exchange *dialog_find(const struct dialog *d,
		    const char *verb);
const char	*dialog_end_name(enum dialog_end e);
/*
 * The EHLO keywords of x's reply (RFC 1869 4.3): those parsed when the
 * dialog was built, or else parsed into *tmp.  NULL when the reply does
 * not parse.  The caller always ends with smtp_ext_list_free(tmp), which
 * is a no-op when tmp was not used.
 */
const struct smtp_ext_list *dialog_ext(const struct dialog_exchange *x,
		    struct smtp_ext_list *tmp);

#endif /* DIALOG_H */
