/* test_target.c - unit tests for target specs, MX answers and lists. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mg_limits.h"
#include "target.h"

static const struct parse_case {
	const char	*in;
	int		 rc;
	enum target_kind kind;
	const char	*host;
	uint16_t	 port;
	int		 have_port;
} parse_cases[] = {
	{ "mx.example.com", 0, TARGET_NAME, "mx.example.com", 25, 0 },
	{ "mx.example.com.", 0, TARGET_NAME, "mx.example.com", 25, 0 },
	{ "mx.example.com:2525", 0, TARGET_NAME, "mx.example.com", 2525, 1 },
	{ "example.org", 0, TARGET_NAME, "example.org", 25, 0 },
	{ "192.0.2.1", 0, TARGET_IPV4, "192.0.2.1", 25, 0 },
	{ "192.0.2.1:587", 0, TARGET_IPV4, "192.0.2.1", 587, 1 },
	{ "[2001:db8::1]:25", 0, TARGET_IPV6, "2001:db8::1", 25, 1 },
	{ "[2001:db8::1]:2525", 0, TARGET_IPV6, "2001:db8::1", 2525, 1 },
	{ "[::1]", 0, TARGET_IPV6, "::1", 25, 0 },
	{ "2001:db8::25", 0, TARGET_IPV6, "2001:db8::25", 25, 0 },
	{ "::ffff:192.0.2.1", 0, TARGET_IPV6, "::ffff:192.0.2.1", 25, 0 },
	{ "localhost:25", 0, TARGET_NAME, "localhost", 25, 1 },
	{ "host_with_underscore.example", 0, TARGET_NAME,
	  "host_with_underscore.example", 25, 0 },
	/* bad input */
	{ "", -1, 0, NULL, 0, 0 },
	{ ":25", -1, 0, NULL, 0, 0 },
	{ "host:", -1, 0, NULL, 0, 0 },
	{ "host:0", -1, 0, NULL, 0, 0 },
	{ "host:65536", -1, 0, NULL, 0, 0 },
	{ "host:25x", -1, 0, NULL, 0, 0 },
	{ "host:-1", -1, 0, NULL, 0, 0 },
	{ "[2001:db8::1", -1, 0, NULL, 0, 0 },
	{ "[2001:db8::1]25", -1, 0, NULL, 0, 0 },
	{ "[192.0.2.1]:25", -1, 0, NULL, 0, 0 },
	{ "[]:25", -1, 0, NULL, 0, 0 },
	{ "2001:db8::zz", -1, 0, NULL, 0, 0 },
	{ "bad host", -1, 0, NULL, 0, 0 },
	{ "-leading.example", -1, 0, NULL, 0, 0 },
	{ "a..b", -1, 0, NULL, 0, 0 },
	{ ".", -1, 0, NULL, 0, 0 },
	{ "host;rm -rf", -1, 0, NULL, 0, 0 },
	{ "0123456789012345678901234567890123456789012345678901234567890123"
	  ".example", -1, 0, NULL, 0, 0 },	/* label of 64 */
	{ NULL, 0, 0, NULL, 0, 0 }
};

static void
test_parse(void **state)
{
	const struct parse_case *c;
	char err[MG_ERRBUF_SIZE];

	(void)state;
	for (c = parse_cases; c->in != NULL; c++) {
		struct target_spec t;
		int rc;

		err[0] = '\0';
		rc = target_parse(c->in, &t, err);
		if (rc != c->rc)
			fail_msg("\"%s\": rc %d, want %d (%s)", c->in, rc,
			    c->rc, err);
		if (rc == -1) {
			assert_true(err[0] != '\0');
			continue;
		}
		assert_int_equal(t.kind, c->kind);
		assert_string_equal(t.host, c->host);
		assert_int_equal(t.port, c->port);
		assert_int_equal(t.have_port, c->have_port);
	}
}

static void
test_parse_long(void **state)
{
	char big[400], err[MG_ERRBUF_SIZE];
	struct target_spec t;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(target_parse(big, &t, err), -1);
	assert_int_equal(target_parse(NULL, &t, err), -1);
}

/* Build a DNS answer to an MX query (RFC 1035 4.1). */
struct mx_rr {
	uint16_t	 pref;
	const char	*host;	/* dotted; "" for the root (null MX) */
};

static size_t
put_name(uint8_t *p, const char *name)
{
	size_t n = 0;

	while (*name != '\0') {
		const char *dot = strchr(name, '.');
		size_t len = dot ? (size_t)(dot - name) : strlen(name);

		p[n++] = (uint8_t)len;
		memcpy(p + n, name, len);
		n += len;
		name += len;
		if (*name == '.')
			name++;
	}
	p[n++] = 0;
	return n;
}

static size_t
build_answer(uint8_t *p, const struct mx_rr *rr, size_t nrr)
{
	size_t n = 12, i;

	memset(p, 0, 12);
	p[0] = 0x12; p[1] = 0x34; p[2] = 0x81; p[3] = 0x80;
	p[5] = 1;			/* qdcount */
	p[7] = (uint8_t)nrr;		/* ancount */
	n += put_name(p + n, "example.org");
	p[n++] = 0; p[n++] = 15;	/* MX */
	p[n++] = 0; p[n++] = 1;		/* IN */
	for (i = 0; i < nrr; i++) {
		size_t rdlen_at;

		p[n++] = 0xc0; p[n++] = 12;	/* pointer to the qname */
		p[n++] = 0; p[n++] = 15;
		p[n++] = 0; p[n++] = 1;
		p[n++] = 0; p[n++] = 0; p[n++] = 0x0e; p[n++] = 0x10;
		rdlen_at = n;
		n += 2;
		p[n++] = (uint8_t)(rr[i].pref >> 8);
		p[n++] = (uint8_t)rr[i].pref;
		n += put_name(p + n, rr[i].host);
		p[rdlen_at] = (uint8_t)((n - rdlen_at - 2) >> 8);
		p[rdlen_at + 1] = (uint8_t)(n - rdlen_at - 2);
	}
	return n;
}

static void
test_mx(void **state)
{
	static const struct mx_rr three[] = {
		{ 20, "mx2.example.org" }, { 10, "mx1.example.org" },
		{ 20, "mx3.example.org" },
	};
	static const struct mx_rr null_mx[] = { { 0, "" } };
	struct target_mx mx[TARGET_MX_MAX];
	char err[MG_ERRBUF_SIZE];
	uint8_t ans[1024];
	size_t len, n;

	(void)state;
	len = build_answer(ans, three, 3);
	assert_int_equal(target_mx_parse(ans, len, mx, TARGET_MX_MAX, &n,
	    err), 0);
	assert_int_equal(n, 3);
	/* Preference order, stable among equals (RFC 5321 5.1). */
	assert_string_equal(mx[0].host, "mx1.example.org");
	assert_int_equal(mx[0].pref, 10);
	assert_string_equal(mx[1].host, "mx2.example.org");
	assert_string_equal(mx[2].host, "mx3.example.org");

	/* Capped at max. */
	assert_int_equal(target_mx_parse(ans, len, mx, 2, &n, err), 0);
	assert_int_equal(n, 2);

	/* No answer records: the caller falls back to A/AAAA. */
	len = build_answer(ans, NULL, 0);
	assert_int_equal(target_mx_parse(ans, len, mx, TARGET_MX_MAX, &n,
	    err), 0);
	assert_int_equal(n, 0);

	/* RFC 7505 null MX. */
	len = build_answer(ans, null_mx, 1);
	assert_int_equal(target_mx_parse(ans, len, mx, TARGET_MX_MAX, &n,
	    err), -1);
	assert_non_null(strstr(err, "null MX"));

	/* Truncated and garbage answers never crash. */
	len = build_answer(ans, three, 3);
	for (n = 0; n < len; n++) {
		size_t got;

		(void)target_mx_parse(ans, n, mx, TARGET_MX_MAX, &got, err);
	}
	memset(ans, 0xff, sizeof(ans));
	(void)target_mx_parse(ans, sizeof(ans), mx, TARGET_MX_MAX, &n, err);
}

static void
test_resolve_literal(void **state)
{
	struct target_addr a[TARGET_ADDRS_MAX];
	struct target_spec t;
	char err[MG_ERRBUF_SIZE];
	size_t n;

	(void)state;
	assert_int_equal(target_parse("127.0.0.1:2525", &t, err), 0);
	assert_int_equal(target_resolve(&t, 1, a, TARGET_ADDRS_MAX, &n, err),
	    0);
	assert_int_equal(n, 1);
	assert_string_equal(a[0].addr, "127.0.0.1");
	assert_int_equal(a[0].port, 2525);
	assert_int_equal(a[0].mx_pref, -1);
	assert_int_equal(ntohs(((struct sockaddr_in *)&a[0].ss)->sin_port),
	    2525);

	assert_int_equal(target_parse("[::1]:26", &t, err), 0);
	assert_int_equal(target_resolve(&t, 1, a, TARGET_ADDRS_MAX, &n, err),
	    0);
	assert_int_equal(n, 1);
	assert_string_equal(a[0].addr, "::1");
	assert_int_equal(a[0].ss.ss_family, AF_INET6);

	/* localhost never goes to DNS (RFC 6761 6.3), even without a port */
	assert_int_equal(target_parse("localhost", &t, err), 0);
	assert_int_equal(target_resolve(&t, 1, a, TARGET_ADDRS_MAX, &n, err),
	    0);
	assert_true(n >= 1);
	assert_int_equal(a[0].port, 25);
}

static void
test_list(void **state)
{
	static const char text[] =
	    "# targets\n127.0.0.1:25  [::1]:25\n\n  mx.example.org # c\n"
	    "a.example,b.example\r\n";
	char err[MG_ERRBUF_SIZE], **specs = NULL;
	size_t n = 0;
	FILE *fp;

	(void)state;
	fp = fmemopen((void *)text, sizeof(text) - 1, "r");
	assert_non_null(fp);
	assert_int_equal(target_list_read(fp, "list", &specs, &n, err), 0);
	fclose(fp);
	assert_int_equal(n, 5);
	assert_string_equal(specs[0], "127.0.0.1:25");
	assert_string_equal(specs[1], "[::1]:25");
	assert_string_equal(specs[2], "mx.example.org");
	assert_string_equal(specs[3], "a.example");
	assert_string_equal(specs[4], "b.example");
	target_list_free(specs, n);
	target_list_free(NULL, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_long),
		cmocka_unit_test(test_mx),
		cmocka_unit_test(test_resolve_literal),
		cmocka_unit_test(test_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
