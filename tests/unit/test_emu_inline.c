/* test_emu_inline.c - unit tests for the inline (NFQUEUE) packet core. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "emu_inline.h"
#include "pktedit.h"
#include "emu_profile.h"
#include "emu_rewrite.h"

#define F_FIN	0x01
#define F_SYN	0x02
#define F_RST	0x04
#define F_PSH	0x08
#define F_ACK	0x10

/* One side of a test connection. */
struct ep {
	int		af;
	uint8_t		addr[16];
	uint16_t	port;
	uint32_t	seq;	/* next sequence number to send */
};

static const uint8_t cli4[4] = { 198, 18, 1, 2 }, srv4[4] = { 198, 18, 4, 2 };
static const uint8_t cli6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t srv6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Independent checksum check: the one's complement sum over pseudo-
 * header and segment, checksum included, is 0xffff (RFC 1071). */
static int
csum_ok(const uint8_t *pkt, size_t len)
{
	int v6 = (pkt[0] >> 4) == 6;
	size_t ihl = v6 ? 40 : (size_t)(pkt[0] & 15) * 4, n = len - ihl, i;
	size_t alen = v6 ? 16 : 4;
	const uint8_t *src = pkt + (v6 ? 8 : 12), *tcp = pkt + ihl;
	uint32_t sum = 0;

	for (i = 0; i < alen; i += 2)
		sum += (uint32_t)(src[i] << 8 | src[i + 1]) +
		    (uint32_t)(src[alen + i] << 8 | src[alen + i + 1]);
	sum += 6 + (uint32_t)n;
	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(tcp[i] << 8 | tcp[i + 1]);
	if (n & 1)
		sum += (uint32_t)tcp[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* Build an IPv4/IPv6 TCP packet from a to b; returns its length. */
static size_t
pk(uint8_t *out, const struct ep *a, const struct ep *b, uint32_t seq,
    uint32_t ack, uint8_t flags, const uint8_t *opt, size_t optlen,
    const void *pay, size_t paylen)
{
	size_t ihl = a->af == AF_INET ? 20 : 40, thl = 20 + optlen;
	size_t tot = ihl + thl + paylen;
	uint8_t *t = out + ihl;

	memset(out, 0, tot);
	if (a->af == AF_INET) {
		out[0] = 0x45;
		put16(out + 2, (uint16_t)tot);
		out[8] = 64;
		out[9] = 6;
		memcpy(out + 12, a->addr, 4);
		memcpy(out + 16, b->addr, 4);
	} else {
		out[0] = 0x60;
		put16(out + 4, (uint16_t)(thl + paylen));
		out[6] = 6;
		out[7] = 64;
		memcpy(out + 8, a->addr, 16);
		memcpy(out + 24, b->addr, 16);
	}
	put16(t, a->port);
	put16(t + 2, b->port);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = (uint8_t)((thl / 4) << 4);
	t[13] = flags;
	put16(t + 14, 64240);
	if (optlen)
		memcpy(t + 20, opt, optlen);
	if (paylen)
		memcpy(t + thl, pay, paylen);
	pkt_tcp_csum(a->af, a->addr, b->addr, t, thl + paylen);
	return tot;
}

struct fx {
	struct emu_inline	*ei;
	struct ep		 c, s;
	uint64_t		 now;
	uint8_t			 buf[2048];
	size_t			 len;
	int			 changed;
};

static void
fx_init(struct fx *f, const char *profile, int randomize, int af)
{
	struct emu_inline_cfg cfg;

	memset(f, 0, sizeof(*f));
	memset(&cfg, 0, sizeof(cfg));
	cfg.profile = emu_profile_builtin(profile);
	assert_non_null(cfg.profile);
	cfg.randomize_isn = randomize;
	cfg.seed = 7;
	f->ei = emu_inline_new(&cfg);
	f->c.af = f->s.af = af;
	memcpy(f->c.addr, af == AF_INET ? cli4 : cli6, af == AF_INET ? 4 : 16);
	memcpy(f->s.addr, af == AF_INET ? srv4 : srv6, af == AF_INET ? 4 : 16);
	f->c.port = 40000;
	f->s.port = 25;
	f->c.seq = 1000;
	f->s.seq = 0xfffffff0u;		/* wraps during the test */
	f->now = 1000000;
}

static size_t
fx_hl(const struct fx *f)
{
	return f->c.af == AF_INET ? 20 : 40;
}

/* Send a packet from a to b through the core; returns the verdict. */
static int
fx_send(struct fx *f, struct ep *a, struct ep *b, uint32_t seq, uint8_t fl,
    const char *pay, size_t n)
{
	enum emu_inline_verdict v;
	size_t before;

	f->len = pk(f->buf, a, b, seq, b->seq, fl, NULL, 0, pay, n);
	before = f->len;
	v = emu_inline_packet(f->ei, f->buf, f->len, f->now, &f->changed);
	assert_int_equal(f->len, before);
	assert_true(csum_ok(f->buf, f->len));
	return (int)v;
}

static void
fx_handshake(struct fx *f)
{
	assert_int_equal(fx_send(f, &f->c, &f->s, f->c.seq++, F_SYN, NULL, 0),
	    EMU_INLINE_ACCEPT);
	assert_int_equal(fx_send(f, &f->s, &f->c, f->s.seq++, F_SYN | F_ACK,
	    NULL, 0), EMU_INLINE_ACCEPT);
	assert_int_equal(fx_send(f, &f->c, &f->s, f->c.seq, F_ACK, NULL, 0),
	    EMU_INLINE_ACCEPT);
}

static const uint8_t *
fx_tcp(const struct fx *f)
{
	return f->buf + fx_hl(f);
}

/* ISN offsets: seq shifted one way, ack shifted back the other way. */
static void
test_isn(void **state)
{
	struct fx f;
	uint32_t off[2];

	(void)state;
	fx_init(&f, "off", 1, AF_INET);
	fx_send(&f, &f.c, &f.s, 1000, F_SYN, NULL, 0);
	assert_int_equal(emu_inline_offsets(f.ei, AF_INET, cli4, 40000, srv4,
	    25, off), 0);
	assert_true(off[0] != 0 && off[1] != 0 && off[0] != off[1]);
	assert_true(f.changed);
	assert_int_equal(get32(fx_tcp(&f) + 4), 1000 + off[0]);
	/* the server acks the shifted ISN; the client sees its own back */
	f.len = pk(f.buf, &f.s, &f.c, 5000, 1001 + off[0], F_SYN | F_ACK,
	    NULL, 0, NULL, 0);
	emu_inline_packet(f.ei, f.buf, f.len, f.now, &f.changed);
	assert_int_equal(get32(fx_tcp(&f) + 4), 5000 + off[1]);
	assert_int_equal(get32(fx_tcp(&f) + 8), 1001);
	assert_true(csum_ok(f.buf, f.len));
	f.len = pk(f.buf, &f.c, &f.s, 1001, 5001 + off[1], F_ACK, NULL, 0,
	    NULL, 0);
	emu_inline_packet(f.ei, f.buf, f.len, f.now, &f.changed);
	assert_int_equal(get32(fx_tcp(&f) + 4), 1001 + off[0]);
	assert_int_equal(get32(fx_tcp(&f) + 8), 5001);
	/* data on a SYN (RFC 7413) is stream offset 0, not a retransmission */
	f.c.port++;
	f.len = pk(f.buf, &f.c, &f.s, 7000, 0, F_SYN, NULL, 0, "EHLO x\r\n", 8);
	assert_int_equal(emu_inline_packet(f.ei, f.buf, f.len, f.now,
	    &f.changed), EMU_INLINE_ACCEPT);
	assert_memory_equal(f.buf + 40, "EHLO x\r\n", 8);
	assert_int_equal(emu_inline_stats(f.ei)->segments, 1);
	/* without --randomize-isn headers stay as they are */
	emu_inline_free(f.ei);
	fx_init(&f, "off", 0, AF_INET);
	fx_handshake(&f);
	assert_false(f.changed);
	emu_inline_free(f.ei);
}

/* SACK blocks (RFC 2018) are shifted like the ack. */
static void
test_sack(void **state)
{
	static const uint8_t sack[12] = { 1, 1, 5, 10, 0, 0, 0x10, 0,
	    0, 0, 0x20, 0 };
	struct fx f;
	uint32_t off[2];
	const uint8_t *t;

	(void)state;
	fx_init(&f, "off", 1, AF_INET);
	fx_handshake(&f);
	emu_inline_offsets(f.ei, AF_INET, cli4, 40000, srv4, 25, off);
	f.len = pk(f.buf, &f.c, &f.s, f.c.seq, 0x2000 + off[1], F_ACK, sack,
	    sizeof(sack), NULL, 0);
	emu_inline_packet(f.ei, f.buf, f.len, f.now, &f.changed);
	t = fx_tcp(&f);
	assert_int_equal(get32(t + 8), 0x2000);
	assert_int_equal(get32(t + 24), 0x1000 - off[1]);
	assert_int_equal(get32(t + 28), 0x2000 - off[1]);
	assert_true(csum_ok(f.buf, f.len));
	emu_inline_free(f.ei);
}

static const struct seg_case {
	const char	*profile;
	int		 dir;		/* 0 client, 1 server */
	const char	*bytes;
} seg_cases[] = {
	{ "asa", 1, "220 mail.example.com ESMTP Postfix\r\n" },
	{ "asa", 0, "EHLO client.example\r\n" },
	{ "asa", 1, "250-mail\r\n250-STARTTLS\r\n250-CHUNKING\r\n250 OK\r\n" },
	{ "asa", 0, "XEXCH50 1\r\nMAIL FROM:<a@b>\r\n" },
	{ "pix-6.3", 1, "220 mail.example.com ESMTP\r\n" },
	{ "pix-6.3", 0, "HELO x\r\nVRFY root\r\n" },
	{ NULL, 0, NULL }
};

/* Send bytes of direction dir split at `split` (0: whole); collect what
 * the core forwards; compare with the engine fed the same segments. */
static void
seg_run(const struct seg_case *c, size_t split, int af)
{
	struct fx f;
	struct emu_conn *ec;
	struct emu_actions act;
	struct emu_peers peers;
	uint8_t want[256], got[256];
	size_t n = strlen(c->bytes), parts[2], i, at = 0;
	struct ep *a, *b;
	int rc;

	fx_init(&f, c->profile, 1, af);
	fx_handshake(&f);
	a = c->dir ? &f.s : &f.c;
	b = c->dir ? &f.c : &f.s;
	emu_peers_init(&peers);
	ec = emu_conn_new(emu_profile_builtin(c->profile), NULL, &peers);
	emu_actions_init(&act);
	memcpy(want, c->bytes, n);
	parts[0] = split ? split : n;
	parts[1] = n - parts[0];
	for (i = 0; i < 2 && parts[i] > 0; i++) {
		emu_rewrite_segment(ec, (enum emu_dir)c->dir, want + at,
		    parts[i], &act);
		rc = fx_send(&f, a, b, a->seq, F_ACK | F_PSH, c->bytes + at,
		    parts[i]);
		assert_int_equal(rc, EMU_INLINE_ACCEPT);
		memcpy(got + at, f.buf + fx_hl(&f) + 20, parts[i]);
		a->seq += (uint32_t)parts[i];
		at += parts[i];
	}
	assert_memory_equal(got, want, n);
	/* a retransmission of everything comes out identical */
	rc = fx_send(&f, a, b, a->seq - (uint32_t)n, F_ACK | F_PSH, c->bytes,
	    n);
	assert_int_equal(rc, EMU_INLINE_ACCEPT);
	assert_memory_equal(f.buf + fx_hl(&f) + 20, want, n);
	emu_actions_free(&act);
	emu_conn_free(ec);
	emu_inline_free(f.ei);
}

/* Whole, byte-split at every point: the core forwards exactly what the
 * engine emits for the same segments, IPv4 and IPv6. */
static void
test_segments(void **state)
{
	const struct seg_case *c;
	size_t k;

	(void)state;
	for (c = seg_cases; c->profile != NULL; c++)
		for (k = 0; k < strlen(c->bytes); k++) {
			seg_run(c, k, AF_INET);
			seg_run(c, k, AF_INET6);
		}
}

/* Banner masked; overlap retransmission: old part from history, new
 * part fed; a segment ahead of the stream is dropped until in order. */
static void
test_retransmit_reorder(void **state)
{
	static const char g[] = "220 mail.example.com ESMTP\r\n";
	struct fx f;
	uint8_t first[sizeof(g)];
	uint32_t s0;

	(void)state;
	fx_init(&f, "asa", 1, AF_INET);
	fx_handshake(&f);
	s0 = f.s.seq;
	/* bytes 10.. arrive first: dropped (the sender resends in order) */
	assert_int_equal(fx_send(&f, &f.s, &f.c, s0 + 10, F_ACK, g + 10,
	    sizeof(g) - 11), EMU_INLINE_DROP);
	assert_int_equal(fx_send(&f, &f.s, &f.c, s0, F_ACK, g, 14),
	    EMU_INLINE_ACCEPT);
	memcpy(first, f.buf + 40, 14);
	assert_memory_equal(first, "220 **********", 14);
	/* overlap: 0..20, of which 14..20 are new */
	assert_int_equal(fx_send(&f, &f.s, &f.c, s0, F_ACK, g, 20),
	    EMU_INLINE_ACCEPT);
	assert_memory_equal(f.buf + 40, first, 14);
	memcpy(first + 14, f.buf + 40 + 14, 6);
	assert_int_equal(fx_send(&f, &f.s, &f.c, s0 + 20, F_ACK, g + 20,
	    sizeof(g) - 21), EMU_INLINE_ACCEPT);
	assert_int_equal(emu_inline_stats(f.ei)->reordered, 1);
	assert_int_equal(emu_inline_stats(f.ei)->retransmissions, 1);
	assert_true(emu_inline_stats(f.ei)->bytes_changed > 0);
	emu_inline_free(f.ei);
}

/* The box's own answer: from the server to the client, seq and ack as
 * the client expects, "250 OK", valid checksums. */
static void
inject_check(const struct fx *f, uint32_t seq, uint32_t ack)
{
	const uint8_t *p, *t;
	size_t n;

	p = emu_inline_inject(f->ei, &n);
	assert_non_null(p);
	assert_int_equal(n, 20 + 20 + 8);
	assert_int_equal(p[0], 0x45);
	assert_memory_equal(p + 12, srv4, 4);
	assert_memory_equal(p + 16, cli4, 4);
	t = p + 20;
	assert_int_equal(t[0] << 8 | t[1], 25);
	assert_int_equal(t[2] << 8 | t[3], f->c.port);
	assert_int_equal(get32(t + 4), seq);
	assert_int_equal(get32(t + 8), ack);
	assert_int_equal(t[13], F_ACK | F_PSH);
	assert_memory_equal(t + 20, "250 OK\r\n", 8);
	assert_true(csum_ok(p, n));
}

/* pix-4.1 answers a refused command itself: the engine suppresses the
 * segment, the core drops it, sends the box's "250 OK" to the client and
 * shifts later seq/ack so that both ends stay in step (the client's bytes
 * are acknowledged, the server never sees them). */
static void
test_suppress(void **state)
{
	static const char vrfy[] = "VRFY root\r\n", quit[] = "QUIT\r\n";
	struct fx f;
	uint32_t off[2], c0;
	const uint8_t *t;
	size_t n;

	(void)state;
	fx_init(&f, "pix-4.1", 1, AF_INET);
	fx_handshake(&f);
	emu_inline_offsets(f.ei, AF_INET, cli4, 40000, srv4, 25, off);
	c0 = f.c.seq;
	assert_int_equal(fx_send(&f, &f.c, &f.s, c0, F_ACK | F_PSH, vrfy,
	    strlen(vrfy)), EMU_INLINE_DROP);
	assert_int_equal(emu_inline_stats(f.ei)->suppressed, 1);
	inject_check(&f, f.s.seq + off[1], c0 + (uint32_t)strlen(vrfy));
	/* VRFY retransmitted: dropped again, answered again, same bytes */
	assert_int_equal(fx_send(&f, &f.c, &f.s, c0, F_ACK | F_PSH, vrfy,
	    strlen(vrfy)), EMU_INLINE_DROP);
	inject_check(&f, f.s.seq + off[1], c0 + (uint32_t)strlen(vrfy));
	assert_int_equal(emu_inline_stats(f.ei)->injected, 2);
	f.c.seq += (uint32_t)strlen(vrfy);
	f.len = pk(f.buf, &f.c, &f.s, f.c.seq, f.s.seq + off[1] + 8,
	    F_ACK | F_PSH, NULL, 0, quit, strlen(quit));
	assert_int_equal(emu_inline_packet(f.ei, f.buf, f.len, f.now,
	    &f.changed), EMU_INLINE_ACCEPT);
	assert_null(emu_inline_inject(f.ei, &n));
	t = fx_tcp(&f);
	assert_int_equal(get32(t + 4), c0 + off[0]);	/* VRFY left out */
	assert_memory_equal(t + 20, quit, strlen(quit));
	/* the client's ack of the box's "250 OK" is the server's own next */
	assert_int_equal(get32(t + 8), f.s.seq);
	/* the server answers QUIT: in the client's view it comes after the
	 * box's answer; the client sees VRFY acked too */
	f.len = pk(f.buf, &f.s, &f.c, f.s.seq, c0 + off[0] +
	    (uint32_t)strlen(quit), F_ACK | F_PSH, NULL, 0, "221 bye\r\n", 9);
	emu_inline_packet(f.ei, f.buf, f.len, f.now, &f.changed);
	t = fx_tcp(&f);
	assert_int_equal(get32(t + 4), f.s.seq + off[1] + 8);
	assert_int_equal(get32(t + 8), f.c.seq + (uint32_t)strlen(quit));
	assert_true(csum_ok(f.buf, f.len));
	emu_inline_free(f.ei);
}

/* RST and FIN both ways end a flow after the linger; idle flows end;
 * the cap evicts the least recently used. */
static void
test_expiry(void **state)
{
	struct emu_inline_cfg cfg;
	struct fx f;
	int i;

	(void)state;
	fx_init(&f, "off", 1, AF_INET);
	fx_handshake(&f);
	assert_int_equal(emu_inline_nflows(f.ei), 1);
	fx_send(&f, &f.c, &f.s, f.c.seq, F_RST, NULL, 0);
	f.now += (EMU_INLINE_LINGER_SEC + 1) * 1000000ULL;
	fx_send(&f, &f.c, &f.s, 1, F_ACK, NULL, 0);	/* untracked */
	assert_int_equal(emu_inline_nflows(f.ei), 0);
	assert_false(f.changed);
	/* FIN both ways */
	f.c.port++;
	fx_handshake(&f);
	fx_send(&f, &f.c, &f.s, f.c.seq++, F_FIN | F_ACK, NULL, 0);
	fx_send(&f, &f.s, &f.c, f.s.seq++, F_FIN | F_ACK, NULL, 0);
	f.now += 2000000;
	fx_send(&f, &f.c, &f.s, f.c.seq, F_ACK, NULL, 0);
	assert_int_equal(emu_inline_nflows(f.ei), 1);
	f.now += (EMU_INLINE_LINGER_SEC + 1) * 1000000ULL;
	fx_send(&f, &f.c, &f.s, 1, F_ACK, NULL, 0);
	assert_int_equal(emu_inline_nflows(f.ei), 0);
	/* idle */
	f.c.port++;
	fx_handshake(&f);
	f.now += (EMU_INLINE_IDLE_SEC + 1) * 1000000ULL;
	fx_send(&f, &f.c, &f.s, 1, F_ACK, NULL, 0);
	assert_int_equal(emu_inline_nflows(f.ei), 0);
	emu_inline_free(f.ei);
	/* cap */
	memset(&cfg, 0, sizeof(cfg));
	cfg.profile = emu_profile_builtin("off");
	cfg.max_flows = 2;
	fx_init(&f, "off", 0, AF_INET);
	emu_inline_free(f.ei);
	f.ei = emu_inline_new(&cfg);
	for (i = 0; i < 3; i++) {
		f.c.port = (uint16_t)(50000 + i);
		fx_send(&f, &f.c, &f.s, 1, F_SYN, NULL, 0);
	}
	assert_int_equal(emu_inline_nflows(f.ei), 2);
	assert_int_equal(emu_inline_stats(f.ei)->evicted, 1);
	emu_inline_free(f.ei);
	emu_inline_free(NULL);
}

/* Hostile input: truncated and random packets pass unchanged. */
static void
test_hostile(void **state)
{
	struct fx f;
	uint8_t junk[200], copy[200];
	size_t i, n;
	int ch;
	uint32_t x = 1;

	(void)state;
	fx_init(&f, "asa", 1, AF_INET);
	fx_handshake(&f);
	f.len = pk(f.buf, &f.s, &f.c, f.s.seq, 0, F_ACK, NULL, 0, "220 x\r\n",
	    7);
	for (n = 0; n < f.len; n++) {
		memcpy(copy, f.buf, n);
		emu_inline_packet(f.ei, copy, n, f.now, &ch);
		assert_false(ch);
	}
	for (i = 0; i < 2000; i++) {
		for (n = 0; n < sizeof(junk); n++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			junk[n] = (uint8_t)x;
		}
		junk[0] = (uint8_t)(i & 1 ? 0x45 : 0x60);
		junk[9] = 6;
		emu_inline_packet(f.ei, junk, 20 + i % 180, f.now, &ch);
	}
	emu_inline_free(f.ei);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_isn),
		cmocka_unit_test(test_sack),
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_retransmit_reorder),
		cmocka_unit_test(test_suppress),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
