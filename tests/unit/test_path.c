/* test_path.c - unit tests for path probes: answers and hop analysis. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <pcap/pcap.h>

#include "path.h"

static const uint8_t us[4] = { 198, 18, 1, 2 };
static const uint8_t target[4] = { 198, 18, 4, 2 };
static const uint8_t hop_addr[8][4] = {
	{ 0 }, { 198, 18, 1, 1 }, { 198, 18, 2, 2 }, { 198, 18, 3, 2 },
	{ 198, 18, 4, 2 }, { 198, 18, 5, 2 }, { 198, 18, 6, 2 },
	{ 198, 18, 7, 2 },
};

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

/* IPv4 header: proto, src, dst, total length. */
static void
ip4(uint8_t *p, uint8_t proto, const uint8_t *src, const uint8_t *dst,
    size_t tot, uint8_t tos, uint16_t id)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	p[1] = tos;
	put16(p + 2, (uint16_t)tot);
	put16(p + 4, id);
	p[8] = 1;
	p[9] = proto;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
}

/* The SYN s as it travels (IP + TCP with options); returns length. */
static size_t
syn_bytes(uint8_t *p, const struct path_syn *s)
{
	size_t thl = 20 + s->optlen;

	ip4(p, 6, us, target, 20 + thl, s->tos, s->ipid);
	memset(p + 20, 0, 20);
	put16(p + 20, s->sport);
	put16(p + 22, s->dport);
	put32(p + 24, s->seq);
	p[32] = (uint8_t)((thl / 4) << 4);
	p[33] = 0x02;
	put16(p + 34, s->win);
	memcpy(p + 40, s->opts, s->optlen);
	return 20 + thl;
}

/* ICMP error from `from` quoting q[0..qlen). */
static size_t
icmp_bytes(uint8_t *p, const uint8_t *from, uint8_t type, const uint8_t *q,
    size_t qlen)
{
	ip4(p, 1, from, us, 28 + qlen, 0, 1);
	memset(p + 20, 0, 8);
	p[20] = type;
	memcpy(p + 28, q, qlen);
	return 28 + qlen;
}

/* A TCP answer from the target to our probe. */
static size_t
tcp_bytes(uint8_t *p, const struct path_syn *s, uint8_t flags, uint16_t mss)
{
	size_t thl = mss ? 24 : 20;

	ip4(p, 6, target, us, 20 + thl, 0, 2);
	memset(p + 20, 0, thl);
	put16(p + 20, s->dport);
	put16(p + 22, s->sport);
	put32(p + 24, 77);
	put32(p + 28, s->seq + 1);
	p[32] = (uint8_t)((thl / 4) << 4);
	p[33] = flags;
	if (mss) {
		p[40] = 2;
		p[41] = 4;
		put16(p + 42, mss);
	}
	return 20 + thl;
}

static void
test_syn_default(void **state)
{
	struct path_syn s;

	(void)state;
	path_syn_default(&s, 20001, 25, 0x01020304, 99);
	assert_int_equal(s.optlen, 20);
	assert_int_equal(path_opts_mss(s.opts, s.optlen), 1460);
	assert_int_equal(path_opts_mss(s.opts + 4, s.optlen - 4), 0);
	assert_int_equal(s.win, 64240);
}

static const struct parse_case {
	const char	*name;
	int		 kind;		/* 0 icmp, 1 synack, 2 rst */
	uint8_t		 icmp_type;
	size_t		 quote_tcp;	/* TCP bytes quoted, 0 all */
	uint16_t	 mss_seen;	/* quote rewritten to this MSS */
	uint32_t	 seq_add;	/* quote's seq shifted */
	int		 rc;
	enum path_ans	 type;
	int		 have_hdr, have_opts;
} parse_cases[] = {
	{ "timxceed whole", 0, 11, 0, 0, 0, 0, PATH_ANS_TIMXCEED, 1, 1 },
	{ "timxceed 8 bytes (RFC 792)", 0, 11, 8, 0, 0, 0,
	    PATH_ANS_TIMXCEED, 0, 0 },
	{ "timxceed header only", 0, 11, 20, 0, 0, 0, PATH_ANS_TIMXCEED,
	    1, 0 },
	{ "timxceed clamped", 0, 11, 0, 1380, 0, 0, PATH_ANS_TIMXCEED, 1, 1 },
	{ "timxceed isn", 0, 11, 0, 0, 0x1234567, 0, PATH_ANS_TIMXCEED, 1, 1 },
	{ "unreachable", 0, 3, 0, 0, 0, 0, PATH_ANS_UNREACH, 1, 1 },
	{ "echo reply is not ours", 0, 0, 0, 0, 0, -1, PATH_ANS_NONE, 0, 0 },
	{ "quote of 4 bytes", 0, 11, 4, 0, 0, -1, PATH_ANS_NONE, 0, 0 },
	{ "syn-ack", 1, 0, 0, 0, 0, 0, PATH_ANS_SYNACK, 0, 0 },
	{ "rst", 2, 0, 0, 0, 0, 0, PATH_ANS_RST, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0, 0, PATH_ANS_NONE, 0, 0 }
};

static size_t
parse_build(const struct parse_case *c, const struct path_syn *s, uint8_t *p)
{
	struct path_syn q = *s;
	uint8_t quote[128];
	size_t qlen;

	if (c->kind == 1)
		return tcp_bytes(p, s, 0x12, 1400);
	if (c->kind == 2)
		return tcp_bytes(p, s, 0x14, 0);
	q.seq += c->seq_add;
	if (c->mss_seen)
		put16(q.opts + 2, c->mss_seen);
	qlen = syn_bytes(quote, &q);
	if (c->quote_tcp)
		qlen = 20 + c->quote_tcp;
	return icmp_bytes(p, hop_addr[3], c->icmp_type, quote, qlen);
}

static void
test_parse(void **state)
{
	const struct parse_case *c;
	struct path_syn s;
	struct path_reply r;
	uint8_t p[256], frame[300];
	size_t n, k;

	(void)state;
	path_syn_default(&s, 20001, 25, 0xfffffff0u, 5);
	for (c = parse_cases; c->name != NULL; c++) {
		n = parse_build(c, &s, p);
		assert_int_equal(path_reply_parse(p, n, us, &r), c->rc);
		if (c->rc != 0)
			continue;
		assert_int_equal(r.type, c->type);
		assert_int_equal(r.our_port, 20001);
		assert_int_equal(r.dport, 25);
		assert_memory_equal(r.target, target, 4);
		if (c->kind == 1)
			assert_int_equal(r.mss, 1400);
		if (c->kind != 0)
			continue;
		assert_memory_equal(r.from, hop_addr[3], 4);
		assert_int_equal(r.quote.seq, s.seq + c->seq_add);
		assert_int_equal(r.quote.have_hdr, c->have_hdr);
		assert_int_equal(r.quote.have_opts, c->have_opts);
		if (c->have_opts)
			assert_int_equal(path_opts_mss(r.quote.opts,
			    r.quote.optlen), c->mss_seen ? c->mss_seen : 1460);
		/* the same frame behind each link layer */
		memset(frame, 0, 24);
		put16(frame + 12, 0x0800);
		memcpy(frame + 14, p, n);
		assert_int_equal(path_reply_parse_link(DLT_EN10MB, frame,
		    n + 14, us, &r), 0);
		put16(frame + 12, 0x8100);
		put16(frame + 16, 0x0800);
		memcpy(frame + 18, p, n);
		assert_int_equal(path_reply_parse_link(DLT_EN10MB, frame,
		    n + 18, us, &r), 0);
		memset(frame, 0, 24);
		put16(frame + 14, 0x0800);
		memcpy(frame + 16, p, n);
		assert_int_equal(path_reply_parse_link(DLT_LINUX_SLL, frame,
		    n + 16, us, &r), 0);
		memset(frame, 0, 24);
		put16(frame, 0x0800);
		memcpy(frame + 20, p, n);
		assert_int_equal(path_reply_parse_link(276, frame, n + 20, us,
		    &r), 0);
		assert_int_equal(r.quote.seq, s.seq + c->seq_add);
		/* every truncation: no crash, no read past the end */
		for (k = 0; k < n; k++)
			(void)path_reply_parse(p, k, us, &r);
	}
	/* not to us */
	n = parse_build(&parse_cases[0], &s, p);
	p[19] ^= 1;
	assert_int_equal(path_reply_parse(p, n, us, &r), -1);
}

/* What each hop answers in a scenario. */
struct hop_script {
	enum path_ans	 ans[PATH_KINDS];	/* NONE: silent */
	uint16_t	 mss;		/* quoted MSS, 0 as sent */
	uint32_t	 seq_add[PATH_KINDS];	/* quoted seq shift */
	const uint8_t	*from;		/* answer source, NULL hop */
};

static const struct an_case {
	const char		*name;
	struct hop_script	 hop[6];
	unsigned		 nhops;
	unsigned		 server_hop, proxy_hop;
	enum path_field		 field;	/* PATH_F__COUNT: none */
	enum path_kind		 kind;
	unsigned		 last_same, first_diff;
} an_cases[] = {
#define TX	PATH_ANS_TIMXCEED
#define SA	PATH_ANS_SYNACK
#define RS	PATH_ANS_RST
#define UN	PATH_ANS_UNREACH
#define NO	PATH_ANS_NONE
#define H(x, y)		{ .ans = { x, y } }
#define HM(x, y, m)	{ .ans = { x, y }, .mss = m }
#define HS(x, y, q)	{ .ans = { x, y }, .seq_add = { q, 0 } }
#define HF(x, y, a)	{ .ans = { x, y }, .from = a }
	{ .name = "control: nothing", .hop = { H(TX, TX), H(TX, TX),
	    H(TX, TX), H(SA, RS) }, .nhops = 4, .server_hop = 4,
	    .field = PATH_F__COUNT },
	{ .name = "transparent proxy at hop 3", .hop = { H(TX, TX),
	    H(TX, TX), HF(SA, TX, hop_addr[4]), H(SA, RS) }, .nhops = 4,
	    .server_hop = 4, .proxy_hop = 3, .field = PATH_F__COUNT },
	{ .name = "proxy, control port filtered", .hop = { H(TX, TX),
	    HF(SA, TX, hop_addr[4]), H(SA, TX), H(SA, NO) }, .nhops = 4,
	    .proxy_hop = 2, .field = PATH_F__COUNT },
	{ .name = "isn rewritten at hop 3 (port 25 only)", .hop = {
	    H(TX, TX), H(TX, TX), H(TX, TX), HS(TX, TX, 99), HS(UN, UN, 99) },
	    .nhops = 5, .field = PATH_F_SEQ, .kind = PATH_SMTP,
	    .last_same = 3, .first_diff = 4 },
	{ .name = "control port seq untouched", .hop = { H(TX, TX),
	    H(TX, TX), H(TX, TX), HS(TX, TX, 99) }, .nhops = 4,
	    .field = PATH_F_SEQ, .kind = PATH_CONTROL },
	{ .name = "mss clamped at hop 2", .hop = { H(TX, TX), H(TX, TX),
	    HM(TX, TX, 1380), HM(TX, TX, 1380) }, .nhops = 4,
	    .field = PATH_F_MSS, .kind = PATH_CONTROL, .last_same = 2,
	    .first_diff = 3 },
	{ .name = "mss clamp behind a silent hop", .hop = { H(TX, TX),
	    H(NO, NO), HM(TX, TX, 1200) }, .nhops = 3, .field = PATH_F_MSS,
	    .kind = PATH_SMTP, .last_same = 1, .first_diff = 3 },
	{ .name = "first hop already changed", .hop = { HM(TX, TX, 536) },
	    .nhops = 1, .field = PATH_F_MSS, .kind = PATH_SMTP,
	    .first_diff = 1 },
	{ .name = NULL }
#undef TX
#undef SA
#undef RS
#undef UN
#undef NO
#undef H
#undef HM
#undef HS
#undef HF
};

/* Feed the scenario as captured packets through parse and match. */
static void
an_feed(const struct an_case *c, struct path_run *pr)
{
	uint8_t p[256], quote[128];
	struct path_reply r;
	unsigned t, k;
	size_t n;

	path_run_init(pr, target, us, 25, 1, 6, 1234);
	pr->nhops = c->nhops;
	for (t = 0; t < c->nhops; t++)
		for (k = 0; k < PATH_KINDS; k++) {
			const struct hop_script *h = &c->hop[t];
			struct path_probe *pb = &pr->probe[t][k];
			struct path_syn q = pb->syn;

			pb->tries = 1;
			if (h->ans[k] == PATH_ANS_NONE)
				continue;
			if (h->ans[k] == PATH_ANS_SYNACK ||
			    h->ans[k] == PATH_ANS_RST) {
				n = tcp_bytes(p, &pb->syn, h->ans[k] ==
				    PATH_ANS_SYNACK ? 0x12 : 0x14, 0);
				if (h->from != NULL)
					memcpy(p + 12, h->from, 4);
			} else {
				q.seq += h->seq_add[k];
				if (h->mss)
					put16(q.opts + 2, h->mss);
				n = syn_bytes(quote, &q);
				n = icmp_bytes(p, hop_addr[t + 1],
				    h->ans[k] == PATH_ANS_UNREACH ? 3 : 11,
				    quote, n);
			}
			assert_int_equal(path_reply_parse(p, n, us, &r), 0);
			if (h->ans[k] == PATH_ANS_SYNACK ||
			    h->ans[k] == PATH_ANS_RST)
				memcpy(r.target, target, 4);
			assert_ptr_equal(path_run_match(pr, &r, 10), pb);
		}
}

static void
test_analyze(void **state)
{
	static struct path_run pr;
	const struct an_case *c;
	struct path_result res;
	unsigned k, f;

	(void)state;
	for (c = an_cases; c->name != NULL; c++) {
		an_feed(c, &pr);
		path_analyze(&pr, &res);
		assert_int_equal(res.server_hop, c->server_hop);
		assert_int_equal(res.proxy_hop, c->proxy_hop);
		for (k = 0; k < PATH_KINDS; k++)
			for (f = 0; f < PATH_F__COUNT; f++) {
				const struct path_change *ch =
				    &res.change[k][f];

				if (f == c->field && k == c->kind) {
					assert_int_equal(ch->first_diff,
					    c->first_diff);
					if (c->first_diff)
						assert_int_equal(
						    ch->last_same,
						    c->last_same);
				} else if (f != c->field)
					assert_int_equal(ch->first_diff, 0);
			}
	}
}

/* Unique source ports; a reply for a probe never sent is not matched. */
static void
test_match(void **state)
{
	static struct path_run pr;
	struct path_reply r;
	unsigned t, k, u, v;

	(void)state;
	path_run_init(&pr, target, us, 25, 1, 0, 99);
	assert_int_equal(pr.max_hops, PATH_HOPS_DEFAULT);
	for (t = 0; t < PATH_HOPS_MAX; t++)
		for (k = 0; k < PATH_KINDS; k++)
			for (u = t; u < PATH_HOPS_MAX; u++)
				for (v = 0; v < PATH_KINDS; v++)
					if (u != t || v != k)
						assert_int_not_equal(
						    pr.probe[t][k].syn.sport,
						    pr.probe[u][v].syn.sport);
	memset(&r, 0, sizeof(r));
	memcpy(r.target, target, 4);
	r.our_port = pr.probe[2][1].syn.sport;
	r.dport = 1;
	r.type = PATH_ANS_RST;
	assert_null(path_run_match(&pr, &r, 0));	/* not sent yet */
	pr.probe[2][1].tries = 1;
	assert_ptr_equal(path_run_match(&pr, &r, 0), &pr.probe[2][1]);
	r.dport = 25;
	assert_null(path_run_match(&pr, &r, 0));
}

static const struct drop_case {
	const char	*name;
	const char	*user;		/* --user */
	const char	*sudo_uid;	/* SUDO_UID/SUDO_GID, NULL unset */
	int		 rc;		/* path_drop_privs() as root */
	long		 uid;		/* uid after it, -1 root stays */
} drop_cases[] = {
	{ "--user nobody", "nobody", NULL, 1, 65534 },
	{ "sudo", NULL, "65534", 1, 65534 },
	{ "root, not sudo: kept", NULL, NULL, 0, -1 },
	{ "unknown user", "mg-no-such-user", NULL, -1, -1 },
	{ NULL, NULL, NULL, 0, 0 }
};

/* In a child (the drop is for good): the uid after, and no way back. */
static int
drop_child(const struct drop_case *c)
{
	char err[256];
	int rc;

	if (c->sudo_uid != NULL) {
		setenv("SUDO_UID", c->sudo_uid, 1);
		setenv("SUDO_GID", c->sudo_uid, 1);
	} else {
		unsetenv("SUDO_UID");
		unsetenv("SUDO_GID");
	}
	rc = path_drop_privs(c->user, err);
	if (rc != c->rc)
		return 1;
	if (c->uid >= 0 && (getuid() != (uid_t)c->uid ||
	    geteuid() != (uid_t)c->uid || setuid(0) == 0 ||
	    getgroups(0, NULL) != 0))
		return 2;
	if (c->uid < 0 && getuid() != 0)
		return 3;
	return 0;
}

/* Privileges: dropped to --user, or to SUDO_UID, else kept (root only;
 * not root: nothing to drop). */
static void
test_drop_privs(void **state)
{
	const struct drop_case *c;
	char err[256];
	pid_t pid;
	int st;

	(void)state;
	if (geteuid() != 0) {
		assert_int_equal(path_drop_privs("nobody", err), 0);
		return;
	}
	for (c = drop_cases; c->name != NULL; c++) {
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			_exit(drop_child(c));
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		if (WEXITSTATUS(st) != 0)
			fail_msg("%s: child status %d", c->name,
			    WEXITSTATUS(st));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syn_default),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_analyze),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_drop_privs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
