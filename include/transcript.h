/*
 * transcript.h - the events of one SMTP connection: the single hand-off
 * between the sources (live prober, capture reader) and the judging side
 * (dialog, features, fingerprints, report).
 *
 * A transcript owns everything it holds.  Bytes of each direction are
 * appended to one stream buffer per direction (capped at
 * MG_TRANSCRIPT_BYTES_MAX; past it bytes are counted, not kept, and the
 * anomaly "transcript-truncated" is recorded once).  Every DATA event
 * records where its bytes sit in that stream (off, len), so segment
 * boundaries survive.  A GAP event marks missing bytes: nothing is
 * invented; the stream simply continues after the gap and readers resync.
 *
 * Timestamps are microseconds: capture time for captures, wall time for
 * live probes.  Directions: TR_C2S client to server, TR_S2C server to client.
 * Functions never fail: caps turn into counted drops.
 */
#ifndef TRANSCRIPT_H
#define TRANSCRIPT_H

#include <stdint.h>
#include <stddef.h>

#include "buf.h"

enum tr_dir {
	TR_C2S = 0,
	TR_S2C = 1,
};

enum tr_kind {
	TR_EV_CONNECT,	/* TCP established (live) or SYN seen (capture) */
	TR_EV_DATA,	/* one segment (capture) or one write/read (live) */
	TR_EV_FIN,	/* dir closed its sending side */
	TR_EV_RST,	/* dir sent a reset */
	TR_EV_GAP,	/* len bytes missing from the capture in dir */
	TR_EV_TLS,	/* TLS starts at off in dir: later bytes are not SMTP */
	TR_EV_TIMEOUT,	/* live: waited for dir and nothing (more) came */
	TR_EV_ANOMALY,	/* named oddity (name), detail optional */
	TR_EV_NOTE,	/* free text (a probe step, a prober decision) */
	TR_EV__COUNT
};

struct tr_event {
	enum tr_kind	 kind;
	enum tr_dir	 dir;
	uint64_t	 ts_us;
	uint64_t	 off;	/* offset in the stored stream of dir */
	uint64_t	 len;	/* DATA: stored bytes; GAP: bytes missing */
	uint32_t	 seq;	/* TCP sequence of the first byte, if known */
	int		 have_seq;
	const char	*name;	/* ANOMALY: static string, e.g. "bare-lf" */
	char		*detail; /* owned, may be NULL */
};

/* TCP facts, per direction (index enum tr_dir). */
struct tr_tcp {
	int		have_syn[2];
	uint32_t	isn[2];
	uint16_t	mss[2];		/* 0: option absent */
	int		have_wscale[2];
	uint8_t		wscale[2];
	int		sack_ok[2];
	int		have_ts[2];
	uint16_t	window[2];	/* on the SYN / SYN-ACK */
	uint8_t		ttl[2];		/* IPv4 TTL / IPv6 hop limit seen */
	uint8_t		opts[2][40];	/* raw TCP options of the SYN */
	uint8_t		optlen[2];
};

struct transcript {
	char		 label[64];	/* probe name or "session N" */
	char		 client[64];	/* address text, no port */
	char		 server[64];
	uint16_t	 cport, sport;
	uint64_t	 start_us, end_us;
	struct buf	 stream[2];
	uint64_t	 total[2];	/* bytes seen, stored or not */
	struct tr_event	*ev;
	size_t		 nev, evsize;
	uint64_t	 events_dropped;
	size_t		 nanomalies;
	uint64_t	 anomalies_dropped;
	struct tr_tcp	 tcp;
	int		 tls;		/* a TR_EV_TLS was recorded */
	uint64_t	 tls_off[2];	/* stream offsets where TLS began */
};

/*
 * transcript_free() keeps the storage of small transcripts (a bounded
 * pool, thread-safe) for the next transcript_new(); transcript_pool_drain()
 * frees what the pool holds (at exit, or to measure memory).
 */
struct transcript *transcript_new(const char *label);
void transcript_free(struct transcript *t);
void transcript_pool_drain(void);

void transcript_set_peers(struct transcript *t, const char *client,
    uint16_t cport, const char *server, uint16_t sport);

/* Append one segment of n bytes sent in dir.  seq < 0: unknown. */
void transcript_data(struct transcript *t, enum tr_dir dir, uint64_t ts_us,
    int64_t seq, const uint8_t *p, size_t n);
/* CONNECT, FIN, RST, TIMEOUT, TLS (TLS also sets t->tls / tls_off). */
void transcript_event(struct transcript *t, enum tr_kind kind,
    enum tr_dir dir, uint64_t ts_us);
void transcript_gap(struct transcript *t, enum tr_dir dir, uint64_t ts_us,
    uint64_t missing);
/* name must be a string literal (stored by pointer). */
void transcript_anomaly(struct transcript *t, enum tr_dir dir,
    uint64_t ts_us, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void transcript_note(struct transcript *t, enum tr_dir dir, uint64_t ts_us,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* All stored bytes of one direction. */
const uint8_t *transcript_bytes(const struct transcript *t, enum tr_dir dir,
    size_t *len);
/* Number of anomalies recorded under name (exact match). */
size_t transcript_anomaly_count(const struct transcript *t, const char *name);

const char *transcript_kind_name(enum tr_kind kind);
const char *transcript_dir_name(enum tr_dir dir);	/* "C>S" / "S>C" */

#endif /* TRANSCRIPT_H */
