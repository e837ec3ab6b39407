/* test_emu_replay.c - unit tests for the offline replay (pcap and pcapng). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <pcap/pcap.h>

#include "buf.h"
#include "capgen.h"
#include "emu_profile.h"
#include "emu_replay.h"
#include "mg_limits.h"
#include "pcap_in.h"

#define C 0
#define S 1
#define SYN 0x02
#define ACK 0x10
#define PSH 0x08
#define PKT_MAX 2048

/* One packet of a scripted TCP session (Ethernet, IPv4, TCP). */
struct tpkt {
	int		 dir;
	uint8_t		 flags;
	uint32_t	 seq, ack;	/* relative to each side's ISN */
	const char	*payload;
};

static const uint32_t isn[2] = { 1000000, 7000000 };

static const struct tpkt asa_session[] = {
	{ C, SYN, 0, 0, NULL },
	{ S, SYN | ACK, 0, 1, NULL },
	{ C, ACK, 1, 1, NULL },
	{ S, PSH | ACK, 1, 1, "220 mx.example.com ESMTP ready\r\n" },
	{ C, PSH | ACK, 1, 33, "EHLO a\r\n" },
	{ S, PSH | ACK, 33, 9,
	  "250-mx\r\n250-STARTTLS\r\n250 SIZE 100\r\n" },
	{ C, PSH | ACK, 1, 33, "EHLO a\r\n" },		/* retransmission */
	{ C, PSH | ACK, 9, 69, "QUIT\r\n" },
	{ S, PSH | ACK, 69, 15, "221 bye\r\n" },
	{ 0, 0, 0, 0, NULL }
};

static uint16_t
csum(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

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

/* TCP checksum over pseudo-header + segment: 0xffff when valid. */
static uint16_t
tcp_verify(const uint8_t *ip, const uint8_t *tcp, size_t tcplen)
{
	uint8_t ph[12];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = 6;
	put16(ph + 10, (uint16_t)tcplen);
	return csum(tcp, tcplen, csum(ph, 12, 0));
}

/* Build one frame; returns its length. */
static size_t
build(const struct tpkt *t, uint8_t *f)
{
	static const uint8_t addr[2][4] = { { 192, 0, 2, 1 },
	    { 10, 0, 0, 2 } };
	size_t plen = t->payload ? strlen(t->payload) : 0;
	uint8_t *ip = f + 14, *tcp = ip + 20;

	memset(f, 0, 54);
	f[5] = 1 + (uint8_t)t->dir;
	f[11] = 2 - (uint8_t)t->dir;
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(40 + plen));
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, addr[t->dir], 4);
	memcpy(ip + 16, addr[!t->dir], 4);
	put16(ip + 10, (uint16_t)~csum(ip, 20, 0));
	put16(tcp, t->dir == C ? 40000 : 25);
	put16(tcp + 2, t->dir == C ? 25 : 40000);
	put32(tcp + 4, isn[t->dir] + t->seq);
	put32(tcp + 8, (t->flags & ACK) ? isn[!t->dir] + t->ack : 0);
	tcp[12] = 5 << 4;
	tcp[13] = t->flags;
	put16(tcp + 14, 65535);
	if (plen)
		memcpy(tcp + 20, t->payload, plen);
	put16(tcp + 16, (uint16_t)~tcp_verify(ip, tcp, 20 + plen));
	return 54 + plen;
}

static void
write_pcap(const char *path, const struct tpkt *t)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = pcap_dump_open(dead, path);
	struct pcap_pkthdr h;
	uint8_t f[PKT_MAX];
	int i;

	assert_non_null(d);
	for (i = 0; t->payload != NULL || t->flags != 0; t++, i++) {
		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = 1700000000 + i;
		h.caplen = h.len = (bpf_u_int32)build(t, f);
		pcap_dump((u_char *)d, &h, f);
	}
	pcap_dump_close(d);
	pcap_close(dead);
}

static void
le32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 24) };

	buf_append(b, x, 4);
}

/* The same session as pcapng: SHB, IDB, one EPB per packet. */
static void
write_pcapng(const char *path, const struct tpkt *t)
{
	static const uint8_t zero[4];
	struct buf b;
	uint8_t f[PKT_MAX];
	size_t n, pad;
	FILE *fp;
	int i;

	buf_init(&b, 0);
	le32(&b, 0x0a0d0d0a); le32(&b, 28); le32(&b, 0x1a2b3c4d);
	le32(&b, 1); le32(&b, 0xffffffff); le32(&b, 0xffffffff);
	le32(&b, 28);
	le32(&b, 1); le32(&b, 20); le32(&b, 1); le32(&b, 0); le32(&b, 20);
	for (i = 0; t->payload != NULL || t->flags != 0; t++, i++) {
		n = build(t, f);
		pad = (4 - n % 4) % 4;
		le32(&b, 6);
		le32(&b, (uint32_t)(32 + n + pad));
		le32(&b, 0);
		le32(&b, 0);
		le32(&b, (uint32_t)(1700000000u + (uint32_t)i) * 1000000u);
		le32(&b, (uint32_t)n);
		le32(&b, (uint32_t)n);
		buf_append(&b, f, n);
		buf_append(&b, zero, pad);
		le32(&b, (uint32_t)(32 + n + pad));
	}
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(b.data, 1, b.len, fp), b.len);
	fclose(fp);
	buf_free(&b);
}

/* What the replay wrote, per packet. */
struct rec {
	int		dir;
	uint32_t	seq, ack, len;
	uint8_t		flags;
	char		payload[256];
	int		csum_ok;
	int		ip_ok;		/* IPv4 header checksum and length */
};

static size_t
read_back(const char *path, struct rec *out, size_t max)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, err);
	struct pcap_pkthdr *h;
	const u_char *d;
	struct pcap_pkt k;
	size_t n = 0;

	assert_non_null(pc);
	while (pcap_next_ex(pc, &h, &d) == 1 && n < max) {
		memset(&k, 0, sizeof(k));
		assert_int_equal(pcap_in_decode(pcap_datalink(pc), d,
		    h->caplen, &k), 0);
		out[n].dir = k.sport == 25;
		out[n].seq = k.seq;
		out[n].ack = k.ack;
		out[n].flags = k.flags;
		out[n].len = h->len;
		memset(out[n].payload, 0, sizeof(out[n].payload));
		if (k.paylen)
			memcpy(out[n].payload, k.payload, k.paylen);
		out[n].csum_ok = tcp_verify(d + 14, k.opts - 20,
		    20 + k.optlen + k.paylen) == 0xffff;
		out[n].ip_ok = csum(d + 14, 20, 0) == 0xffff &&
		    (size_t)(d[16] << 8 | d[17]) == h->caplen - 14;
		n++;
	}
	pcap_close(pc);
	return n;
}

static void
check_asa(const char *in, int randomize)
{
	char out[] = "/tmp/test_emu_replay_outXXXXXX", err[MG_ERRBUF_SIZE];
	struct emu_replay_stats st;
	struct rec r[16];
	uint32_t off[2];
	size_t n, i;
	int fd = mkstemp(out);

	assert_true(fd >= 0);
	close(fd);
	if (emu_replay_run_log(emu_profile_builtin("asa"), in, out, randomize,
	    42, NULL, &st, err) != 0)
		fail_msg("replay: %s", err);
	n = read_back(out, r, 16);
	assert_int_equal(n, 9);
	assert_true(st.records == 9 && st.written == 9 && st.flows == 1);
	assert_true(st.retransmissions == 1);
	assert_string_equal(r[3].payload,
	    "220 **************************\r\n");
	assert_string_equal(r[5].payload,
	    "250-mx\r\n250-XXXXXXXA\r\n250 SIZE 100\r\n");
	assert_string_equal(r[4].payload, "EHLO a\r\n");
	assert_string_equal(r[6].payload, r[4].payload);
	off[C] = r[0].seq - isn[C];
	off[S] = r[1].seq - isn[S];
	for (i = 0; i < n; i++) {
		const struct tpkt *t = &asa_session[i];

		assert_true(r[i].csum_ok);
		assert_int_equal(r[i].len, 54 + (t->payload ?
		    strlen(t->payload) : 0));
		assert_int_equal(r[i].seq, isn[t->dir] + t->seq + off[t->dir]);
		if (t->flags & ACK)
			assert_int_equal(r[i].ack,
			    isn[!t->dir] + t->ack + off[!t->dir]);
	}
	if (randomize)
		assert_true(off[C] != 0 && off[S] != 0 && off[C] != off[S]);
	else
		assert_true(off[C] == 0 && off[S] == 0);
	unlink(out);
}

static void
test_replay_pcap(void **state)
{
	char in[] = "/tmp/test_emu_replay_inXXXXXX";
	int fd = mkstemp(in);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_pcap(in, asa_session);
	check_asa(in, 0);
	check_asa(in, 1);
	unlink(in);
}

static void
test_replay_pcapng(void **state)
{
	char in[] = "/tmp/test_emu_replay_ngXXXXXX";
	int fd = mkstemp(in);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_pcapng(in, asa_session);
	check_asa(in, 1);
	unlink(in);
}

/* pix-4.1 answers EHLO itself: that segment is left out, later sequence
 * and acknowledgement numbers shift to match. */
static const struct tpkt pix41_session[] = {
	{ C, SYN, 0, 0, NULL },
	{ S, SYN | ACK, 0, 1, NULL },
	{ S, PSH | ACK, 1, 1, "220 mx\r\n" },
	{ C, PSH | ACK, 1, 9, "EHLO a\r\n" },
	{ S, PSH | ACK, 9, 9, "250-mx\r\n250 SIZE\r\n" },	/* to EHLO */
	{ C, PSH | ACK, 9, 27, "HELO a\r\n" },
	{ S, PSH | ACK, 27, 17, "250 mx\r\n" },
	{ 0, 0, 0, 0, NULL }
};

static void
test_replay_suppress(void **state)
{
	char in[] = "/tmp/test_emu_replay_pixXXXXXX";
	char out[] = "/tmp/test_emu_replay_poXXXXXX", err[MG_ERRBUF_SIZE];
	struct emu_replay_stats st;
	struct rec r[8];
	int fd;

	(void)state;
	fd = mkstemp(in);
	close(fd);
	fd = mkstemp(out);
	close(fd);
	write_pcap(in, pix41_session);
	assert_int_equal(emu_replay_run_log(emu_profile_builtin("pix-4.1"),
	    in, out, 0, 0, NULL, &st, err), 0);
	/* EHLO and the server's reply to it go, the box's answer comes */
	assert_int_equal(read_back(out, r, 8), 6);
	assert_true(st.suppressed == 2 && st.injected == 1 && st.injects == 0);
	assert_int_equal(r[3].dir, S);
	assert_string_equal(r[3].payload, "250 OK\r\n");
	assert_int_equal(r[3].seq, isn[S] + 9);
	assert_int_equal(r[3].ack, isn[C] + 1);
	assert_string_equal(r[4].payload, "HELO a\r\n");
	assert_int_equal(r[4].seq, isn[C] + 1);		/* shifted back 8 */
	assert_int_equal(r[4].ack, isn[S] + 17);	/* 8 + 8 seen */
	assert_int_equal(r[5].seq, isn[S] + 17);	/* 18 out, 8 in */
	assert_int_equal(r[5].ack, isn[C] + 9);
	assert_true(r[3].csum_ok && r[4].csum_ok && r[5].csum_ok);
	unlink(in);
	unlink(out);
}

/* IPv6 on a raw-IP link: pseudo-header of RFC 8200 8.1. */
static size_t
build6(const struct tpkt *t, uint8_t *f)
{
	size_t plen = t->payload ? strlen(t->payload) : 0, i;
	uint8_t *tcp = f + 40, ph[40];
	uint32_t sum;

	memset(f, 0, 60);
	f[0] = 0x60;
	put16(f + 4, (uint16_t)(20 + plen));
	f[6] = 6;
	f[7] = 64;
	f[8] = f[24] = 0x20;
	f[9] = f[25] = 0x01;
	f[10] = f[26] = 0x0d;
	f[11] = f[27] = 0xb8;
	f[23] = 1 + (uint8_t)t->dir;
	f[39] = 2 - (uint8_t)t->dir;
	put16(tcp, t->dir == C ? 40000 : 25);
	put16(tcp + 2, t->dir == C ? 25 : 40000);
	put32(tcp + 4, isn[t->dir] + t->seq);
	put32(tcp + 8, (t->flags & ACK) ? isn[!t->dir] + t->ack : 0);
	tcp[12] = 5 << 4;
	tcp[13] = t->flags;
	put16(tcp + 14, 65535);
	if (plen)
		memcpy(tcp + 20, t->payload, plen);
	memset(ph, 0, sizeof(ph));
	memcpy(ph, f + 8, 32);
	put32(ph + 32, (uint32_t)(20 + plen));
	ph[39] = 6;
	for (sum = 0, i = 0; i < 40; i += 2)
		sum += (uint32_t)ph[i] << 8 | ph[i + 1];
	put16(tcp + 16, (uint16_t)~csum(tcp, 20 + plen, sum));
	return 60 + plen;
}

static int
verify6(const uint8_t *f, size_t n)
{
	uint8_t ph[40];
	uint32_t sum = 0;
	size_t i;

	memset(ph, 0, sizeof(ph));
	memcpy(ph, f + 8, 32);
	put32(ph + 32, (uint32_t)(n - 40));
	ph[39] = 6;
	for (i = 0; i < 40; i += 2)
		sum += (uint32_t)ph[i] << 8 | ph[i + 1];
	return csum(f + 40, n - 40, sum) == 0xffff;
}

/* A refused command pipelined with an allowed one: only its bytes go. */
static const struct tpkt pix41_pipelined[] = {
	{ C, SYN, 0, 0, NULL },
	{ S, SYN | ACK, 0, 1, NULL },
	{ S, PSH | ACK, 1, 1, "220 mx\r\n" },
	{ C, PSH | ACK, 1, 9, "EHLO a\r\nHELO a\r\n" },
	{ S, PSH | ACK, 9, 17, "250-mx\r\n250 SIZE\r\n" },	/* EHLO */
	{ S, PSH | ACK, 27, 17, "250 mx\r\n" },		/* HELO */
	{ C, PSH | ACK, 17, 35, "QUIT\r\n" },
	{ 0, 0, 0, 0, NULL }
};

static void
test_replay_partial_cut(void **state)
{
	char in[] = "/tmp/test_emu_replay_pcXXXXXX";
	char out[] = "/tmp/test_emu_replay_pdXXXXXX", err[MG_ERRBUF_SIZE];
	struct emu_replay_stats st;
	struct rec r[8];
	size_t i, n;
	int fd;

	(void)state;
	fd = mkstemp(in);
	close(fd);
	fd = mkstemp(out);
	close(fd);
	write_pcap(in, pix41_pipelined);
	assert_int_equal(emu_replay_run_log(emu_profile_builtin("pix-4.1"),
	    in, out, 0, 0, NULL, &st, err), 0);
	n = read_back(out, r, 8);
	assert_int_equal(n, 7);
	assert_true(st.partial_cuts == 0 && st.injected == 1);
	assert_string_equal(r[3].payload, "HELO a\r\n");
	assert_int_equal(r[3].len, 54 + 8);
	assert_int_equal(r[3].seq, isn[C] + 1);
	assert_string_equal(r[4].payload, "250 OK\r\n");
	assert_int_equal(r[4].ack, isn[C] + 9);
	assert_string_equal(r[5].payload, "250 mx\r\n");	/* to HELO */
	assert_int_equal(r[5].seq, isn[S] + 17);
	assert_int_equal(r[5].ack, isn[C] + 9);
	assert_int_equal(r[6].seq, isn[C] + 9);
	assert_int_equal(r[6].ack, isn[S] + 25);
	for (i = 0; i < n; i++)
		assert_true(r[i].csum_ok && r[i].ip_ok);
	unlink(in);
	unlink(out);
}

static void
test_replay_ipv6(void **state)
{
	char in[] = "/tmp/test_emu_replay_v6XXXXXX";
	char out[] = "/tmp/test_emu_replay_o6XXXXXX", err[MG_ERRBUF_SIZE];
	char perr[PCAP_ERRBUF_SIZE];
	const struct tpkt *t;
	struct pcap_pkthdr h, *hp;
	const u_char *d;
	uint8_t f[PKT_MAX];
	pcap_t *dead, *pc;
	pcap_dumper_t *pd;
	int fd, n = 0, greeting = 0;

	(void)state;
	fd = mkstemp(in);
	close(fd);
	fd = mkstemp(out);
	close(fd);
	dead = pcap_open_dead(DLT_RAW, 65535);
	pd = pcap_dump_open(dead, in);
	assert_non_null(pd);
	for (t = asa_session; t->payload != NULL || t->flags != 0; t++) {
		memset(&h, 0, sizeof(h));
		h.caplen = h.len = (bpf_u_int32)build6(t, f);
		assert_true(verify6(f, h.caplen));
		pcap_dump((u_char *)pd, &h, f);
	}
	pcap_dump_close(pd);
	pcap_close(dead);
	assert_int_equal(emu_replay_run(emu_profile_builtin("asa"), in, out,
	    1, 9, err), 0);
	pc = pcap_open_offline(out, perr);
	assert_non_null(pc);
	while (pcap_next_ex(pc, &hp, &d) == 1) {
		assert_true(verify6(d, hp->caplen));
		if (hp->caplen > 64 && memcmp(d + 60, "220 ****", 8) == 0)
			greeting = 1;
		n++;
	}
	pcap_close(pc);
	assert_int_equal(n, 9);
	assert_true(greeting);
	unlink(in);
	unlink(out);
}

static void
test_replay_errors(void **state)
{
	char err[MG_ERRBUF_SIZE];

	(void)state;
	assert_int_equal(emu_replay_run(emu_profile_builtin("asa"),
	    "/nonexistent/in.pcap", "/tmp/x.pcap", 0, 0, err), -1);
	assert_non_null(strstr(err, "/nonexistent/in.pcap"));
}

/* A public capture, when present: lengths and record count unchanged. */
static void
test_replay_public(void **state)
{
	const char *in = "/work/shared/captures-public/zeek__smtp.pcap";
	char out[] = "/tmp/test_emu_replay_zkXXXXXX", err[MG_ERRBUF_SIZE];
	struct emu_replay_stats st;
	int fd;

	(void)state;
	if (access(in, R_OK) != 0) {
		skip();
		return;
	}
	fd = mkstemp(out);
	close(fd);
	if (emu_replay_run_log(emu_profile_builtin("asa"), in, out, 1, 7,
	    NULL, &st, err) != 0)
		fail_msg("%s", err);
	assert_true(st.records > 0 && st.written == st.records);
	assert_true(st.segments > 0 && st.bytes_changed > 0);
	unlink(out);
}

/* Flows are forgotten when their time is up, so a capture with more
 * connections than MG_FLOWS_MAX is rewritten whole: a closed flow after
 * lingering 60 s, an open one after MG_FLOW_IDLE_SEC of silence
 * (counted as evicted, and its later packets start a new flow), a closed
 * one at once when a SYN reuses its ports. */
static void
test_replay_lifecycle(void **state)
{
	static const char greet[] = "220 mx.example.com ESMTP\r\n";
	char in[] = "/tmp/test_emu_replay_lcXXXXXX";
	char out[] = "/tmp/test_emu_replay_loXXXXXX", err[MG_ERRBUF_SIZE];
	struct capgen g;
	struct capgen_conn a, b, c, d, e;
	struct emu_replay_stats st;
	int fd;

	(void)state;
	assert_true((fd = mkstemp(in)) >= 0);
	close(fd);
	assert_true((fd = mkstemp(out)) >= 0);
	close(fd);
	capgen_init(&g, CAPGEN_LT_RAW, 0, 0);
	capgen_conn_init(&a, &g, "10.0.0.1", 1001, "192.0.2.25", 25, 1, 1, 0);
	capgen_conn_handshake(&a);		/* open, then silent */
	capgen_conn_send(&a, 1, greet, strlen(greet), 0);
	capgen_conn_init(&b, &g, "10.0.0.2", 1002, "192.0.2.25", 25, 1, 1,
	    1000000);
	capgen_conn_handshake(&b);		/* closed at about 1 s */
	capgen_conn_send(&b, 1, greet, strlen(greet), 0);
	capgen_conn_fin(&b, 0);
	capgen_conn_fin(&b, 1);
	capgen_conn_init(&c, &g, "10.0.0.3", 1003, "192.0.2.25", 25, 1, 1,
	    400000000ULL);			/* 400 s: a idle, b lingered */
	capgen_conn_handshake(&c);
	capgen_conn_send(&c, 1, greet, strlen(greet), 0);
	capgen_conn_fin(&c, 0);
	capgen_conn_fin(&c, 1);
	a.ts_us = 401000000ULL;
	capgen_conn_send(&a, 0, "QUIT\r\n", 6, 0);	/* a new flow */
	capgen_conn_init(&d, &g, "10.0.0.2", 1002, "192.0.2.25", 25, 5, 5,
	    402000000ULL);			/* b's ports, b forgotten */
	capgen_conn_handshake(&d);
	capgen_conn_send(&d, 1, greet, strlen(greet), 0);
	capgen_conn_init(&e, &g, "10.0.0.3", 1003, "192.0.2.25", 25, 9, 9,
	    403000000ULL);			/* c's ports, c closed 3 s ago */
	capgen_conn_handshake(&e);
	capgen_conn_send(&e, 1, greet, strlen(greet), 0);
	assert_int_equal(capgen_write(&g, in), 0);
	capgen_free(&g);
	if (emu_replay_run_log(emu_profile_builtin("asa"), in, out, 0, 1,
	    NULL, &st, err) != 0)
		fail_msg("replay: %s", err);
	assert_int_equal(st.flows, 6);		/* a b c a' d e */
	assert_int_equal(st.evicted, 1);	/* a, idle */
	assert_int_equal(st.retired, 2);	/* b lingered, c reused */
	/* every greeting (a, b, c, d, e) masked: 5 x 22 bytes */
	assert_int_equal(st.bytes_changed, 5 * (strlen(greet) - 6));
	unlink(in);
	unlink(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_pcap),
		cmocka_unit_test(test_replay_pcapng),
		cmocka_unit_test(test_replay_suppress),
		cmocka_unit_test(test_replay_ipv6),
		cmocka_unit_test(test_replay_partial_cut),
		cmocka_unit_test(test_replay_errors),
		cmocka_unit_test(test_replay_public),
		cmocka_unit_test(test_replay_lifecycle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
