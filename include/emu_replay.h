/*
 * emu_replay.h - offline replay: rewrite a clean capture as if it had
 * passed through the emulated box (`mailguard-emulate --profile P
 * --replay IN -w OUT [--randomize-isn [--seed N]]`).
 *
 * FOR THE emu-proxy HELPER / the driver: call
 *	emu_replay_run(profile, in_path, out_path, randomize_isn, seed, errbuf)
 * (or emu_replay_run_log() to get device syslog lines and statistics).
 *
 * What it does: reads pcap or pcapng (libpcap, any link type pcap_in.h
 * decodes: Ethernet with VLAN tags, Linux SLL/SLL2, raw IPv4/IPv6,
 * BSD loopback), finds TCP flows, feeds each new payload segment of each
 * direction through emu_rewrite_segment() (one emu_conn per flow, hold
 * mode off: a capture cannot delay bytes), and writes every record to a
 * pcap file (same link type, same timestamps, same lengths).  The client
 * of a flow is the sender of the SYN; without a SYN, the side that talks
 * to port 25, 587, 465 or 2525.
 *  - TCP checksums are recomputed for fully captured segments (so offload
 *    artefacts in the input come out valid) and updated incrementally
 *    (RFC 1624) for truncated ones.  IP headers are not changed (lengths
 *    never change), so their checksums stay as they were.
 *  - Only flows to port 25, 587 or 2525 are inspected; other TCP flows
 *    (465 implicit TLS, HTTP ...) are copied, ISN offsets still applied.
 *  - randomize_isn: a per-direction, per-flow offset (from seed,
 *    deterministic) is added to sequence numbers and to the matching
 *    acknowledgements, as the ASA does by default.  SACK blocks in TCP
 *    options are not shifted.
 *  - Retransmissions get the bytes already emitted for their offset
 *    (emu_rewrite_history); a gap or out-of-order data ends rewriting of
 *    that direction (the rest is copied as is, counted).
 *  - A segment the engine suppresses entirely (pix-4.1 answering a
 *    command itself, the pix-5.1 end-of-data bug) is left out of the
 *    output; cut bytes inside a segment are removed from it (IP length
 *    and checksums fixed); later sequence/ack numbers shift to match.
 *  - The box's own answers (pix-4.1 "250 OK", 421 before a drop) are
 *    written as a frame from the server's address right after the
 *    client's segment (headers copied, addresses and ports swapped, no
 *    TCP options); later server sequence numbers move up by its length.
 *  - After a drop (ASA drop-connection) the rest of the flow is left out.
 *
 * Errors: -1 with a message in errbuf (MG_ERRBUF_SIZE) naming the file,
 * and the record number for damaged input.  Records that are not TCP are
 * copied unchanged.  Nothing here prints or exits.
 */
#ifndef EMU_REPLAY_H
#define EMU_REPLAY_H

#include <stdint.h>

#include "emu_log.h"
#include "emu_profile.h"

struct emu_replay_stats {
	uint64_t	records;	/* read */
	uint64_t	written;	/* written */
	uint64_t	tcp;		/* decoded TCP segments */
	uint64_t	flows;
	uint64_t	retired;	/* closed flows forgotten after lingering */
	uint64_t	evicted;	/* open flows forgotten: idle or table full */
	uint64_t	segments;	/* payload segments fed to the engine */
	uint64_t	bytes_changed;	/* payload bytes that differ */
	uint64_t	retransmissions;
	uint64_t	suppressed;	/* records left out (engine suppress) */
	uint64_t	dropped;	/* records left out after a drop */
	uint64_t	partial_cuts;	/* cuts that could not be applied */
	uint64_t	injected;	/* box answers written as frames */
	uint64_t	injects;	/* box answers not representable */
	uint64_t	gaps;		/* directions given up (gap/reorder) */
	uint64_t	truncated;	/* segments cut by the snap length */
};

int	emu_replay_run(const struct emu_profile *p, const char *in,
	    const char *out, int randomize_isn, uint32_t seed, char *errbuf);

/* Same, with device syslog lines to log (may be NULL) and statistics
 * (may be NULL). */
int	emu_replay_run_log(const struct emu_profile *p, const char *in,
	    const char *out, int randomize_isn, uint32_t seed,
	    struct emu_log *log, struct emu_replay_stats *st, char *errbuf);

#endif /* EMU_REPLAY_H */
