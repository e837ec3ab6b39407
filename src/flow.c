/* flow.c - TCP flow table: lookup, roles, SMTP recognition, eviction. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "flow.h"
#include "mg_limits.h"
#include "util.h"

/* Bytes one direction may carry, with nothing recognisable from the
 * other, before the flow is judged not SMTP. */
#define FLOW_SNIFF_MAX	1024

/* Hash buckets to start with (a power of two); flow_grow() doubles. */
#define FLOW_BUCKETS_MIN	64

struct flow_table {
	struct flow	**bucket;
	size_t		 nbucket;	/* power of two */
	size_t		 max, active;
	uint64_t	 idle_us;
	uint64_t	 now;		/* latest capture time seen */
	uint64_t	 next_id;
	struct flow	*oldest, *newest;	/* activity list */
	flow_event_fn	*cb;
	void		*arg;
	struct flow_stats st;
};

static const char *const kind_names[FLOW_KIND__COUNT] = {
	[FLOW_UNKNOWN] = "unknown",
	[FLOW_SMTP] = "smtp",
	[FLOW_TLS] = "tls",
	[FLOW_OTHER] = "other",
};

static const char *const end_names[FLOW_END__COUNT] = {
	[FLOW_END_FIN] = "fin",
	[FLOW_END_RST] = "rst",
	[FLOW_END_IDLE] = "idle",
	[FLOW_END_CAP] = "cap",
	[FLOW_END_EOF] = "eof",
};

/* Ports: RFC 5321 (25), RFC 6409 (587), common alternate (2525). */
static int
flow_smtp_port(uint16_t port)
{
	return port == 25 || port == 587 || port == 2525;
}

/* RFC 8314 3.3: submission over implicit TLS. */
static int
flow_tls_port(uint16_t port)
{
	return port == 465;
}

const char *
flow_kind_name(enum flow_kind k)
{
	return (unsigned)k < FLOW_KIND__COUNT ? kind_names[k] : "?";
}

const char *
flow_end_name(enum flow_end e)
{
	return (unsigned)e < FLOW_END__COUNT ? end_names[e] : "?";
}

struct flow_table *
flow_table_new(size_t max, uint64_t idle_us, flow_event_fn *cb, void *arg)
{
	struct flow_table *ft = xcalloc(1, sizeof(*ft));

	ft->max = max ? max : MG_FLOWS_MAX;
	ft->idle_us = idle_us ? idle_us : (uint64_t)MG_FLOW_IDLE_SEC * 1000000;
	ft->nbucket = FLOW_BUCKETS_MIN;
	ft->bucket = xcalloc(ft->nbucket, sizeof(*ft->bucket));
	ft->cb = cb;
	ft->arg = arg;
	return ft;
}

void
flow_free(struct flow *f)
{
	if (f == NULL)
		return;
	reasm_clear(&f->r[0]);
	reasm_clear(&f->r[1]);
	transcript_free(f->t);
	free(f);
}

void
flow_table_free(struct flow_table *ft)
{
	struct flow *f, *n;

	if (ft == NULL)
		return;
	for (f = ft->oldest; f != NULL; f = n) {
		n = f->lnext;
		flow_free(f);
	}
	free(ft->bucket);
	free(ft);
}

const struct flow_stats *
flow_table_stats(const struct flow_table *ft)
{
	return &ft->st;
}

size_t
flow_table_active(const struct flow_table *ft)
{
	return ft->active;
}

/* One endpoint: its 16 address bytes (v4 zero-padded by pcap_in) and
 * port, mixed a word at a time (64-bit multiply-xorshift). */
static uint32_t
flow_hash_end(const uint8_t *a, uint16_t port)
{
	uint64_t x, y;

	memcpy(&x, a, 8);
	memcpy(&y, a + 8, 8);
	x ^= (y ^ port) * 0x9e3779b97f4a7c15ULL;
	x *= 0xff51afd7ed558ccdULL;
	return (uint32_t)(x >> 32) ^ (uint32_t)x;
}

/* Symmetric hash of the two endpoints (murmur3 finaliser on a sum). */
static uint32_t
flow_hash(const struct pcap_pkt *pkt)
{
	uint32_t h;

	h = flow_hash_end(pkt->src, pkt->sport) +
	    flow_hash_end(pkt->dst, pkt->dport);
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	return h ^ (h >> 16);
}

static struct flow *
flow_lookup(struct flow_table *ft, const struct pcap_pkt *pkt, uint32_t h,
    enum tr_dir *dir)
{
	struct flow *f;

	for (f = ft->bucket[h & (ft->nbucket - 1)]; f != NULL; f = f->hnext) {
		if (f->hash != h || f->af != pkt->af)
			continue;
		if (f->cport == pkt->sport && f->sport == pkt->dport &&
		    memcmp(f->caddr, pkt->src, 16) == 0 &&
		    memcmp(f->saddr, pkt->dst, 16) == 0) {
			*dir = TR_C2S;
			return f;
		}
		if (f->cport == pkt->dport && f->sport == pkt->sport &&
		    memcmp(f->caddr, pkt->dst, 16) == 0 &&
		    memcmp(f->saddr, pkt->src, 16) == 0) {
			*dir = TR_S2C;
			return f;
		}
	}
	return NULL;
}

/* Twice the buckets once there are more open flows than buckets: the
 * table stays as small as the open flows need (a few cache lines for a
 * few dozen flows, which stay cached while packet data streams by)
 * instead of 512 KB sized for the cap from the start. */
static void
flow_grow(struct flow_table *ft)
{
	struct flow **nb, *f;
	size_t n = ft->nbucket * 2;

	nb = xcalloc(n, sizeof(*nb));
	for (f = ft->oldest; f != NULL; f = f->lnext) {
		f->hnext = nb[f->hash & (n - 1)];
		nb[f->hash & (n - 1)] = f;
	}
	free(ft->bucket);
	ft->bucket = nb;
	ft->nbucket = n;
}

static void
flow_list_unlink(struct flow_table *ft, struct flow *f)
{
	if (f->lprev != NULL)
		f->lprev->lnext = f->lnext;
	else
		ft->oldest = f->lnext;
	if (f->lnext != NULL)
		f->lnext->lprev = f->lprev;
	else
		ft->newest = f->lprev;
	f->lprev = f->lnext = NULL;
}

static void
flow_list_append(struct flow_table *ft, struct flow *f)
{
	f->lprev = ft->newest;
	f->lnext = NULL;
	if (ft->newest != NULL)
		ft->newest->lnext = f;
	else
		ft->oldest = f;
	ft->newest = f;
}

static void
flow_unlink(struct flow_table *ft, struct flow *f)
{
	struct flow **pp = &ft->bucket[f->hash & (ft->nbucket - 1)];

	while (*pp != NULL && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp == f)
		*pp = f->hnext;
	f->hnext = NULL;
	flow_list_unlink(ft, f);
	ft->active--;
}

/* Not SMTP after all: keep counting the flow, drop what it held. */
static void
flow_set_kind(struct flow_table *ft, struct flow *f, enum flow_kind k)
{
	f->kind = k;
	if (k == FLOW_SMTP)
		return;
	transcript_free(f->t);
	f->t = NULL;
	reasm_clear(&f->r[0]);
	reasm_clear(&f->r[1]);
	if (ft->cb != NULL)
		ft->cb(f, FLOW_EV_OTHER, ft->arg);
}

static int
flow_is_greeting(const uint8_t *p, size_t n)
{
	return n >= 4 && memcmp(p, "220", 3) == 0 &&
	    (p[3] == ' ' || p[3] == '-');
}

static int
flow_is_hello(const uint8_t *p, size_t n)
{
	return n >= 5 && (util_slice_ieq((const char *)p, 4, "EHLO") ||
	    util_slice_ieq((const char *)p, 4, "HELO")) &&
	    (p[4] == ' ' || p[4] == '\r' || p[4] == '\n');
}

/* A TLS record header: handshake (22), version 3.x (RFC 8446 5.1). */
static int
flow_is_tls(const uint8_t *p, size_t n)
{
	return n >= 2 && p[0] == 0x16 && p[1] == 0x03;
}

/* Offset just past the first empty line (end of an HTTP head), or 0. */
static size_t
flow_head_end(const uint8_t *p, size_t n)
{
	const uint8_t *e = memmem(p, n, "\r\n\r\n", 4);

	return e != NULL ? (size_t)(e - p) + 4 : 0;
}

/*
 * SMTP carried through an HTTP proxy tunnel (RFC 9110 9.3.6: CONNECT,
 * then a 2xx, then the tunnelled bytes).  When the greeting follows the
 * proxy's answer, start a fresh transcript at the tunnel so the SMTP
 * parsers see SMTP from byte 0; the HTTP part is kept as a note.
 */
static int
flow_tunnel(struct flow *f, const uint8_t *c, size_t cn, const uint8_t *s,
    size_t sn)
{
	struct transcript *nt;
	size_t ch, sh;

	if (cn < 8 || memcmp(c, "CONNECT ", 8) != 0 || sn < 12 ||
	    memcmp(s, "HTTP/1.", 7) != 0 || s[9] != '2')
		return 0;
	if ((ch = flow_head_end(c, cn)) == 0 ||
	    (sh = flow_head_end(s, sn)) == 0 ||
	    !flow_is_greeting(s + sh, sn - sh))
		return 0;
	nt = transcript_new(f->t->label);
	transcript_set_peers(nt, f->t->client, f->t->cport, f->t->server,
	    f->t->sport);
	nt->tcp = f->t->tcp;
	transcript_note(nt, TR_S2C, f->last_us, "SMTP inside an HTTP CONNECT "
	    "tunnel (%zu request bytes, %zu reply bytes before it)", ch, sh);
	transcript_data(nt, TR_C2S, f->last_us, -1, c + ch, cn - ch);
	transcript_data(nt, TR_S2C, f->last_us, -1, s + sh, sn - sh);
	transcript_free(f->t);
	f->t = nt;
	/* Later retransmissions cannot be compared across the swap. */
	f->r[TR_C2S].run_seq = f->r[TR_C2S].next;
	f->r[TR_C2S].run_off = nt->stream[TR_C2S].len;
	f->r[TR_S2C].run_seq = f->r[TR_S2C].next;
	f->r[TR_S2C].run_off = nt->stream[TR_S2C].len;
	return 1;
}

/* Decide what the flow is from the first bytes each way; at_end: no
 * more bytes will come. */
static void
flow_classify(struct flow_table *ft, struct flow *f, int at_end)
{
	const uint8_t *c, *s;
	size_t cn, sn;
	int byport = flow_smtp_port(f->sport);
	int cdone, sdone;

	if (f->kind != FLOW_UNKNOWN || f->t == NULL)
		return;
	c = transcript_bytes(f->t, TR_C2S, &cn);
	s = transcript_bytes(f->t, TR_S2C, &sn);
	if (flow_is_greeting(s, sn) || flow_is_hello(c, cn) ||
	    flow_tunnel(f, c, cn, s, sn)) {
		flow_set_kind(ft, f, FLOW_SMTP);
		return;
	}
	if (cn >= 8 && memcmp(c, "CONNECT ", 8) == 0 && !at_end &&
	    sn <= FLOW_SNIFF_MAX && cn <= FLOW_SNIFF_MAX)
		return;		/* maybe a tunnel: wait for the greeting */
	if (flow_is_tls(c, cn) || flow_is_tls(s, sn)) {
		flow_set_kind(ft, f, byport ? FLOW_TLS : FLOW_OTHER);
		return;
	}
	/* A side has said enough to rule its own pattern out. */
	cdone = cn >= 5;
	sdone = sn >= 4;
	if (at_end || (cdone && sdone) || cn > FLOW_SNIFF_MAX ||
	    sn > FLOW_SNIFF_MAX) {
		if (byport && (cn > 0 || sn > 0))
			flow_set_kind(ft, f, FLOW_SMTP);
		else
			flow_set_kind(ft, f, FLOW_OTHER);
	}
}

static void
flow_close(struct flow_table *ft, struct flow *f, enum flow_end why)
{
	int d;

	flow_unlink(ft, f);
	f->end = why;
	for (d = 0; d < 2; d++) {
		reasm_flush(&f->r[d], f->t, (enum tr_dir)d, f->last_us);
		ft->st.retrans += f->r[d].retrans;
		ft->st.ooo += f->r[d].ooo;
		ft->st.gaps += f->r[d].gaps;
		ft->st.gap_bytes += f->r[d].gap_bytes;
		ft->st.overlap_diff += f->r[d].overlap_diff;
	}
	flow_classify(ft, f, 1);
	ft->st.kind[f->kind]++;
	ft->st.evicted[why]++;
	if (ft->cb != NULL)
		ft->cb(f, FLOW_EV_CLOSE, ft->arg);
	else
		flow_free(f);
}

static struct flow *
flow_create(struct flow_table *ft, const struct pcap_pkt *pkt, uint32_t h,
    enum tr_dir *dir)
{
	struct flow *f = xcalloc(1, sizeof(*f));
	int client_is_src;
	char label[32], ca[64], sa[64];

	if ((pkt->flags & (PCAP_TCP_SYN | PCAP_TCP_ACK)) == PCAP_TCP_SYN)
		client_is_src = 1, f->handshake = 1;
	else if (pkt->flags & PCAP_TCP_SYN)
		client_is_src = 0, f->handshake = 1;
	else if (flow_smtp_port(pkt->dport) || flow_tls_port(pkt->dport))
		client_is_src = 1;
	else if (flow_smtp_port(pkt->sport) || flow_tls_port(pkt->sport))
		client_is_src = 0;
	else
		client_is_src = pkt->sport >= pkt->dport;
	f->id = ++ft->next_id;
	f->af = pkt->af;
	f->hash = h;
	memcpy(f->caddr, client_is_src ? pkt->src : pkt->dst, 16);
	memcpy(f->saddr, client_is_src ? pkt->dst : pkt->src, 16);
	f->cport = client_is_src ? pkt->sport : pkt->dport;
	f->sport = client_is_src ? pkt->dport : pkt->sport;
	f->first_us = pkt->ts_us;
	reasm_init(&f->r[0]);
	reasm_init(&f->r[1]);
	*dir = client_is_src ? TR_C2S : TR_S2C;
	snprintf(label, sizeof(label), "session %llu",
	    (unsigned long long)f->id);
	f->t = transcript_new(label);
	pcap_in_addr_str(f->af, f->caddr, ca, sizeof(ca));
	pcap_in_addr_str(f->af, f->saddr, sa, sizeof(sa));
	transcript_set_peers(f->t, ca, f->cport, sa, f->sport);
	if (!f->handshake)
		transcript_note(f->t, *dir, pkt->ts_us,
		    "capture starts mid-stream (no SYN seen)");
	f->hnext = ft->bucket[h & (ft->nbucket - 1)];
	ft->bucket[h & (ft->nbucket - 1)] = f;
	flow_list_append(ft, f);
	ft->active++;
	if (ft->active > ft->nbucket)
		flow_grow(ft);
	ft->st.flows++;
	if (ft->active > ft->st.active_max)
		ft->st.active_max = ft->active;
	if (ft->cb != NULL)
		ft->cb(f, FLOW_EV_NEW, ft->arg);
	if (flow_tls_port(f->sport))
		flow_set_kind(ft, f, FLOW_TLS);
	return f;
}

/* SYN options (RFC 9293 3.2, RFC 7323 2.2 and 3.2, RFC 2018 2). */
static void
flow_syn_facts(struct tr_tcp *tcp, enum tr_dir d, const struct pcap_pkt *pkt)
{
	struct cursor c;
	uint8_t kind, len;
	uint16_t mss;

	tcp->have_syn[d] = 1;
	tcp->isn[d] = pkt->seq;
	tcp->window[d] = pkt->window;
	if (pkt->optlen > 0)
		memcpy(tcp->opts[d], pkt->opts, pkt->optlen);
	tcp->optlen[d] = pkt->optlen;
	cursor_init(&c, pkt->opts, pkt->optlen);
	while (cursor_u8(&c, &kind) == 0 && kind != 0) {
		if (kind == 1)
			continue;
		if (cursor_u8(&c, &len) < 0 || len < 2 ||
		    cursor_left(&c) < (size_t)len - 2)
			break;
		if (kind == 2 && len == 4 && cursor_u16be(&c, &mss) == 0) {
			tcp->mss[d] = mss;
			continue;
		}
		if (kind == 3 && len == 3 &&
		    cursor_u8(&c, &tcp->wscale[d]) == 0) {
			tcp->have_wscale[d] = 1;
			continue;
		}
		if (kind == 4 && len == 2)
			tcp->sack_ok[d] = 1;
		if (kind == 8 && len == 10)
			tcp->have_ts[d] = 1;
		cursor_skip(&c, (size_t)len - 2);
	}
}

static void
flow_segment(struct flow_table *ft, struct flow *f, enum tr_dir d,
    const struct pcap_pkt *pkt)
{
	uint32_t seq = pkt->seq;
	int syn = (pkt->flags & PCAP_TCP_SYN) != 0;

	if (f->t != NULL) {
		if (f->t->tcp.ttl[d] == 0)
			f->t->tcp.ttl[d] = pkt->ttl;
		if (syn && !f->t->tcp.have_syn[d]) {
			flow_syn_facts(&f->t->tcp, d, pkt);
			if (d == TR_C2S)
				transcript_event(f->t, TR_EV_CONNECT, d,
				    pkt->ts_us);
		}
	}
	if (syn) {
		reasm_syn(&f->r[d], seq);
		seq++;
	}
	if (pkt->paylen_wire > 0 || (pkt->flags & PCAP_TCP_FIN))
		reasm_data(&f->r[d], f->t, d, pkt->ts_us, seq, pkt->payload,
		    pkt->paylen, pkt->paylen_wire,
		    (pkt->flags & PCAP_TCP_FIN) != 0);
	if (pkt->flags & PCAP_TCP_ACK)
		reasm_ack(&f->r[!d], f->t, (enum tr_dir)!d, pkt->ts_us,
		    pkt->ack);
	if ((pkt->flags & PCAP_TCP_RST) && f->t != NULL)
		transcript_event(f->t, TR_EV_RST, d, pkt->ts_us);
	f->bytes[d] += pkt->paylen_wire;
	flow_classify(ft, f, 0);
}

void
flow_input(struct flow_table *ft, const struct pcap_pkt *pkt)
{
	struct flow *f;
	enum tr_dir d;
	uint32_t h;

	ft->st.segments++;
	if (pkt->ts_us > ft->now)
		ft->now = pkt->ts_us;
	while (ft->oldest != NULL &&
	    ft->oldest->last_us + ft->idle_us < ft->now)
		flow_close(ft, ft->oldest, FLOW_END_IDLE);
	h = flow_hash(pkt);
	if ((f = flow_lookup(ft, pkt, h, &d)) == NULL) {
		/* Only a SYN or data starts a flow: the last ACK after both
		 * FINs, or a late RST, must not create a ghost session. */
		if (!(pkt->flags & PCAP_TCP_SYN) && pkt->paylen_wire == 0) {
			ft->st.stray++;
			return;
		}
		if (ft->active >= ft->max)
			flow_close(ft, ft->oldest, FLOW_END_CAP);
		f = flow_create(ft, pkt, h, &d);
	}
	f->packets++;
	f->last_us = pkt->ts_us > f->last_us ? pkt->ts_us : f->last_us;
	if (ft->newest != f) {	/* packet trains: already the newest */
		flow_list_unlink(ft, f);
		flow_list_append(ft, f);
	}
	flow_segment(ft, f, d, pkt);
	if (pkt->flags & PCAP_TCP_RST) {
		f->rst = 1;
		flow_close(ft, f, FLOW_END_RST);
	} else if (f->r[0].fin_done && f->r[1].fin_done)
		flow_close(ft, f, FLOW_END_FIN);
}

static int
flow_cmp_id(const void *a, const void *b)
{
	const struct flow *fa = *(const struct flow *const *)a;
	const struct flow *fb = *(const struct flow *const *)b;

	return fa->id < fb->id ? -1 : fa->id > fb->id;
}

void
flow_table_flush(struct flow_table *ft)
{
	struct flow **all, *f;
	size_t i, n = 0;

	all = xreallocarray(NULL, ft->active ? ft->active : 1, sizeof(*all));
	for (f = ft->oldest; f != NULL; f = f->lnext)
		all[n++] = f;
	qsort(all, n, sizeof(*all), flow_cmp_id);
	for (i = 0; i < n; i++)
		flow_close(ft, all[i], FLOW_END_EOF);
	free(all);
}
