/*
 * emu_inline.h - the inline emulator: `mailguard-emulate --inline --queue N
 * --profile P [--randomize-isn [--seed N]]` consumes packets from a Linux
 * netfilter queue (iptables NFQUEUE target), rewrites SMTP payloads in
 * flight with the same-length rewrite engine (emu_rewrite.h), applies a
 * per-connection, per-direction ISN offset and gives every packet back to
 * the kernel.  Like a PIX/ASA, it is not a proxy: both endpoints see one
 * TCP connection.  Owner: the "path" helper.
 *
 * TWO LAYERS
 *  - emu_inline_packet(): the pure packet core.  One IPv4 or IPv6 packet
 *    (raw, as the queue delivers it) in, the same packet rewritten in
 *    place (its length never changes) and a verdict out.  No I/O: the
 *    unit tests feed it packets they build.
 *  - emu_inline_queue_*(): the NFQUEUE loop (nfq_open, nfq_create_queue,
 *    NFQNL_COPY_PACKET, nfq_set_verdict with the rewritten packet) around
 *    the core, until *stop becomes non-zero.
 *
 * PER FLOW (key: the 5-tuple; a flow is created by a client SYN only;
 * packets of flows we never saw open are accepted unchanged, counted)
 *  - Payloads of the server port (default 25) go through
 *    emu_rewrite_segment() per direction, hold mode off (an inline box
 *    cannot delay bytes).  The engine is fed each stream byte once, in
 *    order: a segment ahead of the next expected byte (reordering, or a
 *    loss before us) is DROPPED so that the sender retransmits it in
 *    order, as a stateful firewall does.
 *  - RETRANSMISSIONS are rewritten identically by relying on the
 *    engine's history (emu_rewrite_history(): the last EMU_HISTORY_MAX
 *    bytes emitted per direction): bytes already seen are replaced by the
 *    bytes emitted for them the first time, new bytes are fed.  A
 *    retransmission older than the history is dropped (never forwarded
 *    unrewritten).
 *  - randomize_isn: an offset per direction (xorshift32 from the seed:
 *    deterministic) is added to sequence numbers and subtracted from the
 *    peer's acknowledgements and SACK blocks (RFC 2018 section 3), as the
 *    ASA does by default (behaviour reference, item 4).
 *  - A segment the engine suppresses entirely (pix-4.1 answering a
 *    command itself, pix-5.1's end-of-data bug) is dropped and later
 *    sequence/ack numbers are shifted so the endpoints stay in step.
 *    When the box answers such a segment itself (pix-4.1's "250 OK"),
 *    emu_inline_inject() gives the answer as a packet from the other
 *    endpoint, next in the sequence space the sender sees (the other
 *    side's later bytes move up by its length); a retransmission of the
 *    answered segment is dropped and answered again.  Partial cuts, and
 *    answers to segments that are not suppressed whole, would change
 *    lengths in place: counted, bytes forwarded.
 *  - After an engine drop (ASA drop-connection) every later packet of the
 *    flow is dropped.
 *  - Checksums: the TCP checksum is recomputed (RFC 9293 3.1 pseudo-
 *    header; RFC 8200 8.1 for IPv6) when anything changed; the IPv4
 *    header never changes.
 *  - Flows end: RST, or FIN seen both ways (kept EMU_INLINE_LINGER_SEC
 *    more for the last ACKs and retransmissions), or idle for idle_sec;
 *    at max_flows the least recently used flow is evicted.
 *
 * Errors: emu_inline_new() cannot fail (xmalloc); emu_inline_queue_*()
 * returns -1 with a message in errbuf (MG_ERRBUF_SIZE).  Hostile packets
 * never fail: undecodable ones are accepted unchanged and counted.
 * Nothing here prints or exits; the engine logs through cfg->log.
 * Ownership: cfg->profile and cfg->log must outlive the struct.
 */
#ifndef EMU_INLINE_H
#define EMU_INLINE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_log.h"
#include "emu_profile.h"

/* Concurrent flows (default cap) and timers (seconds). */
#define EMU_INLINE_FLOWS_MAX	4096
#define EMU_INLINE_IDLE_SEC	300
#define EMU_INLINE_LINGER_SEC	10
/* Largest packet taken from the queue (NFQNL_COPY_PACKET range). */
#define EMU_INLINE_PKT_MAX	65535
/* Largest answer the box sends itself (pix-4.1 "250 OK"). */
#define EMU_INLINE_INJECT_MAX	1024

struct emu_inline_cfg {
	const struct emu_profile *profile;
	struct emu_log	*log;		/* may be NULL */
	int		 randomize_isn;
	uint32_t	 seed;
	uint16_t	 port;		/* inspected server port; 0: 25 */
	unsigned	 max_flows;	/* 0: EMU_INLINE_FLOWS_MAX */
	unsigned	 idle_sec;	/* 0: EMU_INLINE_IDLE_SEC */
};

struct emu_inline_stats {
	uint64_t	packets;
	uint64_t	tcp;		/* decoded TCP packets */
	uint64_t	untracked;	/* TCP of no known flow: as is */
	uint64_t	flows;		/* flows created */
	uint64_t	expired;	/* ended (FIN/RST/idle) */
	uint64_t	evicted;	/* pushed out at max_flows */
	uint64_t	segments;	/* payload segments fed to engine */
	uint64_t	retransmissions;
	uint64_t	bytes_changed;	/* payload bytes that differ */
	uint64_t	changed;	/* packets changed */
	uint64_t	dropped;	/* verdict drop (any reason) */
	uint64_t	reordered;	/* dropped: ahead of the stream */
	uint64_t	too_old;	/* dropped: older than the history */
	uint64_t	suppressed;	/* dropped: engine suppress */
	uint64_t	partial_cuts;	/* cuts not applied */
	uint64_t	injected;	/* box answers sent (and re-sent) */
	uint64_t	injects;	/* box answers that could not be */
};

enum emu_inline_verdict {
	EMU_INLINE_ACCEPT = 0,
	EMU_INLINE_DROP = 1,
};

struct emu_inline;

struct emu_inline *emu_inline_new(const struct emu_inline_cfg *cfg);
void	emu_inline_free(struct emu_inline *ei);	/* NULL: no-op */

/*
 * Process one raw IP packet pkt[0..len) received at now_us (monotonic
 * microseconds), in place.  Returns the verdict; *changed is set to 1
 * when bytes of the packet changed (give them back to the kernel).
 */
enum emu_inline_verdict emu_inline_packet(struct emu_inline *ei,
	    uint8_t *pkt, size_t len, uint64_t now_us, int *changed);

/*
 * The packet the box sends itself after the last emu_inline_packet() call
 * (raw IPv4/IPv6, checksums set), NULL (*len 0) when none.  Valid until
 * the next call.  The queue loop sends it with a raw socket.
 */
const uint8_t *emu_inline_inject(const struct emu_inline *ei, size_t *len);

/* Flows currently tracked, and the counters. */
size_t	emu_inline_nflows(const struct emu_inline *ei);
const struct emu_inline_stats *emu_inline_stats(const struct emu_inline *ei);

/*
 * The ISN offsets of the flow whose client is (af, caddr, cport) and
 * server (saddr, sport): [0] client to server, [1] server to client.
 * Returns -1 when no such flow is tracked (tests, logs).
 */
int	emu_inline_offsets(const struct emu_inline *ei, int af,
	    const uint8_t *caddr, uint16_t cport, const uint8_t *saddr,
	    uint16_t sport, uint32_t off[2]);

/*
 * The netfilter queue `queue` (needs CAP_NET_ADMIN): open binds it (the
 * kernel queues to us from then on; NULL with errbuf on error), run
 * consumes packets until *stop is non-zero (checked at least every
 * 200 ms; 0 when stopped, -1 with errbuf on a queue error), close
 * unbinds (NULL: no-op).
 */
struct emu_inline_queue;

struct emu_inline_queue *emu_inline_queue_open(struct emu_inline *ei,
	    uint16_t queue, char *errbuf);
int	emu_inline_queue_run(struct emu_inline_queue *iq,
	    volatile sig_atomic_t *stop, char *errbuf);
void	emu_inline_queue_close(struct emu_inline_queue *iq);

#endif /* EMU_INLINE_H */
