/* path.c - path probes: our SYN, parsing the answers, the hop analysis. */
#include "config.h"

#include <string.h>

#include <pcap/pcap.h>

#include "cursor.h"
#include "path.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2	276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4	228
#endif

#define PATH_ETH_IPV4	0x0800
#define PATH_ETH_VLAN	0x8100

static const char *const path_field_names[PATH_F__COUNT + 1] = {
	[PATH_F_SEQ] = "seq",
	[PATH_F_MSS] = "mss",
	[PATH_F_WIN] = "window",
	[PATH_F_OPTS] = "options",
	[PATH_F_TOS] = "tos",
	[PATH_F__COUNT] = NULL,
};

static const char *const path_ans_names[] = {
	[PATH_ANS_NONE] = "-",
	[PATH_ANS_TIMXCEED] = "time-exceeded",
	[PATH_ANS_UNREACH] = "unreachable",
	[PATH_ANS_SYNACK] = "SYN-ACK",
	[PATH_ANS_RST] = "RST",
	[PATH_ANS_OTHER] = "TCP",
};

const char *
path_field_name(enum path_field f)
{
	return (unsigned)f < PATH_F__COUNT ? path_field_names[f] : "?";
}

const char *
path_ans_name(enum path_ans a)
{
	return (unsigned)a <= PATH_ANS_OTHER ? path_ans_names[a] : "?";
}

void
path_syn_default(struct path_syn *s, uint16_t sport, uint16_t dport,
    uint32_t seq, uint32_t tsval)
{
	/* MSS 1460, SACK permitted, timestamps, NOP, window scale 7
	 * (RFC 9293 3.2, RFC 2018, RFC 7323) */
	static const uint8_t opts[20] = {
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0,
		1, 3, 3, 7,
	};

	memset(s, 0, sizeof(*s));
	s->sport = sport;
	s->dport = dport;
	s->seq = seq;
	s->win = 64240;
	memcpy(s->opts, opts, sizeof(opts));
	s->opts[8] = (uint8_t)(tsval >> 24);
	s->opts[9] = (uint8_t)(tsval >> 16);
	s->opts[10] = (uint8_t)(tsval >> 8);
	s->opts[11] = (uint8_t)tsval;
	s->optlen = sizeof(opts);
	s->have_hdr = s->have_opts = 1;
}

/* Walk TCP options; returns the offset of option `kind` or -1. */
static int
path_opt_find(const uint8_t *o, size_t n, uint8_t kind)
{
	size_t i = 0;

	while (i < n && o[i] != 0) {
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n)
			return -1;
		if (o[i] == kind)
			return (int)i;
		i += o[i + 1];
	}
	return -1;
}

uint16_t
path_opts_mss(const uint8_t *opts, size_t optlen)
{
	int i = path_opt_find(opts, optlen, 2);

	if (i < 0 || opts[i + 1] != 4)
		return 0;
	return (uint16_t)(opts[i + 2] << 8 | opts[i + 3]);
}

/* The quoted TCP header of an ICMP error (RFC 792: at least 8 bytes). */
static int
path_quote(struct cursor *c, const uint8_t us[4], struct path_reply *r)
{
	uint8_t vihl, proto, doff;
	const uint8_t *src, *dst;
	struct path_syn *q = &r->quote;
	size_t ihl, optlen;

	if (cursor_u8(c, &vihl) < 0 || (vihl >> 4) != 4 ||
	    (ihl = (size_t)(vihl & 15) * 4) < 20 ||
	    cursor_u8(c, &q->tos) < 0 || cursor_skip(c, 2) < 0 ||
	    cursor_u16be(c, &q->ipid) < 0 || cursor_skip(c, 3) < 0 ||
	    cursor_u8(c, &proto) < 0 || cursor_skip(c, 2) < 0 ||
	    cursor_bytes(c, 4, &src) < 0 || cursor_bytes(c, 4, &dst) < 0 ||
	    cursor_skip(c, ihl - 20) < 0 || proto != 6 ||
	    memcmp(src, us, 4) != 0)
		return -1;
	memcpy(r->target, dst, 4);
	if (cursor_u16be(c, &q->sport) < 0 || cursor_u16be(c, &q->dport) < 0 ||
	    cursor_u32be(c, &q->seq) < 0)
		return -1;
	r->our_port = q->sport;
	r->dport = q->dport;
	if (cursor_skip(c, 4) < 0 || cursor_u8(c, &doff) < 0 ||
	    cursor_skip(c, 1) < 0 || cursor_u16be(c, &q->win) < 0 ||
	    cursor_skip(c, 4) < 0)
		return 0;	/* an 8-byte quote: ports and seq only */
	q->have_hdr = 1;
	if ((size_t)(doff >> 4) * 4 < 20)
		return 0;
	optlen = (size_t)(doff >> 4) * 4 - 20;
	if (optlen <= PATH_OPTS_MAX && cursor_copy(c, q->opts, optlen) == 0) {
		q->optlen = (uint8_t)optlen;
		q->have_opts = 1;
	}
	return 0;
}

static int
path_tcp(struct cursor *c, struct path_reply *r)
{
	uint8_t doff, flags;
	const uint8_t *opts;
	size_t optlen;

	if (cursor_u16be(c, &r->dport) < 0 ||
	    cursor_u16be(c, &r->our_port) < 0 ||
	    cursor_u32be(c, &r->seq) < 0 || cursor_u32be(c, &r->ack) < 0 ||
	    cursor_u8(c, &doff) < 0 || cursor_u8(c, &flags) < 0 ||
	    cursor_skip(c, 6) < 0)
		return -1;
	if ((flags & 0x12) == 0x12)
		r->type = PATH_ANS_SYNACK;
	else if (flags & 0x04)
		r->type = PATH_ANS_RST;
	else
		r->type = PATH_ANS_OTHER;
	if ((size_t)(doff >> 4) * 4 > 20) {
		optlen = (size_t)(doff >> 4) * 4 - 20;
		if (cursor_bytes(c, optlen, &opts) == 0)
			r->mss = path_opts_mss(opts, optlen);
	}
	return 0;
}

int
path_reply_parse(const uint8_t *ip, size_t len, const uint8_t us[4],
    struct path_reply *r)
{
	struct cursor c, body;
	uint8_t vihl, proto, type;
	uint16_t tot;
	const uint8_t *src, *dst;
	size_t ihl;

	memset(r, 0, sizeof(*r));
	cursor_init(&c, ip, len);
	if (cursor_u8(&c, &vihl) < 0 || (vihl >> 4) != 4 ||
	    (ihl = (size_t)(vihl & 15) * 4) < 20 || cursor_skip(&c, 1) < 0 ||
	    cursor_u16be(&c, &tot) < 0 || tot < ihl ||
	    cursor_skip(&c, 5) < 0 || cursor_u8(&c, &proto) < 0 ||
	    cursor_skip(&c, 2) < 0 || cursor_bytes(&c, 4, &src) < 0 ||
	    cursor_bytes(&c, 4, &dst) < 0 || cursor_skip(&c, ihl - 20) < 0 ||
	    memcmp(dst, us, 4) != 0)
		return -1;
	/* the IP length bounds the body (Ethernet pads short frames) */
	if (cursor_sub(&c, cursor_left(&c) < tot - ihl ? cursor_left(&c) :
	    tot - ihl, &body) < 0)
		return -1;
	memcpy(r->from, src, 4);
	if (proto == 6) {
		memcpy(r->target, src, 4);
		return path_tcp(&body, r);
	}
	if (proto != 1 || cursor_u8(&body, &type) < 0 ||
	    cursor_u8(&body, &r->icmp_code) < 0 || cursor_skip(&body, 6) < 0)
		return -1;
	/* RFC 792: time exceeded, code 0 = TTL exceeded in transit */
	if (type == 11 && r->icmp_code == 0)
		r->type = PATH_ANS_TIMXCEED;
	else if (type == 3)
		r->type = PATH_ANS_UNREACH;
	else
		return -1;
	return path_quote(&body, us, r);
}

int
path_reply_parse_link(int dlt, const uint8_t *p, size_t caplen,
    const uint8_t us[4], struct path_reply *r)
{
	struct cursor c;
	uint16_t et;

	cursor_init(&c, p, caplen);
	switch (dlt) {
	case DLT_EN10MB:
		if (cursor_skip(&c, 12) < 0 || cursor_u16be(&c, &et) < 0)
			return -1;
		if (et == PATH_ETH_VLAN && (cursor_skip(&c, 2) < 0 ||
		    cursor_u16be(&c, &et) < 0))
			return -1;
		break;
	case DLT_LINUX_SLL:
		if (cursor_skip(&c, 14) < 0 || cursor_u16be(&c, &et) < 0)
			return -1;
		break;
	case DLT_LINUX_SLL2:
		if (cursor_u16be(&c, &et) < 0 || cursor_skip(&c, 18) < 0)
			return -1;
		break;
	case DLT_RAW:
	case DLT_IPV4:
		et = PATH_ETH_IPV4;
		break;
	default:
		return -1;
	}
	if (et != PATH_ETH_IPV4)
		return -1;
	return path_reply_parse(cursor_pos(&c), cursor_left(&c), us, r);
}
