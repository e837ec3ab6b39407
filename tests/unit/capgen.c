/* capgen.c - write pcap/pcapng files and TCP frames for tests and benches. */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "capgen.h"
#include "pcap_in.h"
#include "util.h"

#define CAPGEN_FRAME_MAX	(64 * 1024 + 256)

static void
put16le(struct buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	buf_append(b, x, 2);
}

static void
put32le(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 24) };

	buf_append(b, x, 4);
}

static uint8_t *
w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *
w32(uint8_t *p, uint32_t v)
{
	p = w16(p, (uint16_t)(v >> 16));
	return w16(p, (uint16_t)v);
}

void
capgen_init(struct capgen *g, int linktype, int pcapng, size_t cap)
{
	memset(g, 0, sizeof(*g));
	buf_init(&g->out, cap ? cap : (size_t)64 * 1024 * 1024);
	g->linktype = linktype;
	g->pcapng = pcapng;
	g->snaplen = 262144;
	if (!pcapng) {
		put32le(&g->out, 0xa1b2c3d4);
		put16le(&g->out, 2);
		put16le(&g->out, 4);
		put32le(&g->out, 0);
		put32le(&g->out, 0);
		put32le(&g->out, g->snaplen);
		put32le(&g->out, (uint32_t)linktype);
		return;
	}
	/* Section header block, then one interface (microseconds). */
	put32le(&g->out, 0x0a0d0d0a);
	put32le(&g->out, 28);
	put32le(&g->out, 0x1a2b3c4d);
	put16le(&g->out, 1);
	put16le(&g->out, 0);
	put32le(&g->out, 0xffffffff);
	put32le(&g->out, 0xffffffff);
	put32le(&g->out, 28);
	put32le(&g->out, 1);
	put32le(&g->out, 20);
	put16le(&g->out, (uint16_t)linktype);
	put16le(&g->out, 0);
	put32le(&g->out, g->snaplen);
	put32le(&g->out, 20);
}

void
capgen_free(struct capgen *g)
{
	buf_free(&g->out);
}

void
capgen_record(struct capgen *g, uint64_t ts_us, const uint8_t *frame,
    size_t caplen, size_t wirelen)
{
	static const uint8_t pad[4];
	size_t padn = (4 - caplen % 4) % 4;

	if (!g->pcapng) {
		put32le(&g->out, (uint32_t)(ts_us / 1000000));
		put32le(&g->out, (uint32_t)(ts_us % 1000000));
		put32le(&g->out, (uint32_t)caplen);
		put32le(&g->out, (uint32_t)wirelen);
		buf_append(&g->out, frame, caplen);
		return;
	}
	put32le(&g->out, 6);
	put32le(&g->out, (uint32_t)(32 + caplen + padn));
	put32le(&g->out, 0);
	put32le(&g->out, (uint32_t)(ts_us >> 32));
	put32le(&g->out, (uint32_t)ts_us);
	put32le(&g->out, (uint32_t)caplen);
	put32le(&g->out, (uint32_t)wirelen);
	buf_append(&g->out, frame, caplen);
	buf_append(&g->out, pad, padn);
	put32le(&g->out, (uint32_t)(32 + caplen + padn));
}

static uint32_t
capgen_sum(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	return sum;
}

static uint16_t
capgen_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* TCP header + payload at p; returns its length. */
static size_t
capgen_tcp(const struct capgen_pkt *k, uint8_t *p)
{
	size_t hl = 20 + k->optlen;
	uint8_t *q = p;

	q = w16(q, k->sport);
	q = w16(q, k->dport);
	q = w32(q, k->seq);
	q = w32(q, k->ack);
	q = w16(q, (uint16_t)((hl / 4) << 12 | k->flags));
	q = w16(q, k->window ? k->window : 65535);
	q = w32(q, 0);		/* checksum, urgent pointer */
	if (k->optlen)
		memcpy(q, k->opts, k->optlen);
	if (k->len)
		memcpy(p + hl, k->data, k->len);
	return hl + k->len;
}

static size_t
capgen_ip(const struct capgen *g, const struct capgen_pkt *k, uint8_t *p)
{
	uint8_t ext[16] = { 60, 0, 1, 4, 0, 0, 0, 0, 6, 0, 1, 4, 0, 0, 0, 0 };
	size_t hl, tl, el = k->v6 && g->v6ext ? sizeof(ext) : 0;
	uint32_t sum;
	uint8_t *tcp;

	hl = k->v6 ? 40 + el : 20;
	tcp = p + hl;
	tl = capgen_tcp(k, tcp);
	if (k->v6) {
		w32(p, 0x60000000);
		w16(p + 4, (uint16_t)(tl + el));
		p[6] = el ? 0 : 6;
		p[7] = k->ttl ? k->ttl : 64;
		memcpy(p + 8, k->src, 16);
		memcpy(p + 24, k->dst, 16);
		memcpy(p + 40, ext, el);
		sum = capgen_sum(0, k->src, 16);
		sum = capgen_sum(sum, k->dst, 16);
	} else {
		p[0] = 0x45;
		p[1] = 0;
		w16(p + 2, (uint16_t)(20 + tl));
		w32(p + 4, 0x4000);
		p[8] = k->ttl ? k->ttl : 64;
		p[9] = 6;
		w16(p + 10, 0);
		memcpy(p + 12, k->src, 4);
		memcpy(p + 16, k->dst, 4);
		w16(p + 10, capgen_fold(capgen_sum(0, p, 20)));
		sum = capgen_sum(0, k->src, 4);
		sum = capgen_sum(sum, k->dst, 4);
	}
	sum += 6 + (uint32_t)tl;
	w16(tcp + 16, capgen_fold(capgen_sum(sum, tcp, tl)));
	return hl + tl;
}

static size_t
capgen_link(const struct capgen *g, int v6, uint8_t *p)
{
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	uint16_t et = v6 ? 0x86dd : 0x0800;
	uint32_t fam = v6 ? 24 : 2;
	uint8_t *q = p;
	int i;

	switch (g->linktype) {
	case CAPGEN_LT_EN10MB:
		memcpy(q, mac, 12);
		q += 12;
		for (i = 0; i < g->vlans; i++) {
			q = w16(q, i == 0 && g->vlans > 1 ? 0x88a8 : 0x8100);
			q = w16(q, (uint16_t)(100 + i));
		}
		q = w16(q, et);
		break;
	case CAPGEN_LT_SLL:
		q = w16(q, 0);
		q = w16(q, 1);
		q = w16(q, 6);
		memcpy(q, mac, 8);
		q += 8;
		q = w16(q, et);
		break;
	case CAPGEN_LT_SLL2:
		q = w16(q, et);
		q = w16(q, 0);
		q = w32(q, 1);
		q = w16(q, 1);
		*q++ = 0;
		*q++ = 6;
		memcpy(q, mac, 8);
		q += 8;
		break;
	case CAPGEN_LT_NULL:
		if (g->null_le) {
			q[0] = (uint8_t)fam;
			q[1] = q[2] = q[3] = 0;
			q += 4;
		} else
			q = w32(q, fam);
		break;
	case CAPGEN_LT_LOOP:
		q = w32(q, fam);
		break;
	default:
		break;
	}
	return (size_t)(q - p);
}

size_t
capgen_frame(const struct capgen *g, const struct capgen_pkt *p,
    uint8_t *out, size_t outsz)
{
	size_t n;

	if (outsz < CAPGEN_FRAME_MAX || p->len > 65000)
		return 0;
	n = capgen_link(g, p->v6, out);
	return n + capgen_ip(g, p, out + n);
}

void
capgen_pkt(struct capgen *g, uint64_t ts_us, const struct capgen_pkt *p)
{
	static uint8_t frame[CAPGEN_FRAME_MAX];
	size_t n = capgen_frame(g, p, frame, sizeof(frame));

	capgen_record(g, ts_us, frame, n, n);
}

void
capgen_addr(const char *text, uint8_t out[16], int *v6)
{
	memset(out, 0, 16);
	*v6 = strchr(text, ':') != NULL;
	if (inet_pton(*v6 ? AF_INET6 : AF_INET, text, out) != 1)
		memset(out, 0, 16);
}

void
capgen_conn_init(struct capgen_conn *c, struct capgen *g,
    const char *client, uint16_t cport, const char *server, uint16_t sport,
    uint32_t cisn, uint32_t sisn, uint64_t ts_us)
{
	memset(c, 0, sizeof(*c));
	c->g = g;
	capgen_addr(client, c->addr[0], &c->v6);
	capgen_addr(server, c->addr[1], &c->v6);
	c->port[0] = cport;
	c->port[1] = sport;
	c->seq[0] = cisn;
	c->seq[1] = sisn;
	c->ts_us = ts_us;
}

static void
capgen_conn_emit(struct capgen_conn *c, int side, uint32_t seq,
    uint8_t flags, const uint8_t *opts, size_t optlen, const char *data,
    size_t len)
{
	struct capgen_pkt p;

	memset(&p, 0, sizeof(p));
	p.v6 = c->v6;
	memcpy(p.src, c->addr[side], 16);
	memcpy(p.dst, c->addr[!side], 16);
	p.sport = c->port[side];
	p.dport = c->port[!side];
	p.seq = seq;
	p.ack = c->seq[!side];
	p.flags = flags;
	p.opts = opts;
	p.optlen = optlen;
	p.data = (const uint8_t *)data;
	p.len = len;
	capgen_pkt(c->g, c->ts_us, &p);
	c->ts_us += 100;
}

void
capgen_conn_handshake(struct capgen_conn *c)
{
	/* MSS 1460, NOP, wscale 7, SACK-permitted, NOP, NOP. */
	static const uint8_t opts[12] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7,
	    4, 2, 1, 1 };

	capgen_conn_emit(c, 0, c->seq[0], PCAP_TCP_SYN, opts, sizeof(opts),
	    NULL, 0);
	c->seq[0]++;
	capgen_conn_emit(c, 1, c->seq[1], PCAP_TCP_SYN | PCAP_TCP_ACK, opts,
	    sizeof(opts), NULL, 0);
	c->seq[1]++;
	capgen_conn_emit(c, 0, c->seq[0], PCAP_TCP_ACK, NULL, 0, NULL, 0);
}

void
capgen_conn_send(struct capgen_conn *c, int side, const char *data,
    size_t len, size_t seg)
{
	size_t n;

	if (seg == 0)
		seg = 1460;
	while (len > 0) {
		n = len < seg ? len : seg;
		capgen_conn_emit(c, side, c->seq[side],
		    PCAP_TCP_ACK | PCAP_TCP_PSH, NULL, 0, data, n);
		c->seq[side] += (uint32_t)n;
		data += n;
		len -= n;
	}
}

void
capgen_conn_raw(struct capgen_conn *c, int side, int32_t rel,
    const char *data, size_t len, uint8_t flags)
{
	capgen_conn_emit(c, side, c->seq[side] + (uint32_t)rel,
	    flags ? flags : (PCAP_TCP_ACK | PCAP_TCP_PSH), NULL, 0, data, len);
}

void
capgen_conn_advance(struct capgen_conn *c, int side, uint32_t n)
{
	c->seq[side] += n;
}

void
capgen_conn_fin(struct capgen_conn *c, int side)
{
	capgen_conn_emit(c, side, c->seq[side], PCAP_TCP_FIN | PCAP_TCP_ACK,
	    NULL, 0, NULL, 0);
	c->seq[side]++;
}

void
capgen_conn_rst(struct capgen_conn *c, int side)
{
	capgen_conn_emit(c, side, c->seq[side], PCAP_TCP_RST | PCAP_TCP_ACK,
	    NULL, 0, NULL, 0);
}

FILE *
capgen_fopen(const struct capgen *g)
{
	return fmemopen(g->out.data, g->out.len, "rb");
}

int
capgen_write(const struct capgen *g, const char *path)
{
	FILE *fp = fopen(path, "wb");
	int rc = 0;

	if (fp == NULL)
		return -1;
	if (fwrite(g->out.data, 1, g->out.len, fp) != g->out.len)
		rc = -1;
	if (fclose(fp) != 0)
		rc = -1;
	return rc;
}

uint32_t
capgen_rand(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return (uint32_t)(*state >> 11);
}
