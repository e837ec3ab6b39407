/* emu_replay.c - rewrite a capture offline as if it passed the emulated box. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <pcap/pcap.h>

#include "emu_replay.h"
#include "emu_rewrite.h"
#include "mg_limits.h"
#include "pcap_in.h"
#include "util.h"

#define RP_BUCKETS	4096

/* One TCP connection of the capture; index 0 = client to server. */
struct rp_flow {
	struct rp_flow	*next;
	int		 af;
	uint8_t		 addr[2][16];	/* [0] client, [1] server */
	uint16_t	 port[2];
	int		 have_base[2];
	uint32_t	 base[2];	/* sequence number of stream offset 0 */
	uint32_t	 isn_off[2];
	uint32_t	 delta[2];	/* bytes left out so far */
	int		 broken[2];	/* gap: copy the rest as is */
	int		 dropped;
	int		 inspect;	/* server port is inspected */
	struct emu_conn	*ec;
	struct emu_peers peers;
};

struct rp {
	const struct emu_profile *p;
	struct emu_log	*log;
	struct emu_replay_stats *st;
	int		 randomize;
	uint32_t	 rng;
	struct rp_flow	*bucket[RP_BUCKETS];
	uint64_t	 nflows;
	struct emu_actions act;
};

/* xorshift32: deterministic offsets from the seed. */
static uint32_t
rp_rand(struct rp *r)
{
	uint32_t x = r->rng ? r->rng : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	r->rng = x;
	return x;
}

static unsigned
rp_hash(const struct pcap_pkt *k)
{
	unsigned h = (unsigned)k->sport ^ (unsigned)k->dport;
	size_t i, n = k->af == AF_INET ? 4 : 16;

	for (i = 0; i < n; i++)
		h = h * 31 + (unsigned)(k->src[i] ^ k->dst[i]);
	return h % RP_BUCKETS;
}

static int
rp_side(const struct rp_flow *f, const struct pcap_pkt *k)
{
	size_t n = f->af == AF_INET ? 4 : 16;

	if (f->af != k->af)
		return -1;
	if (f->port[0] == k->sport && f->port[1] == k->dport &&
	    memcmp(f->addr[0], k->src, n) == 0 &&
	    memcmp(f->addr[1], k->dst, n) == 0)
		return EMU_C2S;
	if (f->port[1] == k->sport && f->port[0] == k->dport &&
	    memcmp(f->addr[1], k->src, n) == 0 &&
	    memcmp(f->addr[0], k->dst, n) == 0)
		return EMU_S2C;
	return -1;
}

static int
rp_smtp_port(uint16_t port)
{
	return port == 25 || port == 587 || port == 465 || port == 2525;
}

/*
 * Ports whose flows are inspected: 25 (the ASA's default-inspection-
 * traffic class matches esmtp on tcp/25 only), plus 587 and the lab's
 * 2525.  465 is implicit TLS and never inspected.
 */
static int
rp_inspected_port(uint16_t port)
{
	return port == 25 || port == 587 || port == 2525;
}

static struct rp_flow *
rp_flow_new(struct rp *r, const struct pcap_pkt *k, unsigned h)
{
	struct rp_flow *f = xcalloc(1, sizeof(*f));
	int src_is_client;

	if ((k->flags & PCAP_TCP_SYN) && !(k->flags & PCAP_TCP_ACK))
		src_is_client = 1;
	else if (k->flags & PCAP_TCP_SYN)
		src_is_client = 0;
	else
		src_is_client = rp_smtp_port(k->dport) ||
		    !rp_smtp_port(k->sport);
	f->af = k->af;
	memcpy(f->addr[!src_is_client], k->src, 16);
	memcpy(f->addr[src_is_client], k->dst, 16);
	f->port[!src_is_client] = k->sport;
	f->port[src_is_client] = k->dport;
	if (r->randomize) {
		f->isn_off[0] = rp_rand(r);
		f->isn_off[1] = rp_rand(r);
	}
	emu_peers_init(&f->peers);
	pcap_in_addr_str(f->af, f->addr[0], f->peers.client_ip,
	    sizeof(f->peers.client_ip));
	pcap_in_addr_str(f->af, f->addr[1], f->peers.server_ip,
	    sizeof(f->peers.server_ip));
	f->inspect = rp_inspected_port(f->port[1]);
	f->peers.client_port = f->port[0];
	f->peers.server_port = f->port[1];
	f->ec = emu_conn_new(r->p, r->log, &f->peers);
	f->next = r->bucket[h];
	r->bucket[h] = f;
	r->nflows++;
	r->st->flows++;
	return f;
}

/* The flow of a packet and its direction; NULL past MG_FLOWS_MAX. */
static struct rp_flow *
rp_flow_get(struct rp *r, const struct pcap_pkt *k, int *dir)
{
	unsigned h = rp_hash(k);
	struct rp_flow *f;

	for (f = r->bucket[h]; f != NULL; f = f->next)
		if ((*dir = rp_side(f, k)) >= 0)
			return f;
	if (r->nflows >= MG_FLOWS_MAX)
		return NULL;
	f = rp_flow_new(r, k, h);
	*dir = rp_side(f, k);
	return f;
}

static void
rp_flows_free(struct rp *r)
{
	struct rp_flow *f, *n;
	size_t i;

	for (i = 0; i < RP_BUCKETS; i++)
		for (f = r->bucket[i]; f != NULL; f = n) {
			n = f->next;
			emu_conn_free(f->ec);
			free(f);
		}
}

static void
rp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* One's complement sum of 16-bit big-endian words (RFC 1071). */
static uint32_t
rp_sum(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t
rp_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Full TCP checksum with the pseudo-header (RFC 9293 3.1, RFC 8200 8.1). */
static void
rp_csum_full(const struct pcap_pkt *k, uint8_t *tcp, size_t tcplen)
{
	uint8_t ph[40];
	size_t n = k->af == AF_INET ? 4 : 16;
	uint32_t sum;
	uint16_t c;

	memset(ph, 0, sizeof(ph));
	memcpy(ph, k->src, n);
	memcpy(ph + n, k->dst, n);
	if (k->af == AF_INET) {
		ph[9] = 6;
		ph[10] = (uint8_t)(tcplen >> 8);
		ph[11] = (uint8_t)tcplen;
		sum = rp_sum(0, ph, 12);
	} else {
		rp_put32(ph + 32, (uint32_t)tcplen);
		ph[39] = 6;
		sum = rp_sum(0, ph, 40);
	}
	tcp[16] = tcp[17] = 0;
	c = (uint16_t)~rp_fold(rp_sum(sum, tcp, tcplen));
	tcp[16] = (uint8_t)(c >> 8);
	tcp[17] = (uint8_t)c;
}

/* Incremental update (RFC 1624 eqn. 3) for a truncated segment. */
static void
rp_csum_incr(uint8_t *tcp, const uint8_t *old, size_t n)
{
	uint32_t sum = (uint32_t)(uint16_t)~((uint32_t)tcp[16] << 8 | tcp[17]);
	size_t i;
	uint16_t c, o, w;

	for (i = 0; i < n; i += 2) {
		if (i == 16)
			continue;
		o = (uint16_t)(old[i] << 8 | (i + 1 < n ? old[i + 1] : 0));
		w = (uint16_t)(tcp[i] << 8 | (i + 1 < n ? tcp[i + 1] : 0));
		if (o != w)
			sum += (uint16_t)~o + (uint32_t)w;
	}
	c = (uint16_t)~rp_fold(sum);
	tcp[16] = (uint8_t)(c >> 8);
	tcp[17] = (uint8_t)c;
}

/* Feed new bytes at the engine's offset; returns 0 keep, 1 leave out. */
static int
rp_feed(struct rp *r, struct rp_flow *f, int d, uint8_t *pay, size_t n)
{
	struct emu_actions *a = &r->act;

	if (emu_rewrite_segment(f->ec, d, pay, n, a) < 0)
		return 0;
	r->st->segments++;
	if (a->inject.len > 0)
		r->st->injects++;
	if (a->drop) {
		f->dropped = 1;
		return 1;
	}
	if (a->suppress) {
		f->delta[d] += (uint32_t)n;
		r->st->suppressed++;
		return 1;
	}
	if (a->ncuts > 0)
		r->st->partial_cuts++;
	return 0;
}

/* Rewrite the payload of one segment of direction d; 1: leave it out. */
static int
rp_payload(struct rp *r, struct rp_flow *f, int d, const struct pcap_pkt *k,
    uint8_t *pay)
{
	uint64_t cur64 = emu_conn_offset(f->ec, d);
	uint32_t off = k->seq - f->base[d], cur = (uint32_t)cur64, back;
	size_t n = k->paylen, old;

	if (k->paylen < k->paylen_wire) {
		r->st->truncated++;
		f->broken[d] = 1;
		return 0;
	}
	if (off == cur)
		return rp_feed(r, f, d, pay, n);
	back = cur - off;
	if (back > 0 && back <= EMU_HISTORY_MAX) {
		r->st->retransmissions++;
		old = back < n ? back : n;
		(void)emu_rewrite_history(f->ec, d, cur64 - back, pay, old);
		if (n > old)
			return rp_feed(r, f, d, pay + old, n - old);
		return 0;
	}
	r->st->gaps++;
	f->broken[d] = 1;
	return 0;
}

/* Process one decoded TCP record in place; 1: leave it out. */
static int
rp_tcp(struct rp *r, const struct pcap_pkt *k, uint8_t *rec)
{
	struct rp_flow *f;
	uint8_t *tcp = (uint8_t *)rec + (k->opts - rec) - 20;
	uint8_t *pay = k->payload ? rec + (k->payload - rec) : NULL;
	uint8_t *old;
	size_t hl = 20 + (size_t)k->optlen, caplen_tcp = hl + k->paylen;
	int d, out = 0;

	if ((f = rp_flow_get(r, k, &d)) == NULL)
		return 0;
	if (f->dropped) {
		r->st->dropped++;
		return 1;
	}
	old = xmalloc(caplen_tcp);
	memcpy(old, tcp, caplen_tcp);
	if (k->flags & PCAP_TCP_SYN) {
		f->base[d] = k->seq + 1;
		f->have_base[d] = 1;
	} else if (!f->have_base[d] && k->paylen > 0) {
		f->base[d] = k->seq;	/* capture started mid-connection */
		f->have_base[d] = 1;
	}
	if (k->paylen > 0 && f->inspect && !f->broken[d] &&
	    !emu_conn_dropped(f->ec))
		out = rp_payload(r, f, d, k, pay);
	if (f->dropped)
		r->st->dropped++;
	rp_put32(tcp + 4, k->seq - f->delta[d] + f->isn_off[d]);
	if (k->flags & PCAP_TCP_ACK)
		rp_put32(tcp + 8, k->ack - f->delta[!d] + f->isn_off[!d]);
	if (memcmp(old, tcp, caplen_tcp) != 0) {
		if (pay != NULL)
			for (size_t i = 0; i < k->paylen; i++)
				r->st->bytes_changed += pay[i] != old[hl + i];
		if (k->paylen == k->paylen_wire)
			rp_csum_full(k, tcp, caplen_tcp);
		else
			rp_csum_incr(tcp, old, caplen_tcp);
	}
	free(old);
	return out;
}

static int
rp_loop(struct rp *r, pcap_t *pc, pcap_dumper_t *pd, const char *in,
    char *errbuf)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	struct pcap_pkt k;
	uint8_t *rec = NULL;
	int dlt = pcap_datalink(pc), rc, skip;

	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		r->st->records++;
		rec = xreallocarray(rec, h->caplen + 1, 1);
		memcpy(rec, data, h->caplen);
		memset(&k, 0, sizeof(k));
		skip = 0;
		if (pcap_in_decode(dlt, rec, h->caplen, &k) == 0 &&
		    k.opts != NULL) {
			r->st->tcp++;
			skip = rp_tcp(r, &k, rec);
		}
		if (!skip) {
			pcap_dump((u_char *)pd, h, rec);
			r->st->written++;
		}
	}
	free(rec);
	if (rc == -1) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: record %llu: %s", in,
		    (unsigned long long)r->st->records + 1, pcap_geterr(pc));
		return -1;
	}
	return 0;
}

int
emu_replay_run_log(const struct emu_profile *p, const char *in,
    const char *out, int randomize_isn, uint32_t seed, struct emu_log *log,
    struct emu_replay_stats *st, char *errbuf)
{
	char perr[PCAP_ERRBUF_SIZE];
	struct emu_replay_stats dummy;
	struct rp *r;
	pcap_t *pc, *dead;
	pcap_dumper_t *pd;
	int rc;

	if ((pc = pcap_open_offline(in, perr)) == NULL) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: %s", in, perr);
		return -1;
	}
	dead = pcap_open_dead(pcap_datalink(pc), pcap_snapshot(pc) > 0 ?
	    pcap_snapshot(pc) : 262144);
	if (dead == NULL || (pd = pcap_dump_open(dead, out)) == NULL) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: %s", out,
		    dead ? pcap_geterr(dead) : "cannot open");
		if (dead != NULL)
			pcap_close(dead);
		pcap_close(pc);
		return -1;
	}
	r = xcalloc(1, sizeof(*r));
	r->p = p;
	r->log = log;
	r->st = st ? st : &dummy;
	memset(r->st, 0, sizeof(*r->st));
	r->randomize = randomize_isn;
	r->rng = seed;
	emu_actions_init(&r->act);
	rc = rp_loop(r, pc, pd, in, errbuf);
	if (pcap_dump_flush(pd) != 0 && rc == 0) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: write error", out);
		rc = -1;
	}
	pcap_dump_close(pd);
	pcap_close(dead);
	pcap_close(pc);
	emu_actions_free(&r->act);
	rp_flows_free(r);
	free(r);
	return rc;
}

int
emu_replay_run(const struct emu_profile *p, const char *in, const char *out,
    int randomize_isn, uint32_t seed, char *errbuf)
{
	return emu_replay_run_log(p, in, out, randomize_isn, seed, NULL, NULL,
	    errbuf);
}
