/*
 * emu_replay_int.h - packet editing for the offline replay (private to
 * emu_replay.c and emu_replay_pkt.c): checksums, removing cut bytes from
 * a record, building the frame of a reply the box sends itself.
 *
 * All functions work on one captured record in a caller's buffer and
 * never read past its caplen; they return 0, or -1 when the record's
 * headers cannot be edited (unknown link layer, truncated headers).
 */
#ifndef EMU_REPLAY_INT_H
#define EMU_REPLAY_INT_H

#include <stddef.h>
#include <stdint.h>

#include <pcap/pcap.h>

#include "emu_rewrite.h"
#include "pcap_in.h"

/* The record being rewritten. */
struct rp_rec {
	int			 dlt;
	struct pcap_pkthdr	 h;	/* caplen/len shrink with cuts */
	uint8_t			*b;	/* h.caplen bytes */
	struct pcap_pkt		 k;	/* decoded; pointers into b */
	size_t			 ip_off;
	int			 ip_ok;	/* ip_off found and consistent */
	size_t			 tcp_off;
};

/* Locate the IP header (fills ip_off, ip_ok, tcp_off). */
void	rp_rec_locate(struct rp_rec *r);
/* TCP checksum over the captured segment: full when the segment is
 * complete, else the RFC 1624 update from the old header+payload. */
void	rp_tcp_csum(struct rp_rec *r, const uint8_t *old, size_t oldlen);
/* Remove the cut ranges of a (offsets relative to payload byte pay_off
 * of the record, within n bytes); fixes IP lengths.  Returns the bytes
 * removed, or 0 when the record cannot be edited. */
size_t	rp_rec_cut(struct rp_rec *r, size_t pay_off, size_t n,
	    const struct emu_actions *a);
/* Frame of n bytes from the server to the client, answering record r
 * (a client segment): headers of r with addresses and ports swapped, no
 * TCP options, PSH|ACK, the given seq and ack.  out holds at least
 * r->tcp_off + 20 + n bytes.  Returns the frame length, 0 on failure. */
size_t	rp_inject_frame(const struct rp_rec *r, const uint8_t *data,
	    size_t n, uint32_t seq, uint32_t ack, uint8_t *out);

#endif /* EMU_REPLAY_INT_H */
