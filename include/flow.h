/*
 * flow.h - the table of TCP connections in a capture, keyed by the
 * address/port 4-tuple (both directions map to one flow), each with its
 * two reassembly directions and, while it may be SMTP, its transcript.
 *
 * Roles: the sender of a bare SYN is the client, of a SYN-ACK the server;
 * without a handshake (a capture that starts mid-stream) a known SMTP
 * port (25, 465, 587, 2525) marks the server, else the lower port, else
 * the destination of the first packet.
 *
 * SMTP is recognised by content on any port (RFC 5321 4.2, 4.1.1.1): the
 * server's first bytes are "220" then SP or '-', or the client's are
 * EHLO/HELO; and by port (25, 587, 2525) for flows whose start was not
 * captured.  Port 465 is implicit TLS (RFC 8314 3.3): counted as
 * FLOW_TLS, not parsed.  Flows found to be something else drop their
 * transcript at once and only wait for their end.
 *
 * Eviction (counted per reason in struct flow_stats): both FINs
 * delivered, a RST, no packet for idle_us of capture time, the table at
 * its cap (the least recently active flow goes), end of file.
 *
 * Ownership: the table owns its flows.  The event callback is told of
 * each new flow, of a flow that turned out not to be SMTP, and of each
 * closed flow; on FLOW_EV_CLOSE the flow is already unlinked from the
 * table and the callback owns it (free with flow_free()).  Nothing here
 * fails or prints; caps turn into evictions.
 */
#ifndef FLOW_H
#define FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "pcap_in.h"
#include "reasm.h"
#include "transcript.h"

enum flow_kind {
	FLOW_UNKNOWN = 0,	/* too little seen yet */
	FLOW_SMTP,
	FLOW_TLS,		/* implicit TLS (465) */
	FLOW_OTHER,		/* not SMTP: transcript dropped */
	FLOW_KIND__COUNT
};

enum flow_end {
	FLOW_END_FIN = 0,
	FLOW_END_RST,
	FLOW_END_IDLE,
	FLOW_END_CAP,
	FLOW_END_EOF,
	FLOW_END__COUNT
};

enum flow_ev {
	FLOW_EV_NEW,		/* a flow was created */
	FLOW_EV_OTHER,		/* the flow is not SMTP after all */
	FLOW_EV_CLOSE,		/* evicted: the callback now owns it */
};

struct flow {
	/* What a lookup reads first, in one cache line: the flows are
	 * evicted from the cache by the packet data between two packets of
	 * one flow (flow_lookup was 5% of -r's time with these spread over
	 * 360 bytes). */
	struct flow	*hnext;		/* table link (private) */
	uint32_t	 hash;		/* (private) */
	int		 af;
	uint8_t		 caddr[16], saddr[16];
	uint16_t	 cport, sport;
	uint64_t	 id;		/* 1-based, first-packet order */
	enum flow_kind	 kind;
	enum flow_end	 end;
	int		 handshake;	/* roles known from SYN / SYN-ACK */
	int		 rst;
	uint64_t	 first_us, last_us;
	uint64_t	 packets;
	uint64_t	 bytes[2];	/* payload bytes on the wire per dir */
	struct reasm	 r[2];
	struct transcript *t;		/* NULL once FLOW_OTHER */
	/* table links (private) */
	struct flow	*lprev, *lnext;	/* activity order, oldest first */
	void		*user;		/* for the callback's use */
};

struct flow_stats {
	uint64_t	 flows;
	uint64_t	 kind[FLOW_KIND__COUNT];
	uint64_t	 evicted[FLOW_END__COUNT];
	uint64_t	 segments;	/* TCP segments handled */
	uint64_t	 stray;		/* no flow and nothing to start one */
	uint64_t	 active_max;	/* most flows open at once */
	uint64_t	 retrans, ooo, gaps, gap_bytes, overlap_diff;
};

typedef void flow_event_fn(struct flow *f, enum flow_ev ev, void *arg);

struct flow_table;

/* max 0: MG_FLOWS_MAX; idle_us 0: MG_FLOW_IDLE_SEC. */
struct flow_table *flow_table_new(size_t max, uint64_t idle_us,
    flow_event_fn *cb, void *arg);
/* Frees flows still open without calling back (use flow_table_flush
 * first to have them delivered). */
void flow_table_free(struct flow_table *ft);

/* One decoded TCP segment. */
void flow_input(struct flow_table *ft, const struct pcap_pkt *pkt);
/* End of input: close every open flow, in id order. */
void flow_table_flush(struct flow_table *ft);

const struct flow_stats *flow_table_stats(const struct flow_table *ft);
size_t flow_table_active(const struct flow_table *ft);

void flow_free(struct flow *f);

const char *flow_kind_name(enum flow_kind k);
const char *flow_end_name(enum flow_end e);

#endif /* FLOW_H */
