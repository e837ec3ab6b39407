/*
 * pcap_in.h - read a capture file offline (pcap or pcapng, through
 * libpcap) and decode each record's link layer, IPv4/IPv6 and TCP header
 * into a host-order struct.
 *
 * Supported link types: DLT_EN10MB (with 802.1Q / 802.1ad QinQ tags),
 * DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW / LINKTYPE_IPV4 / LINKTYPE_IPV6,
 * DLT_NULL and DLT_LOOP (BSD loopback, family in either byte order).
 * Every byte is read through a bounded cursor against the capture length:
 * a truncated header is a counted reason to skip the packet, never a read
 * past caplen.  IPv4 fragments other than the first are counted and
 * skipped (TCP reassembly works on the first fragment only: SMTP
 * endpoints do not fragment in practice).  IPv6 extension headers
 * (hop-by-hop, routing, destination options, fragment) are walked; any
 * other next header stops the walk and the packet is skipped.
 *
 * Ownership: a struct pcap_in owns the libpcap handle.  One thread at a
 * time may use it: its stdio stream is read without stdio's own locking.
 * The payload and option pointers in a struct pcap_pkt point into
 * libpcap's buffer and stay valid only until the next pcap_in_next() call.
 *
 * Errors: pcap_in_open*() return NULL and pcap_in_next() returns
 * PCAP_IN_ERROR with a message in the caller's errbuf (MG_ERRBUF_SIZE)
 * that names the record number and the file offset of the damage.
 * Nothing here prints or exits.
 */
#ifndef PCAP_IN_H
#define PCAP_IN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* TCP flag bits (RFC 9293 3.1). */
#define PCAP_TCP_FIN	0x01
#define PCAP_TCP_SYN	0x02
#define PCAP_TCP_RST	0x04
#define PCAP_TCP_PSH	0x08
#define PCAP_TCP_ACK	0x10

/* Why a record produced no TCP segment (index into pcap_in.skipped). */
enum pcap_skip {
	PCAP_SKIP_NONE = 0,
	PCAP_SKIP_LINK,		/* unknown link type or ethertype */
	PCAP_SKIP_TRUNC,	/* a header cut short by the snap length */
	PCAP_SKIP_BADIP,	/* IP version/length fields inconsistent */
	PCAP_SKIP_FRAG,		/* a non-first IP fragment */
	PCAP_SKIP_NOTTCP,	/* IP but not TCP (or an unknown v6 header) */
	PCAP_SKIP_BADTCP,	/* TCP data offset < 5 or past the packet */
	PCAP_SKIP__COUNT
};

struct pcap_pkt {
	uint64_t	 ts_us;		/* capture time, microseconds */
	uint64_t	 recno;		/* 1-based record number in the file */
	uint32_t	 caplen, wirelen;
	int		 af;		/* AF_INET or AF_INET6 */
	uint8_t		 src[16], dst[16];	/* v4 uses the first 4 */
	uint8_t		 ttl;		/* TTL or hop limit */
	uint16_t	 sport, dport;
	uint32_t	 seq, ack;
	uint8_t		 flags;		/* PCAP_TCP_* */
	uint16_t	 window;
	const uint8_t	*opts;		/* TCP options, optlen bytes */
	uint8_t		 optlen;
	const uint8_t	*payload;	/* captured TCP payload */
	size_t		 paylen;	/* captured payload bytes */
	size_t		 paylen_wire;	/* payload per IP length (>= paylen) */
	enum pcap_skip	 skip;		/* set when decode fails */
};

/* Result of pcap_in_next(). */
enum pcap_in_rc {
	PCAP_IN_TCP = 1,	/* *pkt holds a decoded TCP segment */
	PCAP_IN_SKIP = 2,	/* a record that is not TCP (pkt->skip why) */
	PCAP_IN_EOF = 0,
	PCAP_IN_ERROR = -1,
};

struct pcap_in;

/* Open path ("-" is stdin); filter is a BPF expression or NULL. */
struct pcap_in *pcap_in_open(const char *path, const char *filter,
    char *errbuf);
/* Open an already open stream (tests use fmemopen); takes ownership. */
struct pcap_in *pcap_in_fopen(FILE *fp, const char *name,
    const char *filter, char *errbuf);
void pcap_in_free(struct pcap_in *in);

int pcap_in_next(struct pcap_in *in, struct pcap_pkt *pkt, char *errbuf);

int pcap_in_linktype(const struct pcap_in *in);
uint64_t pcap_in_records(const struct pcap_in *in);
/* Bytes consumed so far (record headers + data), for progress lines. */
uint64_t pcap_in_bytes(const struct pcap_in *in);
uint64_t pcap_in_skipped(const struct pcap_in *in, enum pcap_skip why);
const char *pcap_in_skip_name(enum pcap_skip why);

/* Decode one record of link type dlt (exposed for tests and fuzzing).
 * Returns 0 and fills the header fields of *pkt, or -1 with pkt->skip. */
int pcap_in_decode(int dlt, const uint8_t *p, size_t caplen,
    struct pcap_pkt *pkt);

/* Address to text ("192.0.2.1", "2001:db8::1"); out >= 46 bytes. */
void pcap_in_addr_str(int af, const uint8_t *addr, char *out, size_t outsz);

#endif /* PCAP_IN_H */
