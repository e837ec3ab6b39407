/* test_pcap_in.c - unit tests for capture reading and header decoding. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <cmocka.h>

#include "capgen.h"
#include "mg_limits.h"
#include "pcap_in.h"

static const char payload[] = "220 mx.example.org ESMTP\r\n";

static void
fill_pkt(struct capgen_pkt *p, int v6)
{
	static const uint8_t opts[4] = { 2, 4, 0x05, 0xb4 };
	int dummy;

	memset(p, 0, sizeof(*p));
	capgen_addr(v6 ? "2001:db8::25" : "192.0.2.25", p->src, &dummy);
	capgen_addr(v6 ? "2001:db8::1" : "198.51.100.7", p->dst, &dummy);
	p->v6 = v6;
	p->sport = 25;
	p->dport = 40001;
	p->seq = 0xfffffff0u;
	p->ack = 1234;
	p->flags = PCAP_TCP_ACK | PCAP_TCP_PSH;
	p->window = 512;
	p->ttl = 57;
	p->opts = opts;
	p->optlen = sizeof(opts);
	p->data = (const uint8_t *)payload;
	p->len = sizeof(payload) - 1;
}

static const struct link_case {
	const char	*name;
	int		 linktype, pcapng, vlans, v6, v6ext, null_le;
} link_cases[] = {
	{ "ether v4", CAPGEN_LT_EN10MB, 0, 0, 0, 0, 0 },
	{ "ether v6", CAPGEN_LT_EN10MB, 0, 0, 1, 0, 0 },
	{ "ether vlan", CAPGEN_LT_EN10MB, 0, 1, 0, 0, 0 },
	{ "ether qinq v6", CAPGEN_LT_EN10MB, 0, 2, 1, 0, 0 },
	{ "ether v6 ext", CAPGEN_LT_EN10MB, 0, 0, 1, 1, 0 },
	{ "pcapng ether", CAPGEN_LT_EN10MB, 1, 0, 0, 0, 0 },
	{ "pcapng vlan v6 ext", CAPGEN_LT_EN10MB, 1, 1, 1, 1, 0 },
	{ "sll v4", CAPGEN_LT_SLL, 0, 0, 0, 0, 0 },
	{ "sll v6", CAPGEN_LT_SLL, 0, 0, 1, 0, 0 },
	{ "sll2 v4", CAPGEN_LT_SLL2, 0, 0, 0, 0, 0 },
	{ "sll2 v6", CAPGEN_LT_SLL2, 1, 0, 1, 1, 0 },
	{ "raw v4", CAPGEN_LT_RAW, 0, 0, 0, 0, 0 },
	{ "raw v6", CAPGEN_LT_RAW, 0, 0, 1, 0, 0 },
	{ "ipv4", CAPGEN_LT_IPV4, 0, 0, 0, 0, 0 },
	{ "ipv6", CAPGEN_LT_IPV6, 0, 0, 1, 1, 0 },
	{ "null be", CAPGEN_LT_NULL, 0, 0, 0, 0, 0 },
	{ "null le", CAPGEN_LT_NULL, 0, 0, 0, 0, 1 },
	{ "null le v6", CAPGEN_LT_NULL, 0, 0, 1, 0, 1 },
	{ "loop v4", CAPGEN_LT_LOOP, 0, 0, 0, 0, 0 },
	{ "loop v6", CAPGEN_LT_LOOP, 1, 0, 1, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0, 0 }
};

static struct pcap_in *
open_gen(const struct capgen *g, const char *filter, char *errbuf)
{
	FILE *fp = capgen_fopen(g);

	assert_non_null(fp);
	return pcap_in_fopen(fp, "test", filter, errbuf);
}

static void
test_link_types(void **state)
{
	const struct link_case *c;
	char errbuf[MG_ERRBUF_SIZE];

	(void)state;
	for (c = link_cases; c->name != NULL; c++) {
		struct capgen g;
		struct capgen_pkt p;
		struct pcap_in *in;
		struct pcap_pkt k;

		capgen_init(&g, c->linktype, c->pcapng, 0);
		g.vlans = c->vlans;
		g.v6ext = c->v6ext;
		g.null_le = c->null_le;
		fill_pkt(&p, c->v6);
		capgen_pkt(&g, 1700000000123456ULL, &p);
		in = open_gen(&g, NULL, errbuf);
		if (in == NULL)
			fail_msg("%s: %s", c->name, errbuf);
		assert_int_equal(pcap_in_next(in, &k, errbuf), PCAP_IN_TCP);
		assert_int_equal(k.af, c->v6 ? AF_INET6 : AF_INET);
		assert_memory_equal(k.src, p.src, c->v6 ? 16 : 4);
		assert_memory_equal(k.dst, p.dst, c->v6 ? 16 : 4);
		assert_int_equal(k.sport, 25);
		assert_int_equal(k.dport, 40001);
		assert_true(k.seq == 0xfffffff0u);
		assert_true(k.ack == 1234);
		assert_int_equal(k.flags, PCAP_TCP_ACK | PCAP_TCP_PSH);
		assert_int_equal(k.window, 512);
		assert_int_equal(k.ttl, 57);
		assert_int_equal(k.optlen, 4);
		assert_int_equal(k.paylen, sizeof(payload) - 1);
		assert_int_equal(k.paylen_wire, sizeof(payload) - 1);
		assert_memory_equal(k.payload, payload, k.paylen);
		assert_true(k.ts_us == 1700000000123456ULL);
		assert_true(k.recno == 1);
		assert_int_equal(pcap_in_next(in, &k, errbuf), PCAP_IN_EOF);
		pcap_in_free(in);
		capgen_free(&g);
	}
}

/* Every prefix of every frame decodes or is skipped; none reads past. */
static void
test_every_truncation(void **state)
{
	const struct link_case *c;

	(void)state;
	for (c = link_cases; c->name != NULL; c++) {
		struct capgen g;
		struct capgen_pkt p;
		static uint8_t frame[70000];
		size_t n, cut;

		capgen_init(&g, c->linktype, 0, 0);
		g.vlans = c->vlans;
		g.v6ext = c->v6ext;
		g.null_le = c->null_le;
		fill_pkt(&p, c->v6);
		n = capgen_frame(&g, &p, frame, sizeof(frame));
		for (cut = 0; cut <= n; cut++) {
			struct pcap_pkt k;
			uint8_t *copy = malloc(cut ? cut : 1);
			int dlt = c->linktype == CAPGEN_LT_RAW ? 12 :
			    c->linktype == CAPGEN_LT_SLL ? 113 :
			    c->linktype;

			memcpy(copy, frame, cut);
			memset(&k, 0, sizeof(k));
			if (pcap_in_decode(dlt, copy, cut, &k) == 0) {
				assert_true(k.paylen <= cut);
				assert_true(k.paylen <= k.paylen_wire);
				if (k.paylen)
					assert_true(k.payload >= copy &&
					    k.payload + k.paylen <= copy + cut);
			} else
				assert_int_equal(k.skip, PCAP_SKIP_TRUNC);
			free(copy);
		}
		capgen_free(&g);
	}
}

static const struct skip_case {
	const char	*name;
	size_t		 off;	/* byte in a raw IPv4 frame to set */
	uint8_t		 val;
	enum pcap_skip	 want;
} skip_cases[] = {
	{ "ip version 5", 0, 0x55, PCAP_SKIP_BADIP },
	{ "ihl 4", 0, 0x44, PCAP_SKIP_BADIP },
	{ "non-first fragment", 7, 0x08, PCAP_SKIP_FRAG },
	{ "udp", 9, 17, PCAP_SKIP_NOTTCP },
	{ "tcp doff 4", 32, 0x40, PCAP_SKIP_BADTCP },
	{ "tcp doff 15", 32, 0xf0, PCAP_SKIP_BADTCP },
	{ "total length < ihl", 3, 10, PCAP_SKIP_BADIP },
	{ NULL, 0, 0, PCAP_SKIP_NONE }
};

static void
test_skip_reasons(void **state)
{
	const struct skip_case *c;
	struct capgen g;
	struct capgen_pkt p;
	static uint8_t frame[70000];
	struct pcap_pkt k;
	size_t n;

	(void)state;
	capgen_init(&g, CAPGEN_LT_RAW, 0, 0);
	fill_pkt(&p, 0);
	p.optlen = 0;
	p.len = 4;	/* short payload so doff 15 runs past the frame */
	for (c = skip_cases; c->name != NULL; c++) {
		n = capgen_frame(&g, &p, frame, sizeof(frame));
		frame[c->off] = c->val;
		if (c->off == 3)
			frame[2] = 0;
		assert_int_equal(pcap_in_decode(12, frame, n, &k), -1);
		if (k.skip != c->want)
			fail_msg("%s: got %s", c->name,
			    pcap_in_skip_name(k.skip));
	}
	/* Ethernet ARP: not IP. */
	capgen_free(&g);
	capgen_init(&g, CAPGEN_LT_EN10MB, 0, 0);
	n = capgen_frame(&g, &p, frame, sizeof(frame));
	frame[12] = 0x08;
	frame[13] = 0x06;
	assert_int_equal(pcap_in_decode(1, frame, n, &k), -1);
	assert_int_equal(k.skip, PCAP_SKIP_LINK);
	/* Ethernet padding past the IP total length is not payload. */
	p.len = 2;
	n = capgen_frame(&g, &p, frame, sizeof(frame));
	memset(frame + n, 0, 10);
	assert_int_equal(pcap_in_decode(1, frame, n + 10, &k), 0);
	assert_int_equal(k.paylen, 2);
	capgen_free(&g);
}

/* Two good records, then damage made by mangle(); the error must name
 * record 3 and the good records must have been returned. */
static const struct corrupt_case {
	const char	*name;
	int		 pcapng;
	int		 action;	/* see corrupt_apply */
	int		 good;		/* records before the error */
	const char	*want;		/* substring of the error */
} corrupt_cases[] = {
	{ "truncated record data", 0, 1, 2, "record 3" },
	{ "truncated record header", 0, 2, 2, "record 3" },
	{ "absurd caplen", 0, 3, 2, "record 3" },
	{ "pcapng truncated block", 1, 1, 2, "record 3" },
	{ "pcapng absurd block length", 1, 3, 2, "record 3" },
	{ NULL, 0, 0, 0, NULL }
};

static void
corrupt_apply(struct capgen *g, int pcapng, int action)
{
	static const uint8_t junk[6] = { 1, 2, 3, 4, 5, 6 };
	uint8_t hdr[16];

	switch (action) {
	case 1:	/* a third record, cut in its data */
		capgen_record(g, 3, (const uint8_t *)"0123456789abcdef", 16,
		    16);
		g->out.len -= pcapng ? 12 : 5;
		break;
	case 2:	/* a partial record header */
		buf_append(&g->out, junk, sizeof(junk));
		break;
	case 3:	/* a record header claiming ~2 GB */
		memset(hdr, 0, sizeof(hdr));
		if (pcapng) {
			hdr[0] = 6;
			hdr[4] = 0xf0;
			hdr[5] = 0xff;
			hdr[6] = 0xff;
			hdr[7] = 0x7f;
		} else {
			hdr[8] = hdr[12] = 0xff;
			hdr[9] = hdr[13] = 0xff;
			hdr[10] = hdr[14] = 0xff;
			hdr[11] = hdr[15] = 0x7f;
		}
		buf_append(&g->out, hdr, sizeof(hdr));
		buf_append(&g->out, junk, sizeof(junk));
		break;
	}
}

static void
test_corrupt_files(void **state)
{
	const struct corrupt_case *c;
	char errbuf[MG_ERRBUF_SIZE];

	(void)state;
	for (c = corrupt_cases; c->name != NULL; c++) {
		struct capgen g;
		struct capgen_pkt p;
		struct pcap_in *in;
		struct pcap_pkt k;
		int good = 0, rc;

		capgen_init(&g, CAPGEN_LT_EN10MB, c->pcapng, 0);
		fill_pkt(&p, 0);
		capgen_pkt(&g, 1, &p);
		capgen_pkt(&g, 2, &p);
		corrupt_apply(&g, c->pcapng, c->action);
		in = open_gen(&g, NULL, errbuf);
		assert_non_null(in);
		errbuf[0] = '\0';
		while ((rc = pcap_in_next(in, &k, errbuf)) > 0)
			good++;
		if (rc != PCAP_IN_ERROR || strstr(errbuf, c->want) == NULL)
			fail_msg("%s: rc %d good %d err '%s'", c->name, rc,
			    good, errbuf);
		assert_int_equal(good, c->good);
		assert_non_null(strstr(errbuf, "offset"));
		pcap_in_free(in);
		capgen_free(&g);
	}
}

static const struct open_case {
	const char	*name;
	const uint8_t	*bytes;
	size_t		 len;
} open_cases[] = {
	{ "wrong magic", (const uint8_t *)"GIF89a\0\0\0\0\0\0\0\0\0\0\0\0\0"
	    "\0\0\0\0\0", 24 },
	{ "short header", (const uint8_t *)"\xd4\xc3\xb2\xa1\x02\0", 6 },
	{ "text file", (const uint8_t *)"220 this is not a capture\r\n", 27 },
	{ NULL, NULL, 0 }
};

static void
test_bad_open(void **state)
{
	const struct open_case *c;
	char errbuf[MG_ERRBUF_SIZE];
	char path[] = "/tmp/mg_test_pcap_XXXXXX";
	int fd;
	FILE *fp;

	(void)state;
	for (c = open_cases; c->name != NULL; c++) {
		fp = fmemopen((void *)(uintptr_t)c->bytes, c->len, "rb");
		assert_non_null(fp);
		errbuf[0] = '\0';
		assert_null(pcap_in_fopen(fp, "bad", NULL, errbuf));
		assert_true(strstr(errbuf, "offset 0") != NULL);
	}
	/* Zero-length file and a missing file, by path. */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_null(pcap_in_open(path, NULL, errbuf));
	assert_non_null(strstr(errbuf, "offset 0"));
	unlink(path);
	assert_null(pcap_in_open("/nonexistent/x.pcap", NULL, errbuf));
}

/* caplen larger than the file's snaplen: libpcap keeps reading (it cuts
 * the record to the snaplen); we must decode what is there and go on. */
static void
test_caplen_over_snaplen(void **state)
{
	char errbuf[MG_ERRBUF_SIZE];
	struct capgen g;
	struct capgen_pkt p;
	struct pcap_in *in;
	struct pcap_pkt k;
	int n = 0, rc;

	(void)state;
	capgen_init(&g, CAPGEN_LT_EN10MB, 0, 0);
	g.out.data[16] = 64;	/* snaplen 64 in the file header */
	g.out.data[17] = g.out.data[18] = g.out.data[19] = 0;
	fill_pkt(&p, 0);
	capgen_pkt(&g, 1, &p);	/* 112-byte record > snaplen */
	capgen_pkt(&g, 2, &p);
	in = open_gen(&g, NULL, errbuf);
	assert_non_null(in);
	while ((rc = pcap_in_next(in, &k, errbuf)) > 0) {
		n++;
		assert_true(k.caplen <= 112);
		assert_true(k.paylen <= k.paylen_wire);
	}
	assert_int_equal(rc, PCAP_IN_EOF);
	assert_int_equal(n, 2);
	pcap_in_free(in);
	capgen_free(&g);
}

static void
test_filter_and_counts(void **state)
{
	char errbuf[MG_ERRBUF_SIZE];
	struct capgen g;
	struct capgen_pkt p;
	struct pcap_in *in;
	struct pcap_pkt k;
	int n = 0;

	(void)state;
	capgen_init(&g, CAPGEN_LT_EN10MB, 0, 0);
	fill_pkt(&p, 0);
	capgen_pkt(&g, 1, &p);
	p.sport = 80;
	capgen_pkt(&g, 2, &p);
	p.sport = 25;
	capgen_pkt(&g, 3, &p);
	in = open_gen(&g, "tcp port 25", errbuf);
	assert_non_null(in);
	while (pcap_in_next(in, &k, errbuf) == PCAP_IN_TCP) {
		assert_int_equal(k.sport, 25);
		n++;
	}
	assert_int_equal(n, 2);
	/* record numbers count every record, filtered or not */
	assert_true(k.recno == 3 || pcap_in_records(in) == 3);
	pcap_in_free(in);
	assert_null(open_gen(&g, "port banana", errbuf));
	assert_non_null(strstr(errbuf, "filter"));
	capgen_free(&g);
}

/* pcap_in_addr_str writes IPv4 itself: the same text as inet_ntop for
 * every first/last octet pattern and a spread of others, and IPv6 through
 * inet_ntop. */
static void
test_addr_str(void **state)
{
	static const uint8_t octet[] = { 0, 1, 9, 10, 11, 99, 100, 101, 199,
	    200, 249, 250, 255 };
	const size_t n = sizeof(octet);
	uint8_t a[16] = { 0 };
	char got[64], want[64];
	size_t i, j, k;

	(void)state;
	for (i = 0; i < n * n * n; i++) {
		a[0] = octet[i % n];
		a[1] = octet[i / n % n];
		a[2] = octet[i / n / n % n];
		a[3] = octet[(i * 7) % n];
		pcap_in_addr_str(AF_INET, a, got, sizeof(got));
		assert_non_null(inet_ntop(AF_INET, a, want, sizeof(want)));
		assert_string_equal(got, want);
	}
	for (k = 0; k < 16; k++)
		a[k] = (uint8_t)(k * 17);
	for (j = 0; j < 2; j++, a[2] = a[3] = 0) {
		pcap_in_addr_str(AF_INET6, a, got, sizeof(got));
		assert_non_null(inet_ntop(AF_INET6, a, want, sizeof(want)));
		assert_string_equal(got, want);
	}
	pcap_in_addr_str(AF_INET, a, got, 4);	/* too small: inet_ntop's "?" */
	assert_string_equal(got, "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_types),
		cmocka_unit_test(test_addr_str),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_skip_reasons),
		cmocka_unit_test(test_corrupt_files),
		cmocka_unit_test(test_bad_open),
		cmocka_unit_test(test_caplen_over_snaplen),
		cmocka_unit_test(test_filter_and_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
