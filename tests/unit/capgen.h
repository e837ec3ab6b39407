/*
 * capgen.h - test and benchmark helper: write pcap / pcapng files byte by
 * byte (so tests control every field, including broken ones) and build
 * TCP/IP frames for each supported link type.
 *
 * The output is a struct buf owned by the struct capgen (cap given at
 * init); capgen_conn_* keep sequence numbers for one TCP connection so a
 * test can write a dialogue in a few lines.  Frames get correct IPv4 and
 * TCP checksums.  Test code only: dies (xmalloc) rather than fails.
 */
#ifndef CAPGEN_H
#define CAPGEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"

/* LINKTYPE_ values written into files (not DLT_ values). */
#define CAPGEN_LT_NULL		0
#define CAPGEN_LT_EN10MB	1
#define CAPGEN_LT_RAW		101
#define CAPGEN_LT_LOOP		108
#define CAPGEN_LT_SLL		113
#define CAPGEN_LT_IPV4		228
#define CAPGEN_LT_IPV6		229
#define CAPGEN_LT_SLL2		276

struct capgen {
	struct buf	 out;
	int		 linktype;
	int		 pcapng;
	int		 null_le;	/* DLT_NULL family little-endian */
	uint32_t	 snaplen;
	int		 vlans;		/* 802.1Q tags on Ethernet frames */
	int		 v6ext;		/* add hop-by-hop + dest-opts headers */
};

struct capgen_pkt {
	int		 v6;
	uint8_t		 src[16], dst[16];
	uint16_t	 sport, dport;
	uint32_t	 seq, ack;
	uint8_t		 flags;		/* PCAP_TCP_* */
	uint16_t	 window;
	uint8_t		 ttl;
	const uint8_t	*opts;
	size_t		 optlen;	/* multiple of 4 */
	const uint8_t	*data;
	size_t		 len;
};

/* One TCP connection's state for the conn helpers. */
struct capgen_conn {
	struct capgen	*g;
	int		 v6;
	uint8_t		 addr[2][16];	/* [0] client, [1] server */
	uint16_t	 port[2];
	uint32_t	 seq[2];	/* next sequence number per side */
	uint64_t	 ts_us;		/* advanced 100 us per packet */
};

void capgen_init(struct capgen *g, int linktype, int pcapng, size_t cap);
void capgen_free(struct capgen *g);
/* Append one record of caplen bytes (wirelen on the wire). */
void capgen_record(struct capgen *g, uint64_t ts_us, const uint8_t *frame,
    size_t caplen, size_t wirelen);
/* Build the frame for p on g's link type; returns its length. */
size_t capgen_frame(const struct capgen *g, const struct capgen_pkt *p,
    uint8_t *out, size_t outsz);
void capgen_pkt(struct capgen *g, uint64_t ts_us, const struct capgen_pkt *p);
/* Address text to bytes (v4 or v6 by the text). */
void capgen_addr(const char *text, uint8_t out[16], int *v6);

void capgen_conn_init(struct capgen_conn *c, struct capgen *g,
    const char *client, uint16_t cport, const char *server, uint16_t sport,
    uint32_t cisn, uint32_t sisn, uint64_t ts_us);
/* SYN, SYN-ACK (MSS 1460, wscale 7, SACK-permitted), ACK. */
void capgen_conn_handshake(struct capgen_conn *c);
/* Side 0 (client) or 1 (server) sends data in segments of at most seg. */
void capgen_conn_send(struct capgen_conn *c, int side, const char *data,
    size_t len, size_t seg);
/* One segment at an explicit seq offset from the side's next seq,
 * without advancing it (retransmissions, reordering, gaps). */
void capgen_conn_raw(struct capgen_conn *c, int side, int32_t rel,
    const char *data, size_t len, uint8_t flags);
void capgen_conn_advance(struct capgen_conn *c, int side, uint32_t n);
void capgen_conn_fin(struct capgen_conn *c, int side);
void capgen_conn_rst(struct capgen_conn *c, int side);

/* The file as a stream for pcap_in_fopen (fmemopen over g->out). */
FILE *capgen_fopen(const struct capgen *g);
/* Write it to path; 0 or -1. */
int capgen_write(const struct capgen *g, const char *path);

/* xorshift64 (Marsaglia 2003) on *state (never 0), the top 32 of 53
 * bits: the tests' and the benchmark generator's reproducible dice. */
uint32_t capgen_rand(uint64_t *state);

#endif /* CAPGEN_H */
