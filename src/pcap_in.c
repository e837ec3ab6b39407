/* pcap_in.c - offline capture reading and link/IP/TCP header decoding. */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#if defined(__has_include)
#if __has_include(<stdio_ext.h>)
#include <stdio_ext.h>
#define PCAP_IN_HAVE_FSETLOCKING 1
#endif
#endif
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "mg_limits.h"
#include "pcap_in.h"
#include "util.h"

/* Link types libpcap may hand back that pcap/dlt.h spells differently
 * across versions (LINKTYPE_IPV4 228, LINKTYPE_IPV6 229, SLL2 276). */
#ifndef DLT_IPV4
#define DLT_IPV4	228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6	229
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2	276
#endif

/* Ethertypes (IEEE 802.1Q, 802.1ad; 0x9100 is the pre-standard QinQ). */
#define ETYPE_IPV4	0x0800
#define ETYPE_IPV6	0x86dd
#define ETYPE_VLAN	0x8100
#define ETYPE_QINQ	0x88a8
#define ETYPE_QINQ_OLD	0x9100
#define VLAN_TAGS_MAX	8

/* IPv6 next-header values (RFC 8200 4). */
#define IP6_HOPOPTS	0
#define IP6_ROUTING	43
#define IP6_FRAGMENT	44
#define IP6_DSTOPTS	60
#define IP6_EXT_MAX	16
#define IPPROTO_TCP_NUM	6

struct pcap_in {
	pcap_t			*pc;
	int			 dlt;
	int			 have_filter;
	struct bpf_program	 prog;
	char			 name[128];	/* for messages */
	uint64_t		 recno;
	uint64_t		 bytes;
	uint64_t		 skipped[PCAP_SKIP__COUNT];
	char			*iobuf;		/* stdio buffer of our fopen */
};

static const char *const skip_names[PCAP_SKIP__COUNT] = {
	[PCAP_SKIP_NONE] = "none",
	[PCAP_SKIP_LINK] = "not-ip",
	[PCAP_SKIP_TRUNC] = "truncated",
	[PCAP_SKIP_BADIP] = "bad-ip",
	[PCAP_SKIP_FRAG] = "ip-fragment",
	[PCAP_SKIP_NOTTCP] = "not-tcp",
	[PCAP_SKIP_BADTCP] = "bad-tcp",
};

static int
pcap_in_fail(struct pcap_pkt *pkt, enum pcap_skip why)
{
	pkt->skip = why;
	return -1;
}

/* TCP header (RFC 9293 3.1) from the IP payload cursor; wire is the
 * payload length the IP header declares (0: unknown, use what is there). */
static int
pcap_in_tcp(struct cursor *c, size_t wire, struct pcap_pkt *pkt)
{
	uint16_t offfl, urg, csum;
	size_t hl;

	if (cursor_u16be(c, &pkt->sport) < 0 ||
	    cursor_u16be(c, &pkt->dport) < 0 ||
	    cursor_u32be(c, &pkt->seq) < 0 || cursor_u32be(c, &pkt->ack) < 0 ||
	    cursor_u16be(c, &offfl) < 0 || cursor_u16be(c, &pkt->window) < 0 ||
	    cursor_u16be(c, &csum) < 0 || cursor_u16be(c, &urg) < 0)
		return pcap_in_fail(pkt, PCAP_SKIP_TRUNC);
	hl = (size_t)(offfl >> 12) * 4;
	if (hl < 20 || (wire != 0 && hl > wire))
		return pcap_in_fail(pkt, PCAP_SKIP_BADTCP);
	pkt->flags = (uint8_t)(offfl & 0x3f);
	pkt->optlen = (uint8_t)(hl - 20);
	if (cursor_bytes(c, pkt->optlen, &pkt->opts) < 0)
		return pcap_in_fail(pkt, PCAP_SKIP_TRUNC);
	pkt->paylen = cursor_left(c);
	pkt->payload = pkt->paylen ? cursor_pos(c) : NULL;
	pkt->paylen_wire = wire ? wire - hl : pkt->paylen;
	if (pkt->paylen > pkt->paylen_wire)
		pkt->paylen = pkt->paylen_wire;	/* link-layer padding */
	return 0;
}

/* IPv4 (RFC 791 3.1). */
static int
pcap_in_ipv4(struct cursor *c, struct pcap_pkt *pkt)
{
	uint8_t vihl, tos, proto;
	uint16_t totlen, id, frag, csum;
	struct cursor body;
	size_t hl, avail, plen;

	if (cursor_u8(c, &vihl) < 0)
		return pcap_in_fail(pkt, PCAP_SKIP_TRUNC);
	hl = (size_t)(vihl & 0x0f) * 4;
	if ((vihl >> 4) != 4 || hl < 20)
		return pcap_in_fail(pkt, PCAP_SKIP_BADIP);
	if (cursor_u8(c, &tos) < 0 || cursor_u16be(c, &totlen) < 0 ||
	    cursor_u16be(c, &id) < 0 || cursor_u16be(c, &frag) < 0 ||
	    cursor_u8(c, &pkt->ttl) < 0 || cursor_u8(c, &proto) < 0 ||
	    cursor_u16be(c, &csum) < 0 || cursor_copy(c, pkt->src, 4) < 0 ||
	    cursor_copy(c, pkt->dst, 4) < 0 || cursor_skip(c, hl - 20) < 0)
		return pcap_in_fail(pkt, PCAP_SKIP_TRUNC);
	pkt->af = AF_INET;
	/* totlen 0 is what TSO/GRO captures show: trust the capture. */
	if (totlen != 0 && totlen < hl)
		return pcap_in_fail(pkt, PCAP_SKIP_BADIP);
	if ((frag & 0x1fff) != 0)
		return pcap_in_fail(pkt, PCAP_SKIP_FRAG);
	if (proto != IPPROTO_TCP_NUM)
		return pcap_in_fail(pkt, PCAP_SKIP_NOTTCP);
	avail = cursor_left(c);
	plen = totlen ? (size_t)totlen - hl : avail;
	if (cursor_sub(c, plen < avail ? plen : avail, &body) < 0)
		return pcap_in_fail(pkt, PCAP_SKIP_TRUNC);
	return pcap_in_tcp(&body, plen, pkt);
}

/* IPv6 (RFC 8200 3, 4): walk the extension headers we know. */
static int
pcap_in_ipv6(struct cursor *c, struct pcap_pkt *pkt)
{
	uint32_t vtf;
	uint16_t plen, fragoff;
	uint8_t next, hdrlen;
	struct cursor body;
	size_t avail, wire, used;
	int i;

	if (cursor_u32be(c, &vtf) < 0)
		return pcap_in_fail(pkt, PCAP_SKIP_TRUNC);
	if ((vtf >> 28) != 6)
		return pcap_in_fail(pkt, PCAP_SKIP_BADIP);
	if (cursor_u16be(c, &plen) < 0 || cursor_u8(c, &next) < 0 ||
	    cursor_u8(c, &pkt->ttl) < 0 || cursor_copy(c, pkt->src, 16) < 0 ||
	    cursor_copy(c, pkt->dst, 16) < 0)
		return pcap_in_fail(pkt, PCAP_SKIP_TRUNC);
	pkt->af = AF_INET6;
	avail = cursor_left(c);
	wire = plen ? plen : avail;	/* 0: jumbogram or TSO */
	if (cursor_sub(c, wire < avail ? wire : avail, &body) < 0)
		return pcap_in_fail(pkt, PCAP_SKIP_TRUNC);
	for (i = 0; i < IP6_EXT_MAX && next != IPPROTO_TCP_NUM; i++) {
		used = cursor_left(&body);
		switch (next) {
		case IP6_HOPOPTS:
		case IP6_ROUTING:
		case IP6_DSTOPTS:
			if (cursor_u8(&body, &next) < 0 ||
			    cursor_u8(&body, &hdrlen) < 0 ||
			    cursor_skip(&body, (size_t)hdrlen * 8 + 6) < 0)
				return pcap_in_fail(pkt, PCAP_SKIP_TRUNC);
			break;
		case IP6_FRAGMENT:
			if (cursor_u8(&body, &next) < 0 ||
			    cursor_u8(&body, &hdrlen) < 0 ||
			    cursor_u16be(&body, &fragoff) < 0 ||
			    cursor_skip(&body, 4) < 0)
				return pcap_in_fail(pkt, PCAP_SKIP_TRUNC);
			if ((fragoff & 0xfff8) != 0)
				return pcap_in_fail(pkt, PCAP_SKIP_FRAG);
			break;
		default:
			return pcap_in_fail(pkt, PCAP_SKIP_NOTTCP);
		}
		used -= cursor_left(&body);
		if (used > wire)
			return pcap_in_fail(pkt, PCAP_SKIP_BADIP);
		wire -= used;
	}
	if (next != IPPROTO_TCP_NUM)
		return pcap_in_fail(pkt, PCAP_SKIP_NOTTCP);
	return pcap_in_tcp(&body, wire, pkt);
}

static int
pcap_in_ether_ip(struct cursor *c, uint16_t etype, struct pcap_pkt *pkt)
{
	if (etype == ETYPE_IPV4)
		return pcap_in_ipv4(c, pkt);
	if (etype == ETYPE_IPV6)
		return pcap_in_ipv6(c, pkt);
	return pcap_in_fail(pkt, PCAP_SKIP_LINK);
}

/* By the IP version nibble (raw IP links). */
static int
pcap_in_raw_ip(struct cursor *c, struct pcap_pkt *pkt)
{
	uint8_t v;

	if (cursor_peek_u8(c, &v) < 0)
		return pcap_in_fail(pkt, PCAP_SKIP_TRUNC);
	if ((v >> 4) == 4)
		return pcap_in_ipv4(c, pkt);
	if ((v >> 4) == 6)
		return pcap_in_ipv6(c, pkt);
	return pcap_in_fail(pkt, PCAP_SKIP_BADIP);
}

/* Ethernet II with any number (capped) of 802.1Q / 802.1ad tags. */
static int
pcap_in_ether(struct cursor *c, struct pcap_pkt *pkt)
{
	uint16_t etype;
	int tags = 0;

	if (cursor_skip(c, 12) < 0 || cursor_u16be(c, &etype) < 0)
		return pcap_in_fail(pkt, PCAP_SKIP_TRUNC);
	while (etype == ETYPE_VLAN || etype == ETYPE_QINQ ||
	    etype == ETYPE_QINQ_OLD) {
		if (++tags > VLAN_TAGS_MAX)
			return pcap_in_fail(pkt, PCAP_SKIP_LINK);
		if (cursor_skip(c, 2) < 0 || cursor_u16be(c, &etype) < 0)
			return pcap_in_fail(pkt, PCAP_SKIP_TRUNC);
	}
	return pcap_in_ether_ip(c, etype, pkt);
}

/* BSD loopback: a 4-byte address family, host order of the writer for
 * DLT_NULL, network order for DLT_LOOP; accept both.  AF_INET6 is 24
 * (NetBSD/OpenBSD), 28 (FreeBSD), 30 (Darwin) or 10 (Linux). */
static int
pcap_in_null(struct cursor *c, struct pcap_pkt *pkt)
{
	uint32_t fam;

	if (cursor_u32be(c, &fam) < 0)
		return pcap_in_fail(pkt, PCAP_SKIP_TRUNC);
	if (fam > 0xffff)
		fam = ((fam & 0xff) << 24) | ((fam & 0xff00) << 8) |
		    ((fam >> 8) & 0xff00) | (fam >> 24);
	if (fam == 2)
		return pcap_in_ipv4(c, pkt);
	if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
		return pcap_in_ipv6(c, pkt);
	return pcap_in_fail(pkt, PCAP_SKIP_LINK);
}

int
pcap_in_decode(int dlt, const uint8_t *p, size_t caplen,
    struct pcap_pkt *pkt)
{
	struct cursor c;
	uint16_t etype;

	pkt->skip = PCAP_SKIP_NONE;
	memset(pkt->src, 0, sizeof(pkt->src));
	memset(pkt->dst, 0, sizeof(pkt->dst));
	pkt->payload = pkt->opts = NULL;
	pkt->paylen = pkt->paylen_wire = 0;
	pkt->optlen = 0;
	cursor_init(&c, p, caplen);
	switch (dlt) {
	case DLT_EN10MB:
		return pcap_in_ether(&c, pkt);
	case DLT_LINUX_SLL:	/* 16-byte header, protocol last */
		if (cursor_skip(&c, 14) < 0 || cursor_u16be(&c, &etype) < 0)
			return pcap_in_fail(pkt, PCAP_SKIP_TRUNC);
		return pcap_in_ether_ip(&c, etype, pkt);
	case DLT_LINUX_SLL2:	/* 20-byte header, protocol first */
		if (cursor_u16be(&c, &etype) < 0 || cursor_skip(&c, 18) < 0)
			return pcap_in_fail(pkt, PCAP_SKIP_TRUNC);
		return pcap_in_ether_ip(&c, etype, pkt);
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return pcap_in_raw_ip(&c, pkt);
	case DLT_NULL:
	case DLT_LOOP:
		return pcap_in_null(&c, pkt);
	default:
		return pcap_in_fail(pkt, PCAP_SKIP_LINK);
	}
}

static struct pcap_in *
pcap_in_setup(pcap_t *pc, const char *name, const char *filter,
    char *errbuf)
{
	struct pcap_in *in = xcalloc(1, sizeof(*in));
#ifdef PCAP_IN_HAVE_FSETLOCKING
	FILE *fp = pcap_file(pc);

	/*
	 * Only the reading thread touches the capture's stream.  Once the
	 * analyzer has started its judging threads, glibc locks the stream
	 * on every fread (libpcap makes two per record): that lock was 19%
	 * of the reading thread's time on the benchmark file.
	 */
	if (fp != NULL)
		(void)__fsetlocking(fp, FSETLOCKING_BYCALLER);
#endif

	util_strlcpy(in->name, name, sizeof(in->name));
	in->pc = pc;
	in->dlt = pcap_datalink(pc);
	in->bytes = 24;
	if (filter != NULL && *filter != '\0') {
		if (pcap_compile(pc, &in->prog, filter, 1,
		    PCAP_NETMASK_UNKNOWN) < 0) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE, "bad filter "
			    "'%s': %s", filter, pcap_geterr(pc));
			pcap_close(pc);
			free(in);
			return NULL;
		}
		in->have_filter = 1;
	}
	return in;
}

/* stdio buffer for a capture file: libpcap's own fopen reads 4 KiB at a
 * time, one system call each (80,000 for a 340 MB file). */
#define PCAP_IN_READ_BUF	(256 * 1024)

struct pcap_in *
pcap_in_open(const char *path, const char *filter, char *errbuf)
{
	char pe[PCAP_ERRBUF_SIZE], *iobuf;
	struct pcap_in *in;
	pcap_t *pc;
	FILE *fp;

	pe[0] = '\0';
	if (strcmp(path, "-") != 0) {
		/* The same message libpcap gives when its fopen fails. */
		if ((fp = fopen(path, "rb")) == NULL) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: %s (offset 0)",
			    path, strerror(errno));
			return NULL;
		}
		/* glibc ignores the size unless given the buffer. */
		iobuf = xmalloc(PCAP_IN_READ_BUF);
		(void)setvbuf(fp, iobuf, _IOFBF, PCAP_IN_READ_BUF);
		if ((in = pcap_in_fopen(fp, path, filter, errbuf)) == NULL) {
			free(iobuf);	/* fp closed already */
			return NULL;
		}
		in->iobuf = iobuf;	/* freed after pcap_close */
		return in;
	}
	pc = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_MICRO, pe);
	if (pc == NULL) {
		/* libpcap names the file itself when fopen fails. */
		if (strncmp(pe, path, strlen(path)) == 0)
			util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s (offset 0)",
			    pe);
		else
			util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: %s (offset 0)",
			    strcmp(path, "-") == 0 ? "stdin" : path, pe);
		return NULL;
	}
	return pcap_in_setup(pc, strcmp(path, "-") == 0 ? "stdin" : path,
	    filter, errbuf);
}

struct pcap_in *
pcap_in_fopen(FILE *fp, const char *name, const char *filter, char *errbuf)
{
	char pe[PCAP_ERRBUF_SIZE];
	pcap_t *pc;

	pe[0] = '\0';
	pc = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_MICRO, pe);
	if (pc == NULL) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: %s (offset 0)",
		    name ? name : "capture", pe);
		fclose(fp);
		return NULL;
	}
	return pcap_in_setup(pc, name ? name : "capture", filter, errbuf);
}

void
pcap_in_free(struct pcap_in *in)
{
	if (in == NULL)
		return;
	if (in->have_filter)
		pcap_freecode(&in->prog);
	pcap_close(in->pc);
	free(in->iobuf);
	free(in);
}

/*
 * The file offset where the next record starts.  For pcap files our own
 * count is exact (24-byte file header, 16-byte record headers); pcapng
 * blocks carry padding and options, so there we ask the stream (only
 * when needed: ftell costs a system call).  Pipes cannot tell: then the
 * count is all there is.
 */
static uint64_t
pcap_in_offset(const struct pcap_in *in)
{
	FILE *fp;
	long off;

	if (pcap_major_version(in->pc) == 2)
		return in->bytes;
	fp = pcap_file(in->pc);
	off = fp != NULL ? ftell(fp) : -1;
	return off >= 0 ? (uint64_t)off : in->bytes;
}

int
pcap_in_next(struct pcap_in *in, struct pcap_pkt *pkt, char *errbuf)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t off;
	int rc;

	for (;;) {
		rc = pcap_next_ex(in->pc, &h, &data);
		if (rc == PCAP_ERROR_BREAK)
			return PCAP_IN_EOF;
		if (rc != 1) {
			off = pcap_in_offset(in);
			util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: record %llu "
			    "(file offset %llu): %s", in->name,
			    (unsigned long long)in->recno + 1,
			    (unsigned long long)off, pcap_geterr(in->pc));
			return PCAP_IN_ERROR;
		}
		in->recno++;
		in->bytes += 16 + (uint64_t)h->caplen;
		if (!in->have_filter ||
		    pcap_offline_filter(&in->prog, h, data) != 0)
			break;
	}
	memset(pkt, 0, sizeof(*pkt));
	pkt->recno = in->recno;
	pkt->ts_us = (uint64_t)h->ts.tv_sec * 1000000u +
	    (uint64_t)h->ts.tv_usec;
	pkt->caplen = h->caplen;
	pkt->wirelen = h->len;
	if (pcap_in_decode(in->dlt, data, h->caplen, pkt) < 0) {
		in->skipped[pkt->skip]++;
		return PCAP_IN_SKIP;
	}
	return PCAP_IN_TCP;
}

int
pcap_in_linktype(const struct pcap_in *in)
{
	return in->dlt;
}

uint64_t
pcap_in_records(const struct pcap_in *in)
{
	return in->recno;
}

uint64_t
pcap_in_bytes(const struct pcap_in *in)
{
	return pcap_in_offset(in);
}

uint64_t
pcap_in_skipped(const struct pcap_in *in, enum pcap_skip why)
{
	if ((unsigned)why >= PCAP_SKIP__COUNT)
		return 0;
	return in->skipped[why];
}

const char *
pcap_in_skip_name(enum pcap_skip why)
{
	if ((unsigned)why >= PCAP_SKIP__COUNT)
		return "?";
	return skip_names[why];
}

/* IPv4 written here as inet_ntop writes it (dotted decimal, no leading
 * zeros): glibc's inet_ntop cost ~1,700 instructions a call, 7% of the
 * capture reader's when every flow names both ends. */
void
pcap_in_addr_str(int af, const uint8_t *addr, char *out, size_t outsz)
{
	char *p = out;
	unsigned v;
	int i;

	if (af == AF_INET && outsz >= INET_ADDRSTRLEN) {
		for (i = 0; i < 4; i++) {
			v = addr[i];
			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
			*p++ = i < 3 ? '.' : '\0';
		}
		return;
	}
	if (inet_ntop(af, addr, out, (socklen_t)outsz) == NULL)
		util_strlcpy(out, "?", outsz);
}
