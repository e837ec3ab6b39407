/* emu_inline.c - inline emulation core: rewrite one queued packet in place. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <pcap/pcap.h>

#include "emu_inline.h"
#include "emu_rewrite.h"
#include "pcap_in.h"
#include "pktedit.h"
#include "util.h"

#define EI_BUCKETS	4096
#define EI_SWEEP_US	1000000ULL
/* sequence comparison modulo 2^32 (RFC 9293 3.4) */
#define EI_SEQ_GT(a, b)	((int32_t)((a) - (b)) > 0)

/* One TCP connection; index 0 = client to server (the SYN's sender). */
struct ei_flow {
	struct ei_flow	*hnext;		/* hash chain */
	struct ei_flow	*prev, *next;	/* LRU list, oldest first */
	unsigned	 h;
	int		 af;
	uint8_t		 addr[2][16];	/* [0] client, [1] server */
	uint16_t	 port[2];
	int		 have_base[2];
	uint32_t	 base[2];	/* sequence number of offset 0 */
	uint32_t	 isn_off[2];
	uint32_t	 delta[2];	/* bytes suppressed so far */
	int		 fin[2];
	int		 rst;
	int		 dropped;	/* engine drop: drop the rest */
	int		 inspect;
	int		 have_nxt[2];
	uint32_t	 nxt[2];	/* next seq each side sends (own) */
	uint16_t	 win[2];	/* last window field each side sent */
	/* the box's last own answer (pix-4.1), sent again when the
	 * segment it answered is retransmitted */
	int		 inj_dir;	/* direction of that segment */
	uint64_t	 inj_at;	/* its stream offset */
	size_t		 inj_seglen;	/* its length */
	uint32_t	 inj_seq;	/* answer's seq as the receiver sees */
	uint32_t	 inj_ack;	/* answer's ack (sender's own space) */
	size_t		 inj_len;
	uint8_t		 inj_data[EMU_INLINE_INJECT_MAX];
	uint64_t	 last_us;
	struct emu_conn	*ec;
	struct emu_peers peers;
};

struct emu_inline {
	struct emu_inline_cfg	 cfg;
	struct emu_inline_stats	 st;
	uint32_t		 rng;
	struct ei_flow		*bucket[EI_BUCKETS];
	struct ei_flow		*head, *tail;
	size_t			 nflows;
	uint64_t		 last_sweep;
	struct emu_actions	 act;
	uint8_t			 old[EMU_INLINE_PKT_MAX];
	uint8_t			 inj[60 + EMU_INLINE_INJECT_MAX];
	size_t			 injlen;
};

/* xorshift32: deterministic offsets from the seed. */
static uint32_t
ei_rand(struct emu_inline *ei)
{
	uint32_t x = ei->rng ? ei->rng : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	ei->rng = x;
	return x;
}

static size_t
ei_alen(int af)
{
	return af == AF_INET ? 4 : 16;
}

/* Same bucket for both directions of a flow. */
static unsigned
ei_hash(int af, const uint8_t *a, uint16_t pa, const uint8_t *b,
    uint16_t pb)
{
	unsigned h = (unsigned)pa ^ (unsigned)pb;
	size_t i;

	for (i = 0; i < ei_alen(af); i++)
		h = h * 31 + (unsigned)(a[i] ^ b[i]);
	return h % EI_BUCKETS;
}

static int
ei_side(const struct ei_flow *f, int af, const uint8_t *src, uint16_t sp,
    const uint8_t *dst, uint16_t dp)
{
	size_t n = ei_alen(af);

	if (f->af != af)
		return -1;
	if (f->port[0] == sp && f->port[1] == dp &&
	    memcmp(f->addr[0], src, n) == 0 && memcmp(f->addr[1], dst, n) == 0)
		return EMU_C2S;
	if (f->port[1] == sp && f->port[0] == dp &&
	    memcmp(f->addr[1], src, n) == 0 && memcmp(f->addr[0], dst, n) == 0)
		return EMU_S2C;
	return -1;
}

static struct ei_flow *
ei_find(const struct emu_inline *ei, int af, const uint8_t *src, uint16_t sp,
    const uint8_t *dst, uint16_t dp, int *dir)
{
	struct ei_flow *f;

	f = ei->bucket[ei_hash(af, src, sp, dst, dp)];
	for (; f != NULL; f = f->hnext)
		if ((*dir = ei_side(f, af, src, sp, dst, dp)) >= 0)
			return f;
	return NULL;
}

static void
ei_lru_unlink(struct emu_inline *ei, struct ei_flow *f)
{
	if (f->prev != NULL)
		f->prev->next = f->next;
	else
		ei->head = f->next;
	if (f->next != NULL)
		f->next->prev = f->prev;
	else
		ei->tail = f->prev;
	f->prev = f->next = NULL;
}

static void
ei_lru_append(struct emu_inline *ei, struct ei_flow *f)
{
	f->prev = ei->tail;
	f->next = NULL;
	if (ei->tail != NULL)
		ei->tail->next = f;
	else
		ei->head = f;
	ei->tail = f;
}

static void
ei_flow_free(struct emu_inline *ei, struct ei_flow *f)
{
	struct ei_flow **pp;

	for (pp = &ei->bucket[f->h]; *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == f) {
			*pp = f->hnext;
			break;
		}
	ei_lru_unlink(ei, f);
	emu_conn_free(f->ec);
	free(f);
	ei->nflows--;
}

static struct ei_flow *
ei_flow_new(struct emu_inline *ei, const struct pcap_pkt *k, uint64_t now)
{
	struct ei_flow *f;

	if (ei->nflows >= ei->cfg.max_flows && ei->head != NULL) {
		ei_flow_free(ei, ei->head);
		ei->st.evicted++;
	}
	f = xcalloc(1, sizeof(*f));
	f->af = k->af;
	memcpy(f->addr[0], k->src, 16);
	memcpy(f->addr[1], k->dst, 16);
	f->port[0] = k->sport;
	f->port[1] = k->dport;
	if (ei->cfg.randomize_isn) {
		f->isn_off[0] = ei_rand(ei);
		f->isn_off[1] = ei_rand(ei);
	}
	f->inspect = k->dport == ei->cfg.port;
	emu_peers_init(&f->peers);
	pcap_in_addr_str(f->af, f->addr[0], f->peers.client_ip,
	    sizeof(f->peers.client_ip));
	pcap_in_addr_str(f->af, f->addr[1], f->peers.server_ip,
	    sizeof(f->peers.server_ip));
	f->peers.client_port = f->port[0];
	f->peers.server_port = f->port[1];
	f->ec = emu_conn_new(ei->cfg.profile, ei->cfg.log, &f->peers);
	f->last_us = now;
	f->h = ei_hash(k->af, k->src, k->sport, k->dst, k->dport);
	f->hnext = ei->bucket[f->h];
	ei->bucket[f->h] = f;
	ei_lru_append(ei, f);
	ei->nflows++;
	ei->st.flows++;
	if (ei->cfg.log != NULL && ei->cfg.randomize_isn)
		emu_log_printf(ei->cfg.log, "inline: %s:%u > %s:%u ISN offset "
		    "C>S %+d S>C %+d (inside - outside)", f->peers.client_ip,
		    f->port[0], f->peers.server_ip, f->port[1],
		    (int)(int32_t)f->isn_off[0],
		    (int)(int32_t)(0u - f->isn_off[1]));
	return f;
}

/* End flows that closed (after the linger) or went idle; once a second. */
static void
ei_expire(struct emu_inline *ei, uint64_t now)
{
	struct ei_flow *f, *n;
	uint64_t limit;

	if (now - ei->last_sweep < EI_SWEEP_US && now >= ei->last_sweep)
		return;
	ei->last_sweep = now;
	for (f = ei->head; f != NULL; f = n) {
		n = f->next;
		limit = f->rst || (f->fin[0] && f->fin[1]) ?
		    EMU_INLINE_LINGER_SEC : ei->cfg.idle_sec;
		if (now >= f->last_us && now - f->last_us >= limit * 1000000) {
			ei_flow_free(ei, f);
			ei->st.expired++;
		}
	}
}

struct emu_inline *
emu_inline_new(const struct emu_inline_cfg *cfg)
{
	struct emu_inline *ei = xcalloc(1, sizeof(*ei));

	ei->cfg = *cfg;
	if (ei->cfg.port == 0)
		ei->cfg.port = 25;
	if (ei->cfg.max_flows == 0)
		ei->cfg.max_flows = EMU_INLINE_FLOWS_MAX;
	if (ei->cfg.idle_sec == 0)
		ei->cfg.idle_sec = EMU_INLINE_IDLE_SEC;
	ei->rng = cfg->seed;
	emu_actions_init(&ei->act);
	return ei;
}

void
emu_inline_free(struct emu_inline *ei)
{
	if (ei == NULL)
		return;
	while (ei->head != NULL)
		ei_flow_free(ei, ei->head);
	emu_actions_free(&ei->act);
	free(ei);
}

size_t
emu_inline_nflows(const struct emu_inline *ei)
{
	return ei->nflows;
}

const struct emu_inline_stats *
emu_inline_stats(const struct emu_inline *ei)
{
	return &ei->st;
}

const uint8_t *
emu_inline_inject(const struct emu_inline *ei, size_t *len)
{
	*len = ei->injlen;
	return ei->injlen > 0 ? ei->inj : NULL;
}

int
emu_inline_offsets(const struct emu_inline *ei, int af, const uint8_t *caddr,
    uint16_t cport, const uint8_t *saddr, uint16_t sport, uint32_t off[2])
{
	uint8_t a[16], b[16];
	struct ei_flow *f;
	int d;

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memcpy(a, caddr, ei_alen(af));
	memcpy(b, saddr, ei_alen(af));
	f = ei_find(ei, af, a, cport, b, sport, &d);
	if (f == NULL || d != EMU_C2S)
		return -1;
	off[0] = f->isn_off[0];
	off[1] = f->isn_off[1];
	return 0;
}

/*
 * The box's own answer to the sender of direction d (pix-4.1 answers a
 * refused command itself, Cisco's PIX 4.x mailhost "OK"): one TCP segment
 * from the other endpoint's address, next in the sequence space the
 * sender sees, acknowledging the segment it answered.
 */
static void
ei_inject_build(struct emu_inline *ei, const struct ei_flow *f)
{
	int d = f->inj_dir, v4 = f->af == AF_INET;
	size_t ihl = v4 ? 20 : 40;
	size_t tot = ihl + 20 + f->inj_len;
	uint8_t *p = ei->inj, *t = p + ihl;

	memset(p, 0, ihl + 20);
	if (v4) {
		p[0] = 0x45;
		p[2] = (uint8_t)(tot >> 8);
		p[3] = (uint8_t)tot;
		p[6] = 0x40;			/* DF */
		p[8] = 64;
		p[9] = 6;
		memcpy(p + 12, f->addr[!d], 4);
		memcpy(p + 16, f->addr[d], 4);
		pkt_ip4_csum(p, 20);
	} else {
		p[0] = 0x60;
		p[4] = (uint8_t)((20 + f->inj_len) >> 8);
		p[5] = (uint8_t)(20 + f->inj_len);
		p[6] = 6;
		p[7] = 64;
		memcpy(p + 8, f->addr[!d], 16);
		memcpy(p + 24, f->addr[d], 16);
	}
	t[0] = (uint8_t)(f->port[!d] >> 8);
	t[1] = (uint8_t)f->port[!d];
	t[2] = (uint8_t)(f->port[d] >> 8);
	t[3] = (uint8_t)f->port[d];
	pkt_put32(t + 4, f->inj_seq);
	pkt_put32(t + 8, f->inj_ack);
	t[12] = 5 << 4;
	t[13] = 0x18;				/* PSH, ACK */
	t[14] = (uint8_t)(f->win[!d] >> 8);
	t[15] = (uint8_t)f->win[!d];
	memcpy(t + 20, f->inj_data, f->inj_len);
	pkt_tcp_csum(f->af, f->addr[!d], f->addr[d], t,
	    20 + f->inj_len);
	ei->injlen = tot;
	ei->st.injected++;
}

/* Record the answer to a suppressed segment [at, at+n) of direction d
 * that ends at sequence number end; the other side's later bytes move up
 * by its length in the sender's view. */
static void
ei_answer(struct emu_inline *ei, struct ei_flow *f, int d, uint64_t at,
    size_t n, uint32_t end, const uint8_t *data, size_t len)
{
	if (len > EMU_INLINE_INJECT_MAX || !f->have_nxt[!d]) {
		ei->st.injects++;		/* cannot be sent */
		return;
	}
	f->inj_dir = d;
	f->inj_at = at;
	f->inj_seglen = n;
	f->inj_seq = f->nxt[!d] + f->isn_off[!d] - f->delta[!d];
	f->inj_ack = end;
	memcpy(f->inj_data, data, len);
	f->inj_len = len;
	f->delta[!d] -= (uint32_t)len;
	ei_inject_build(ei, f);
}

/* Feed new stream bytes (sequence number seq) to the engine. */
static enum emu_inline_verdict
ei_feed(struct emu_inline *ei, struct ei_flow *f, int d, uint32_t seq,
    uint8_t *pay, size_t n)
{
	struct emu_actions *a = &ei->act;
	uint64_t at = emu_conn_offset(f->ec, (enum emu_dir)d);

	if (emu_rewrite_segment(f->ec, (enum emu_dir)d, pay, n, a) < 0)
		return EMU_INLINE_ACCEPT;
	ei->st.segments++;
	if (a->drop) {
		f->dropped = 1;
		return EMU_INLINE_DROP;
	}
	if (a->suppress) {
		f->delta[d] += (uint32_t)n;
		ei->st.suppressed++;
		if (a->inject.len > 0)
			ei_answer(ei, f, d, at, n, seq + (uint32_t)n,
			    a->inject.data, a->inject.len);
		return EMU_INLINE_DROP;
	}
	if (a->inject.len > 0)
		ei->st.injects++;
	if (a->ncuts > 0)
		ei->st.partial_cuts++;
	return EMU_INLINE_ACCEPT;
}

/* The payload of one segment of direction d, in stream order. */
static enum emu_inline_verdict
ei_payload(struct emu_inline *ei, struct ei_flow *f, int d, uint32_t seq,
    uint8_t *pay, size_t n)
{
	uint64_t cur64 = emu_conn_offset(f->ec, (enum emu_dir)d);
	uint32_t off = seq - f->base[d], cur = (uint32_t)cur64, back;
	size_t old;

	if (off == cur)
		return ei_feed(ei, f, d, seq, pay, n);
	if ((int32_t)(off - cur) > 0) {
		ei->st.reordered++;	/* the sender retransmits in order */
		return EMU_INLINE_DROP;
	}
	back = cur - off;
	old = back < n ? back : n;
	if (f->inj_len > 0 && f->inj_dir == d && back <= cur64 &&
	    cur64 - back == f->inj_at && n == f->inj_seglen) {
		ei_inject_build(ei, f);	/* the box answers it again */
		ei->st.retransmissions++;
		return EMU_INLINE_DROP;
	}
	if (back > EMU_HISTORY_MAX || back > cur64 ||
	    emu_rewrite_history(f->ec, (enum emu_dir)d, cur64 - back, pay,
	    old) < old) {
		ei->st.too_old++;
		return EMU_INLINE_DROP;
	}
	ei->st.retransmissions++;
	if (n > old)
		return ei_feed(ei, f, d, seq + (uint32_t)old, pay + old,
		    n - old);
	return EMU_INLINE_ACCEPT;
}

/* SACK blocks (RFC 2018 3: kind 5, 8 bytes per block) acknowledge the
 * peer's sequence space: shift them like the ack number. */
static void
ei_sack(uint8_t *opt, size_t optlen, uint32_t add)
{
	size_t i = 0, len, j;

	while (i < optlen) {
		if (opt[i] == 0)
			break;
		if (opt[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= optlen || (len = opt[i + 1]) < 2 ||
		    i + len > optlen)
			break;
		if (opt[i] == 5)
			for (j = i + 2; j + 4 <= i + len; j += 4)
				pkt_put32(opt + j, pkt_get32(opt + j) + add);
		i += len;
	}
}

/* Shift seq/ack/SACK of a packet of direction d; FIN/RST bookkeeping. */
static void
ei_header(struct ei_flow *f, int d, const struct pcap_pkt *k, uint8_t *tcp)
{
	uint32_t add_ack = f->delta[!d] - f->isn_off[!d];

	pkt_put32(tcp + 4, k->seq + f->isn_off[d] - f->delta[d]);
	if (k->flags & PCAP_TCP_ACK) {
		pkt_put32(tcp + 8, k->ack + add_ack);
		ei_sack(tcp + 20, k->optlen, add_ack);
	}
	if (k->flags & PCAP_TCP_FIN)
		f->fin[d] = 1;
	if (k->flags & PCAP_TCP_RST)
		f->rst = 1;
}

/* What each side has sent so far (for the box's own answers). */
static void
ei_track(struct ei_flow *f, int d, const struct pcap_pkt *k)
{
	uint32_t end = k->seq + (uint32_t)k->paylen +
	    (k->flags & PCAP_TCP_SYN ? 1u : 0u) +
	    (k->flags & PCAP_TCP_FIN ? 1u : 0u);

	if (!f->have_nxt[d] || EI_SEQ_GT(end, f->nxt[d]))
		f->nxt[d] = end;
	f->have_nxt[d] = 1;
	f->win[d] = k->window;
}

/* The flow of a decoded packet; a client SYN opens (or reopens) one. */
static struct ei_flow *
ei_flow_for(struct emu_inline *ei, const struct pcap_pkt *k, uint64_t now,
    int *d)
{
	struct ei_flow *f;
	int syn = (k->flags & (PCAP_TCP_SYN | PCAP_TCP_ACK)) == PCAP_TCP_SYN;

	f = ei_find(ei, k->af, k->src, k->sport, k->dst, k->dport, d);
	/* a new connection on the same 5-tuple (port reuse, new ISN) */
	if (f != NULL && syn && (*d != EMU_C2S ||
	    (f->have_base[0] && f->base[0] != k->seq + 1))) {
		ei_flow_free(ei, f);
		ei->st.expired++;
		f = NULL;
	}
	if (f == NULL && syn) {
		f = ei_flow_new(ei, k, now);
		*d = EMU_C2S;
	}
	return f;
}

enum emu_inline_verdict
emu_inline_packet(struct emu_inline *ei, uint8_t *pkt, size_t len,
    uint64_t now_us, int *changed)
{
	struct pcap_pkt k;
	struct ei_flow *f;
	enum emu_inline_verdict v = EMU_INLINE_ACCEPT;
	uint8_t *tcp, *pay;
	size_t hl, tlen, i;
	int d;

	*changed = 0;
	ei->injlen = 0;
	ei->st.packets++;
	ei_expire(ei, now_us);
	memset(&k, 0, sizeof(k));
	if (len > EMU_INLINE_PKT_MAX || pcap_in_decode(DLT_RAW, pkt, len,
	    &k) == -1 || k.opts == NULL || k.paylen != k.paylen_wire)
		return EMU_INLINE_ACCEPT;
	ei->st.tcp++;
	if ((f = ei_flow_for(ei, &k, now_us, &d)) == NULL) {
		ei->st.untracked++;
		return EMU_INLINE_ACCEPT;
	}
	ei_lru_unlink(ei, f);
	ei_lru_append(ei, f);
	f->last_us = now_us;
	if (f->dropped) {
		ei->st.dropped++;
		return EMU_INLINE_DROP;
	}
	tcp = pkt + (k.opts - pkt) - 20;
	hl = 20 + (size_t)k.optlen;
	tlen = hl + k.paylen;
	pay = tcp + hl;
	memcpy(ei->old, tcp, tlen);
	if (k.flags & PCAP_TCP_SYN) {
		f->base[d] = k.seq + 1;
		f->have_base[d] = 1;
	}
	/* data on a SYN (TCP Fast Open, RFC 7413) starts after the SYN */
	if (k.paylen > 0 && f->inspect && f->have_base[d])
		v = ei_payload(ei, f, d, k.seq + (k.flags & PCAP_TCP_SYN ?
		    1 : 0), pay, k.paylen);
	if (v == EMU_INLINE_DROP) {
		ei->st.dropped++;
		return v;
	}
	ei_track(f, d, &k);
	ei_header(f, d, &k, tcp);
	if (memcmp(ei->old, tcp, tlen) != 0) {
		for (i = 0; i < k.paylen; i++)
			ei->st.bytes_changed += pay[i] != ei->old[hl + i];
		pkt_tcp_csum(k.af, k.src, k.dst, tcp, tlen);
		ei->st.changed++;
		*changed = 1;
	}
	return EMU_INLINE_ACCEPT;
}
