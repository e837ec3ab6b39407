/* test_pktedit.c - unit tests for the packet-editing checksums. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "pktedit.h"

/* RFC 1071 3: the example bytes sum to 0x2ddf0, folded 0xddf2. */
static void
test_rfc1071_example(void **state)
{
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5,
	    0xf6, 0xf7 };

	(void)state;
	assert_int_equal(pkt_sum(0, b, sizeof(b)), 0x2ddf0);
	assert_int_equal(pkt_fold(pkt_sum(0, b, sizeof(b))), 0xddf2);
	/* an odd length pads the last byte with zero */
	assert_int_equal(pkt_sum(0, b, 3), 0x0001 + 0xf200);
}

/* A well-known IPv4 header (192.168.0.1 -> 192.168.0.199, UDP, length
 * 115): its checksum is 0xb861. */
static void
test_ip4(void **state)
{
	uint8_t ip[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00,
	    0x40, 0x11, 0x12, 0x34, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8,
	    0x00, 0xc7 };

	(void)state;
	pkt_ip4_csum(ip, sizeof(ip));
	assert_int_equal(pkt_get16(ip + 10), 0xb861);
	assert_int_equal(pkt_fold(pkt_sum(0, ip, sizeof(ip))), 0xffff);
}

/* "EHLO x\r\n" from 40000 to 25, seq 0x11223344, ack 0x55667788, PSH ACK,
 * window 64240; the expected sums were computed independently (Python's
 * struct over the same pseudo-header and segment). */
static const struct tcp_case {
	int		 af;
	const char	*src, *dst;
	uint16_t	 want;
} tcp_cases[] = {
	{ AF_INET, "\xc0\x00\x02\x01", "\xc6\x33\x64\x19", 0x5bbd },
	{ AF_INET6,
	  "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01",
	  "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x19", 0xec7f },
	{ 0, NULL, NULL, 0 }
};

static size_t
tcp_segment(uint8_t *t)
{
	memset(t, 0, 20);
	pkt_put16(t, 40000);
	pkt_put16(t + 2, 25);
	pkt_put32(t + 4, 0x11223344);
	pkt_put32(t + 8, 0x55667788);
	t[12] = 5 << 4;
	t[13] = 0x18;
	pkt_put16(t + 14, 64240);
	t[16] = 0xde;			/* garbage the function must clear */
	t[17] = 0xad;
	memcpy(t + 20, "EHLO x\r\n", 8);
	return 28;
}

static void
test_tcp(void **state)
{
	const struct tcp_case *c;
	uint8_t t[64];
	size_t n;

	(void)state;
	for (c = tcp_cases; c->src != NULL; c++) {
		n = tcp_segment(t);
		pkt_tcp_csum(c->af, (const uint8_t *)c->src,
		    (const uint8_t *)c->dst, t, n);
		assert_int_equal(pkt_get16(t + 16), c->want);
		assert_int_equal(pkt_get32(t + 4), 0x11223344);
	}
}

/* The incremental update (RFC 1624) equals a full recomputation for
 * every single-byte change and for a change of the sequence number. */
static void
test_update(void **state)
{
	static const uint8_t a4[] = { 192, 0, 2, 1 }, b4[] = { 198, 51, 100,
	    25 };
	uint8_t t[64], old[64], full[64];
	size_t n, i;
	unsigned v;

	(void)state;
	n = tcp_segment(t);
	pkt_tcp_csum(AF_INET, a4, b4, t, n);
	for (i = 0; i < n; i++) {
		if (i == 16 || i == 17)
			continue;
		for (v = 0; v < 256; v += 51) {
			memcpy(old, t, n);
			t[i] = (uint8_t)(t[i] ^ (v | 1));
			memcpy(full, t, n);
			pkt_tcp_csum(AF_INET, a4, b4, full, n);
			pkt_csum_update(t + 16, old, t, n, 16);
			assert_int_equal(pkt_get16(t + 16),
			    pkt_get16(full + 16));
		}
	}
	memcpy(old, t, n);
	pkt_put32(t + 4, 0xfffffff0);
	memcpy(full, t, n);
	pkt_tcp_csum(AF_INET, a4, b4, full, n);
	pkt_csum_update(t + 16, old, t, n, 16);
	assert_int_equal(pkt_get16(t + 16), pkt_get16(full + 16));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1071_example),
		cmocka_unit_test(test_ip4),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_update),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
