/* emu_replay.c - rewrite a capture offline as if it passed the emulated box. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <pcap/pcap.h>

#include "emu_replay.h"
#include "emu_replay_int.h"
#include "pktedit.h"
#include "emu_rewrite.h"
#include "mg_limits.h"
#include "pcap_in.h"
#include "util.h"

#define RP_BUCKETS	4096

/* A flow closed by FINs both ways or a RST is forgotten this long (capture
 * time) after its last packet, so late ACKs and retransmitted FINs still
 * find it; an open flow after MG_FLOW_IDLE_SEC of silence, as the
 * analyzer does. */
#define RP_LINGER_US	(60 * 1000000ULL)

/* One TCP connection of the capture; index 0 = client to server. */
struct rp_flow {
	struct rp_flow	*next;		/* bucket chain */
	TAILQ_ENTRY(rp_flow) act;	/* activity list, oldest first */
	unsigned	 h;		/* bucket */
	uint64_t	 last_us;	/* capture time of its last packet */
	int		 fin[2], rst;
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
	TAILQ_HEAD(rp_flowq, rp_flow) active;
	uint64_t	 nflows;	/* open in the table */
	struct emu_actions act;
	uint8_t		*inj;		/* frame of the box's own answer */
	size_t		 inj_len;	/* 0: none for this record */
	struct pcap_pkthdr inj_h;
	uint32_t	 seg_end;	/* seq after the current segment */
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

/* Forget a flow: a later packet of it would start a new, mid-stream one. */
static void
rp_flow_forget(struct rp *r, struct rp_flow *f)
{
	struct rp_flow **pp = &r->bucket[f->h];

	while (*pp != NULL && *pp != f)
		pp = &(*pp)->next;
	if (*pp == f)
		*pp = f->next;
	TAILQ_REMOVE(&r->active, f, act);
	if (f->rst || (f->fin[0] && f->fin[1]))
		r->st->retired++;
	else
		r->st->evicted++;
	emu_conn_free(f->ec);
	free(f);
	r->nflows--;
}

/* Before a new flow: forget the least recently active ones whose time is
 * up (closed and lingered, or idle), and one more when the table is full. */
static void
rp_flows_expire(struct rp *r, uint64_t now)
{
	struct rp_flow *f;
	uint64_t wait;

	while ((f = TAILQ_FIRST(&r->active)) != NULL) {
		wait = f->rst || (f->fin[0] && f->fin[1]) ? RP_LINGER_US :
		    (uint64_t)MG_FLOW_IDLE_SEC * 1000000;
		if (now < f->last_us || now - f->last_us <= wait)
			break;
		rp_flow_forget(r, f);
	}
	if (r->nflows >= MG_FLOWS_MAX && !TAILQ_EMPTY(&r->active))
		rp_flow_forget(r, TAILQ_FIRST(&r->active));
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
	emu_conn_set_replay(f->ec, 1);
	f->h = h;
	f->next = r->bucket[h];
	r->bucket[h] = f;
	TAILQ_INSERT_TAIL(&r->active, f, act);
	r->nflows++;
	r->st->flows++;
	return f;
}

/* The flow of a packet (made if new) and its direction; the flow moves to
 * the end of the activity list.  At most MG_FLOWS_MAX are held. */
static struct rp_flow *
rp_flow_get(struct rp *r, const struct pcap_pkt *k, int *dir)
{
	unsigned h = rp_hash(k);
	struct rp_flow *f;

	for (f = r->bucket[h]; f != NULL; f = f->next)
		if ((*dir = rp_side(f, k)) >= 0)
			break;
	/* a SYN on a closed connection's ports opens a new one (RFC 9293
	 * 3.6.1: the ports may be reused once it is closed) */
	if (f != NULL && (f->rst || (f->fin[0] && f->fin[1])) &&
	    (k->flags & (PCAP_TCP_SYN | PCAP_TCP_ACK)) == PCAP_TCP_SYN) {
		rp_flow_forget(r, f);
		f = NULL;
	}
	if (f == NULL) {
		rp_flows_expire(r, k->ts_us);
		f = rp_flow_new(r, k, h);
		*dir = rp_side(f, k);
	} else if (f != TAILQ_LAST(&r->active, rp_flowq)) {
		TAILQ_REMOVE(&r->active, f, act);
		TAILQ_INSERT_TAIL(&r->active, f, act);
	}
	if (k->ts_us > f->last_us)
		f->last_us = k->ts_us;
	if (k->flags & PCAP_TCP_FIN)
		f->fin[*dir] = 1;
	if (k->flags & PCAP_TCP_RST)
		f->rst = 1;
	return f;
}

static void
rp_flows_free(struct rp *r)
{
	struct rp_flow *f, *n;

	for (f = TAILQ_FIRST(&r->active); f != NULL; f = n) {
		n = TAILQ_NEXT(f, act);
		emu_conn_free(f->ec);
		free(f);
	}
}

/*
 * The box answered the client itself (pix-4.1 "250 OK", a 421 before a
 * drop): a frame from the server's address right after the client's
 * segment; later server sequence numbers move up by its length.
 */
static void
rp_inject(struct rp *r, struct rp_flow *f, struct rp_rec *rec)
{
	struct emu_actions *a = &r->act;
	uint32_t seq, ack;
	size_t n;

	if (!f->have_base[EMU_S2C] || !rec->ip_ok) {
		r->st->injects++;	/* cannot be represented */
		return;
	}
	seq = f->base[EMU_S2C] + (uint32_t)emu_conn_offset(f->ec, EMU_S2C) -
	    f->delta[EMU_S2C] + f->isn_off[EMU_S2C];
	ack = r->seg_end - f->delta[EMU_C2S] +
	    f->isn_off[EMU_C2S];
	r->inj = xreallocarray(r->inj, rec->tcp_off + 20 + a->inject.len, 1);
	n = rp_inject_frame(rec, a->inject.data, a->inject.len, seq, ack,
	    r->inj);
	if (n == 0)
		return;
	r->inj_h = rec->h;
	r->inj_h.caplen = r->inj_h.len = (bpf_u_int32)n;
	r->inj_len = n;
	f->delta[EMU_S2C] -= (uint32_t)a->inject.len;
	r->st->injected++;
}

/* Feed new bytes at the engine's offset; returns 0 keep, 1 leave out. */
static int
rp_feed(struct rp *r, struct rp_flow *f, int d, struct rp_rec *rec,
    size_t pay_off, size_t n)
{
	struct emu_actions *a = &r->act;
	size_t removed;
	int out = 0;

	if (emu_rewrite_segment(f->ec, d, rec->b + pay_off, n, a) < 0)
		return 0;
	r->st->segments++;
	if (a->drop) {
		f->dropped = 1;
		out = 1;
	} else if (a->suppress) {
		f->delta[d] += (uint32_t)n;
		r->st->suppressed++;
		out = 1;
	} else if (a->ncuts > 0) {
		removed = rp_rec_cut(rec, pay_off, n, a);
		if (removed > 0)
			f->delta[d] += (uint32_t)removed;
		else
			r->st->partial_cuts++;
	}
	if (a->inject.len > 0)
		rp_inject(r, f, rec);
	return out;
}

/* Rewrite the payload of one segment of direction d; 1: leave it out. */
static int
rp_payload(struct rp *r, struct rp_flow *f, int d, struct rp_rec *rec)
{
	const struct pcap_pkt *k = &rec->k;
	uint64_t cur64 = emu_conn_offset(f->ec, d);
	uint32_t off = k->seq - f->base[d], cur = (uint32_t)cur64, back;
	size_t n = k->paylen, old, pay_off = (size_t)(k->payload - rec->b);

	if (k->paylen < k->paylen_wire) {
		r->st->truncated++;
		f->broken[d] = 1;
		return 0;
	}
	if (off == cur)
		return rp_feed(r, f, d, rec, pay_off, n);
	back = cur - off;
	if (back > 0 && back <= EMU_HISTORY_MAX) {
		r->st->retransmissions++;
		old = back < n ? back : n;
		(void)emu_rewrite_history(f->ec, d, cur64 - back,
		    rec->b + pay_off, old);
		if (n > old)
			return rp_feed(r, f, d, rec, pay_off + old, n - old);
		return 0;
	}
	r->st->gaps++;
	f->broken[d] = 1;
	return 0;
}

static void
rp_base(struct rp_flow *f, int d, const struct pcap_pkt *k)
{
	if (k->flags & PCAP_TCP_SYN) {
		f->base[d] = k->seq + 1;
		f->have_base[d] = 1;
	} else if (!f->have_base[d] && k->paylen > 0) {
		f->base[d] = k->seq;	/* capture started mid-connection */
		f->have_base[d] = 1;
	}
}

/* Process one decoded TCP record in place; 1: leave it out. */
static int
rp_tcp(struct rp *r, struct rp_rec *rec)
{
	const struct pcap_pkt *k = &rec->k;
	struct rp_flow *f;
	uint8_t *tcp, *old;
	size_t hl = 20 + (size_t)k->optlen, oldlen = hl + k->paylen, i;
	uint32_t delta[2];
	int d, out = 0;

	f = rp_flow_get(r, k, &d);
	if (f->dropped) {
		r->st->dropped++;
		return 1;
	}
	rp_rec_locate(rec);
	tcp = rec->b + rec->tcp_off;
	old = xmalloc(oldlen);
	memcpy(old, tcp, oldlen);
	rp_base(f, d, k);
	r->seg_end = k->seq + (uint32_t)k->paylen;
	/* this segment's numbers move by what was left out before it; its
	 * own cuts and the box's answer after it move later segments */
	delta[0] = f->delta[0];
	delta[1] = f->delta[1];
	if (k->paylen > 0 && f->inspect && !f->broken[d] &&
	    !emu_conn_dropped(f->ec))
		out = rp_payload(r, f, d, rec);
	if (f->dropped)
		r->st->dropped++;
	pkt_put32(tcp + 4, k->seq - delta[d] + f->isn_off[d]);
	if (k->flags & PCAP_TCP_ACK)
		pkt_put32(tcp + 8, k->ack - delta[!d] + f->isn_off[!d]);
	if (hl + k->paylen != oldlen || memcmp(old, tcp, oldlen) != 0) {
		for (i = 0; i < k->paylen && hl + i < oldlen; i++)
			r->st->bytes_changed += tcp[hl + i] != old[hl + i];
		rp_tcp_csum(rec, old, oldlen);
	}
	free(old);
	return out;
}

static int
rp_loop(struct rp *r, pcap_t *pc, pcap_dumper_t *pd, const char *in,
    const char *out, char *errbuf)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	struct rp_rec rec;
	uint8_t *b = NULL;
	int rc, skip, werr = 0;

	memset(&rec, 0, sizeof(rec));
	rec.dlt = pcap_datalink(pc);
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		r->st->records++;
		b = xreallocarray(b, h->caplen + 1, 1);
		memcpy(b, data, h->caplen);
		rec.b = b;
		rec.h = *h;
		memset(&rec.k, 0, sizeof(rec.k));
		r->inj_len = 0;
		skip = 0;
		rec.k.ts_us = (uint64_t)h->ts.tv_sec * 1000000 +
		    (uint64_t)h->ts.tv_usec;
		if (pcap_in_decode(rec.dlt, b, h->caplen, &rec.k) == 0 &&
		    rec.k.opts != NULL) {
			r->st->tcp++;
			skip = rp_tcp(r, &rec);
		}
		if (!skip) {
			pcap_dump((u_char *)pd, &rec.h, b);
			r->st->written++;
		}
		if (r->inj_len > 0)
			pcap_dump((u_char *)pd, &r->inj_h, r->inj);
		/* pcap_dump() cannot report a failed write (a full disk):
		 * stop at once rather than read the rest for nothing. */
		if (ferror(pcap_dump_file(pd))) {
			werr = 1;
			break;
		}
	}
	free(b);
	if (werr) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: write error after "
		    "record %llu: %s", out, (unsigned long long)r->st->records,
		    strerror(errno));
		return -1;
	}
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
	TAILQ_INIT(&r->active);
	emu_actions_init(&r->act);
	rc = rp_loop(r, pc, pd, in, out, errbuf);
	if ((pcap_dump_flush(pd) != 0 || ferror(pcap_dump_file(pd))) &&
	    rc == 0) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: write error: %s", out,
		    strerror(errno));
		rc = -1;
	}
	pcap_dump_close(pd);
	pcap_close(dead);
	pcap_close(pc);
	emu_actions_free(&r->act);
	rp_flows_free(r);
	free(r->inj);
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
