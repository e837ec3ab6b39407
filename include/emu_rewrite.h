/*
 * emu_rewrite.h - the same-length rewrite engine: what a PIX/ASA does to
 * the bytes of one SMTP connection, as a function of (profile, direction,
 * connection state, bytes).  Shared by the live proxy (emu_proxy), the
 * offline replay (emu_replay) and the inline NFQUEUE mode.
 *
 * USE
 *	c = emu_conn_new(profile, log, peers);
 *	emu_actions_init(&act);
 *	for each segment read from one side:
 *		emu_rewrite_segment(c, dir, buf, len, &act);
 *		if (act.drop)        close both sides (after sending
 *		                     act.inject to the sender, if any)
 *		n = emu_actions_compact(&act, buf, len - act.hold);
 *		forward buf[0..n) to the other side (n may be 0)
 *		send act.inject back to the sender of the segment
 *		keep buf[len - act.hold .. len) and put it IN FRONT of the
 *		next segment of the same direction (only when hold mode is
 *		on, see emu_conn_set_hold)
 *		if (act.passthrough) stop calling the engine: relay as is
 *	emu_actions_free(&act); emu_conn_free(c);
 *
 * SAME LENGTH: buf is rewritten in place and its length never changes;
 * CR and LF bytes are never changed.  Lengths change only through the
 * explicit actions: cuts (bytes not to forward: pix-4.1 answers a refused
 * command itself; the pix-5.1 end-of-data bug swallows a CRLF) and hold.
 *
 * SEGMENTS ARE MEANINGFUL: one call per TCP segment (or per read()).
 * Two documented behaviours depend on boundaries:
 *  - interactive_xfill (ASA, Cisco 113423): when a segment holds nothing
 *    but the start of a command verb (it begins at the start of a line
 *    and ends before the verb is complete: no SP/CR/LF after it yet),
 *    those bytes are X-filled and the whole line is refused (X-filled to
 *    its LF).  One character per segment -> "XXXX".  A verb cut by the
 *    end of a segment that also holds earlier lines (a bulk write cut by
 *    the MSS) is treated as below (hold or prefix).
 *  - eod_split_bug (pix-5.1, CSCds90792): when a DATA segment ends with
 *    a line-start '.' ("\r\n." ends it) and the next segment starts with
 *    "\r\n": "swallow" cuts those two bytes: the server never sees the
 *    end of data; the engine stays in DATA mode as the server does.
 *    "late" (hold mode only) holds them when they are the whole segment:
 *    act.hold = 2, nothing forwarded; presented again in front of the
 *    client's next segment, or once more with hold off at client EOF,
 *    they go through unchanged (same bytes, later) and end the data then.
 *    When more bytes follow them in the same segment they go at once.
 *    Without hold mode (replay, inline: they cannot delay bytes) "late"
 *    is "swallow".
 * Everywhere else the output is the same whatever the segmentation, with
 * hold mode on.  Without hold (the default, for replay and inline, which
 * cannot delay bytes) a few decisions that need bytes not yet seen are
 * taken on the prefix: a command verb split across segments passes if it
 * is a prefix of an allowed verb (and the rest of the line is X-filled if
 * it turns out refused); an EHLO keyword split across segments likewise
 * (its letter is written only if its last byte is in the later segment);
 * a pix-4.1 greeting line split across segments gets underscores where
 * "read" would go.
 *
 * END OF STREAM in hold mode: held bytes are undecided, not rewritten.
 * Before flushing them (client or server closed), call
 * emu_conn_set_hold(c, 0) and pass them once more: the engine then
 * decides them as it does without hold.
 *
 * DETERMINISM: the output depends only on the profile and the bytes and
 * boundaries fed so far.  A retransmission must not be fed again: the
 * inline mode asks emu_rewrite_history() for the bytes it already
 * emitted at a stream offset (kept for the last EMU_HISTORY_MAX bytes of
 * each direction) and feeds only new bytes.
 *
 * ERRORS: emu_rewrite_segment returns 0, or -1 only for invalid
 * arguments.  Hostile input never fails: it is rewritten per the profile.
 * Ownership: the conn keeps pointers to profile, log and peers (copied:
 * peers; not copied: profile and log, which must outlive the conn).
 */
#ifndef EMU_REWRITE_H
#define EMU_REWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "emu_log.h"
#include "emu_profile.h"

/* Rewritten bytes kept per direction for retransmissions. */
#define EMU_HISTORY_MAX		(64 * 1024)
/* Command replies awaited at once (pipelining); more are not tracked. */
#define EMU_PENDING_MAX		256
/* Longest verb / EHLO keyword the engine waits for before deciding. */
#define EMU_VERB_MAX		16
#define EMU_KEYWORD_MAX		64
/* Copy of the current command line kept for limits and logs. */
#define EMU_LINECOPY_MAX	1024
/* Bytes the box sends back itself in one call (answers, 421). */
#define EMU_INJECT_MAX		(16 * 1024)

enum emu_dir {
	EMU_C2S = 0,	/* client to server */
	EMU_S2C = 1,	/* server to client */
};

/* A range of the segment not to forward. */
struct emu_cut {
	size_t	off;
	size_t	len;
};

/* What the caller must do with one segment, besides forwarding it. */
struct emu_actions {
	int		 suppress;	/* nothing of this segment is forwarded
					   (all of it is cut) */
	struct emu_cut	*cuts;		/* sorted, not overlapping */
	size_t		 ncuts;
	size_t		 cuts_size;	/* allocated */
	struct buf	 inject;	/* bytes the BOX sends back to the
					   sender of this segment */
	int		 drop;		/* close both sides now */
	int		 passthrough;	/* inspection has stopped (TLS): relay
					   everything after this as is */
	size_t		 hold;		/* trailing bytes not consumed (hold
					   mode only): present them again */
};

void	emu_actions_init(struct emu_actions *a);
void	emu_actions_reset(struct emu_actions *a);  /* done by each call */
void	emu_actions_free(struct emu_actions *a);
/*
 * Remove the cut ranges from buf[0..len) in place; returns the bytes left
 * to forward.  len is normally the segment length minus act->hold.
 */
size_t	emu_actions_compact(const struct emu_actions *a, uint8_t *buf,
	    size_t len);

struct emu_conn;

struct emu_conn	*emu_conn_new(const struct emu_profile *p, struct emu_log *log,
		    const struct emu_peers *peers);
void		 emu_conn_free(struct emu_conn *c);	/* NULL: no-op */

/*
 * Hold mode (off by default): the engine may leave up to a keyword's or a
 * line's worth of trailing bytes unconsumed (act->hold) when it cannot
 * decide them yet; the caller presents them again in front of the next
 * segment.  Only a stream relay (the proxy) can do that.
 */
void	emu_conn_set_hold(struct emu_conn *c, int on);

/*
 * Replay mode (offline captures, off by default): the server in the
 * capture also answered the commands the box kept from it (pix-4.1
 * answers them itself).  In replay mode those server replies are cut, so
 * the rewritten capture shows what a client behind the box would see.
 * Likewise after the pix-5.1 end-of-data bug swallowed the terminator,
 * every later server byte is cut: the real server would still be waiting
 * for the end of the data.
 */
void	emu_conn_set_replay(struct emu_conn *c, int on);

/* Rewrite one segment in place (len unchanged); fills *act. */
int	emu_rewrite_segment(struct emu_conn *c, enum emu_dir d, uint8_t *buf,
	    size_t len, struct emu_actions *act);

/* Input bytes consumed so far in direction d (its stream offset). */
uint64_t emu_conn_offset(const struct emu_conn *c, enum emu_dir d);

/*
 * Copy the bytes already emitted for stream offsets [off, off+len) of
 * direction d into out; returns how many leading bytes were available
 * (0 when off is older than the history or not reached yet).  Bytes are
 * kept only while hold mode is off (inline, replay): the live proxy holds
 * and never retransmits, so its connections carry no history buffers.
 */
size_t	emu_rewrite_history(const struct emu_conn *c, enum emu_dir d,
	    uint64_t off, uint8_t *out, size_t len);

/* Inspection has stopped (TLS started) / the connection was dropped. */
int	emu_conn_passthrough(const struct emu_conn *c);
int	emu_conn_dropped(const struct emu_conn *c);

#endif /* EMU_REWRITE_H */
