/* test_emu_proxy_relay.c - the live proxy's read/write path, stepped by
 * hand: segments, the held bytes at EOF, backpressure, a dying upstream. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>

#include "emu_proxy.h"
#include "emu_proxy_int.h"
#include "mg_limits.h"
#include "util.h"

/* Milliseconds any wait below may take before the test fails. */
#define RIG_WAIT_MS	10000

/* A proxy in this thread, a client socket and the fake upstream. */
struct rig {
	struct emu_proxy	*px;
	struct emu_log		*log;
	FILE			*logfp;
	int			 lfd;	/* upstream listener */
	int			 cli;	/* the client's socket */
	int			 srv;	/* the upstream's end */
};

static void
rig_nonblock(int fd)
{
	int one = 1;

	assert_int_not_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) |
	    O_NONBLOCK), -1);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* One turn of the proxy's loop, then a short nap. */
static void
rig_step(struct rig *r)
{
	(void)event_base_loop(r->px->base, EVLOOP_NONBLOCK);
	(void)poll(NULL, 0, 1);
}

static struct emu_proxy_conn *
rig_conn(struct rig *r)
{
	return TAILQ_FIRST(&r->px->conns);
}

static void
rig_start_idle(struct rig *r, const char *profile, unsigned idle_sec)
{
	struct emu_proxy_cfg cfg;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	char errbuf[MG_ERRBUF_SIZE], up[64];
	struct emu_proxy_addr bound;
	int i;

	memset(r, 0, sizeof(*r));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_not_equal(r->lfd, -1);
	assert_int_equal(bind(r->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(r->lfd, 4), 0);
	assert_int_equal(getsockname(r->lfd, (struct sockaddr *)&sa, &sl), 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.profile = emu_profile_builtin(profile);
	assert_non_null(cfg.profile);
	r->logfp = tmpfile();
	assert_non_null(r->logfp);
	r->log = emu_log_new(r->logfp, 0);
	cfg.log = r->log;
	assert_int_equal(emu_proxy_parse_addr("127.0.0.1:0", NULL, 0, 1,
	    &cfg.listen, errbuf), 0);
	(void)snprintf(up, sizeof(up), "127.0.0.1:%u", ntohs(sa.sin_port));
	assert_int_equal(emu_proxy_parse_addr(up, NULL, 0, 0, &cfg.upstream,
	    errbuf), 0);
	cfg.have_upstream = 1;
	cfg.idle_sec = idle_sec;
	r->px = emu_proxy_new(&cfg, errbuf);
	assert_non_null(r->px);
	assert_int_equal(emu_proxy_parse_addr(emu_proxy_bound(r->px), NULL,
	    0, 0, &bound, errbuf), 0);
	r->cli = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(r->cli, (struct sockaddr *)&bound.ss,
	    bound.len), 0);
	rig_nonblock(r->cli);
	/* the proxy accepts and connects upstream */
	r->srv = -1;
	for (i = 0; i < RIG_WAIT_MS && r->srv == -1; i++) {
		rig_step(r);
		r->srv = accept(r->lfd, NULL, NULL);
	}
	assert_int_not_equal(r->srv, -1);
	rig_nonblock(r->srv);
	for (i = 0; i < RIG_WAIT_MS && !rig_conn(r)->up_ok; i++)
		rig_step(r);
	assert_true(rig_conn(r)->up_ok);
}

static void
rig_start(struct rig *r, const char *profile)
{
	rig_start_idle(r, profile, 0);
}

static void
rig_stop(struct rig *r)
{
	emu_proxy_free(r->px);
	emu_log_free(r->log);
	(void)fclose(r->logfp);
	(void)close(r->cli);
	if (r->srv != -1)
		(void)close(r->srv);
	(void)close(r->lfd);
}

/* Read from fd (stepping the proxy) until want bytes, EOF or the wait
 * is over; returns the bytes read, *eof set on EOF. */
static size_t
rig_read(struct rig *r, int fd, uint8_t *dst, size_t want, int *eof)
{
	size_t got = 0;
	ssize_t n;
	int i;

	*eof = 0;
	for (i = 0; i < RIG_WAIT_MS && got < want; i++) {
		n = recv(fd, dst + got, want - got, 0);
		if (n == 0) {
			*eof = 1;
			break;
		}
		if (n > 0)
			got += (size_t)n;
		else
			rig_step(r);
	}
	return got;
}

/* Step until nothing more arrives on fd for a few turns: 1 if some byte
 * did (it is lost), 0 if fd stayed silent. */
static int
rig_quiet(struct rig *r, int fd)
{
	uint8_t b;
	int i;

	for (i = 0; i < 50; i++) {
		rig_step(r);
		if (recv(fd, &b, 1, MSG_PEEK) >= 0)
			return 1;
	}
	return 0;
}

static void
rig_send(int fd, const char *s)
{
	assert_int_equal(send(fd, s, strlen(s), MSG_NOSIGNAL),
	    (ssize_t)strlen(s));
}

/* Send s to the proxy, step until it has read all of it (consumed by the
 * engine or held), so the next send is a separate segment. */
static void
rig_segment(struct rig *r, const char *s, uint64_t *sent)
{
	struct emu_proxy_conn *c = rig_conn(r);
	int i;

	rig_send(r->cli, s);
	*sent += strlen(s);
	for (i = 0; i < RIG_WAIT_MS; i++) {
		if (emu_conn_offset(c->ec, EMU_C2S) + c->hold[EMU_C2S].len ==
		    *sent)
			return;
		rig_step(r);
	}
	fail_msg("the proxy did not read \"%s\"", s);
}

/* The greeting, from the upstream to the client. */
static void
rig_greet(struct rig *r)
{
	uint8_t got[64];
	int eof;

	rig_send(r->srv, "220 up.example ESMTP\r\n");
	assert_int_equal(rig_read(r, r->cli, got, 22, &eof), 22);
}

/* Segments as the client sends them ("|" splits) and what the upstream
 * must get: the boundaries are meaningful (emu_rewrite.h). */
static const struct seg_case {
	const char	*profile;
	const char	*parts;
	const char	*want;
} seg_cases[] = {
	{ "off", "HELO a.example\r\n", "HELO a.example\r\n" },
	{ "off", "H|E|L|O| |a|\r|\n", "HELO a\r\n" },
	{ "asa", "HELO a.example\r\n", "HELO a.example\r\n" },
	/* Cisco 113423: one character per segment, the line X-filled */
	{ "asa", "H|E|L|O| |a|\r|\n", "XXXXXX\r\n" },
	/* a verb cut after earlier lines is held, put in front of the
	 * next segment and passes whole */
	{ "asa", "HELO a\r\nMA|IL FROM:<x@y>\r\n",
	    "HELO a\r\nMAIL FROM:<x@y>\r\n" },
	{ "asa", "HELO a\r\nSTART|TLS\r\n", "HELO a\r\nXXXXXXXX\r\n" },
	{ NULL, NULL, NULL }
};

static void
test_segments(void **state)
{
	const struct seg_case *k;
	struct rig r;
	char part[256];
	uint8_t got[256];
	const char *p, *bar;
	uint64_t sent;
	size_t want;
	int eof;

	(void)state;
	for (k = seg_cases; k->profile != NULL; k++) {
		rig_start(&r, k->profile);
		rig_greet(&r);
		sent = 0;
		for (p = k->parts; *p != '\0'; p = *bar ? bar + 1 : bar) {
			bar = strchr(p, '|');
			if (bar == NULL)
				bar = p + strlen(p);
			assert_true((size_t)(bar - p) < sizeof(part));
			memcpy(part, p, (size_t)(bar - p));
			part[bar - p] = '\0';
			rig_segment(&r, part, &sent);
		}
		want = strlen(k->want);
		if (rig_read(&r, r.srv, got, want, &eof) != want ||
		    memcmp(got, k->want, want) != 0)
			fail_msg("%s \"%s\": upstream got \"%.*s\"",
			    k->profile, k->parts, (int)want, got);
		assert_int_equal(rig_quiet(&r, r.srv), 0);
		rig_stop(&r);
	}
}

/* pix-5.1, eod_split_bug=late (CSCds90792): the "\r\n" after "\r\n." in
 * its own segment is held; it reaches the server only when the client
 * closes, and before the half-close. */
static void
test_held_at_eof(void **state)
{
	static const char *const dialogue[][2] = {
		{ "HELO a\r\n", "250 ok\r\n" },
		{ "MAIL FROM:<a@example.net>\r\n", "250 ok\r\n" },
		{ "RCPT TO:<b@example.com>\r\n", "250 ok\r\n" },
		{ "DATA\r\n", "354 go\r\n" },
	};
	struct rig r;
	uint8_t got[256];
	uint64_t sent = 0;
	size_t i, n;
	int eof;

	(void)state;
	rig_start(&r, "pix-5.1");
	assert_int_equal(r.px->cfg.profile->eod_split_bug, EMU_EOD_LATE);
	rig_greet(&r);
	for (i = 0; i < sizeof(dialogue) / sizeof(dialogue[0]); i++) {
		rig_segment(&r, dialogue[i][0], &sent);
		n = strlen(dialogue[i][0]);
		assert_int_equal(rig_read(&r, r.srv, got, n, &eof), n);
		rig_send(r.srv, dialogue[i][1]);
		n = strlen(dialogue[i][1]);
		assert_int_equal(rig_read(&r, r.cli, got, n, &eof), n);
	}
	rig_segment(&r, "Subject: s\r\n\r\nbody\r\n.", &sent);
	assert_int_equal(rig_read(&r, r.srv, got, 21, &eof), 21);
	assert_memory_equal(got, "Subject: s\r\n\r\nbody\r\n.", 21);
	rig_segment(&r, "\r\n", &sent);
	assert_int_equal(rig_conn(&r)->hold[EMU_C2S].len, 2);
	assert_int_equal(rig_quiet(&r, r.srv), 0);
	/* the sender gives up: the CRLF goes out, then the FIN */
	assert_int_equal(shutdown(r.cli, SHUT_WR), 0);
	assert_int_equal(rig_read(&r, r.srv, got, sizeof(got), &eof), 2);
	assert_true(eof);
	assert_memory_equal(got, "\r\n", 2);
	/* the late 250 still reaches the client, then the close */
	rig_send(r.srv, "250 queued\r\n221 bye\r\n");
	(void)close(r.srv);
	r.srv = -1;
	n = rig_read(&r, r.cli, got, sizeof(got), &eof);
	assert_true(eof);
	assert_int_equal(n, 21);
	assert_memory_equal(got, "250 queued\r\n221 bye\r\n", 21);
	rig_stop(&r);
}

/* The upstream does not read: the proxy stops reading the client (its
 * own queue stays at one segment), then everything arrives in order. */
static void
test_backpressure(void **state)
{
	enum { TOTAL = 32 * 1024 * 1024 };
	struct rig r;
	uint8_t *src = xmalloc(TOTAL), *dst = xmalloc(TOTAL);
	size_t off = 0, got = 0, peak = 0, p;
	ssize_t n;
	int i, blocked = 0, eof = 0;

	(void)state;
	for (p = 0; p < TOTAL; p++)
		src[p] = (uint8_t)('a' + (p * 7 + p / 4093) % 26);
	rig_start(&r, "off");
	rig_greet(&r);
	for (i = 0; i < RIG_WAIT_MS && off < TOTAL && !blocked; i++) {
		n = send(r.cli, src + off, TOTAL - off, MSG_NOSIGNAL);
		if (n > 0)
			off += (size_t)n;
		else
			blocked = 1;
		rig_step(&r);
		p = emu_proxy_pending(rig_conn(&r), EMU_PROXY_UP);
		peak = p > peak ? p : peak;
	}
	/* the client is held back while the upstream does not read */
	assert_true(blocked);
	assert_true(off < TOTAL);
	assert_false(rig_conn(&r)->side[EMU_PROXY_CLI].reading);
	assert_true(peak <= MG_EMU_READ_MAX);
	/* now the upstream reads, and the client sends the rest */
	for (i = 0; i < 100 * RIG_WAIT_MS && got < TOTAL; i++) {
		if (off < TOTAL) {
			n = send(r.cli, src + off, TOTAL - off, MSG_NOSIGNAL);
			if (n > 0)
				off += (size_t)n;
		}
		n = recv(r.srv, dst + got, TOTAL - got, 0);
		if (n > 0)
			got += (size_t)n;
		else
			rig_step(&r);
	}
	assert_int_equal(got, TOTAL);
	assert_memory_equal(src, dst, TOTAL);
	(void)eof;
	free(src);
	free(dst);
	rig_stop(&r);
}

/* An upstream gone before its final reply: 421, never silence. */
static void
test_upstream_dies(void **state)
{
	static const char want[] = "220 up.example ESMTP\r\n421 4.4.2 "
	    "upstream connection lost, closing connection\r\n";
	struct rig r;
	uint8_t got[256];
	size_t n;
	int eof;

	(void)state;
	rig_start(&r, "off");
	rig_send(r.srv, "220 up.example ESMTP\r\n");
	(void)close(r.srv);
	r.srv = -1;
	n = rig_read(&r, r.cli, got, sizeof(got), &eof);
	assert_true(eof);
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(got, want, n);
	rig_stop(&r);
}

/* asa: a command line over 512 bytes matches the default map's drop
 * class (108004): both sides are closed, the proxy counts and logs it. */
static void
test_drop(void **state)
{
	struct rig r;
	char line[700], logtext[2048];
	uint8_t got[1024];
	size_t n;
	int eof;

	(void)state;
	rig_start(&r, "asa");
	rig_greet(&r);
	memset(line, 'a', sizeof(line));
	memcpy(line, "HELO ", 5);
	memcpy(line + sizeof(line) - 3, "\r\n", 3);
	rig_send(r.cli, line);
	(void)rig_read(&r, r.cli, got, sizeof(got), &eof);
	assert_true(eof);
	(void)rig_read(&r, r.srv, got, sizeof(got), &eof);
	assert_true(eof);
	assert_int_equal(r.px->st.dropped, 1);
	assert_null(rig_conn(&r));
	assert_int_equal(fflush(r.logfp), 0);
	rewind(r.logfp);
	n = fread(logtext, 1, sizeof(logtext) - 1, r.logfp);
	logtext[n] = '\0';
	assert_non_null(strstr(logtext, "%ASA-4-108004"));
	assert_non_null(strstr(logtext, "dropped by profile asa"));
	rig_stop(&r);
}

/* asa-allow-tls: after the server's 220 to STARTTLS inspection stops
 * (108007) and every byte passes as is, both ways. */
static void
test_passthrough(void **state)
{
	/* refused verbs: X-filled if the engine still looked */
	static const char tls_c[] = "\x16\x03\x01" "BDAT 1 LAST\r\n"
	    "goodmorning\r\n";
	static const char tls_s[] = "\x16\x03\x03" "220-STARTTLS\r\n"
	    "250 XEXCH50\r\n";
	struct rig r;
	uint8_t got[128];
	uint64_t sent = 0;
	int eof;

	(void)state;
	rig_start(&r, "asa-allow-tls");
	rig_greet(&r);
	rig_segment(&r, "STARTTLS\r\n", &sent);
	assert_int_equal(rig_read(&r, r.srv, got, 10, &eof), 10);
	assert_memory_equal(got, "STARTTLS\r\n", 10);
	rig_send(r.srv, "220 2.0.0 go ahead\r\n");
	assert_int_equal(rig_read(&r, r.cli, got, 20, &eof), 20);
	assert_true(rig_conn(&r)->pass);
	rig_send(r.cli, tls_c);
	assert_int_equal(rig_read(&r, r.srv, got, sizeof(tls_c) - 1, &eof),
	    sizeof(tls_c) - 1);
	assert_memory_equal(got, tls_c, sizeof(tls_c) - 1);
	rig_send(r.srv, tls_s);
	assert_int_equal(rig_read(&r, r.cli, got, sizeof(tls_s) - 1, &eof),
	    sizeof(tls_s) - 1);
	assert_memory_equal(got, tls_s, sizeof(tls_s) - 1);
	rig_stop(&r);
}

/* The idle clock restarts with every read (the timer is re-armed lazily
 * when it fires): a connection busy for longer than the idle time stays,
 * a silent one is told 421 after it. */
static void
test_idle(void **state)
{
	static const char bye[] = "421 4.4.2 idle timeout, closing "
	    "connection\r\n";
	struct rig r;
	uint8_t got[128];
	uint64_t t0, t1;
	size_t n;
	int eof;

	(void)state;
	rig_start_idle(&r, "off", 1);
	rig_greet(&r);
	t0 = util_mono_us();
	while (util_mono_us() - t0 < 2500000) {
		rig_send(r.cli, "NOOP\r\n");
		assert_int_equal(rig_read(&r, r.srv, got, 6, &eof), 6);
		rig_send(r.srv, "250 ok\r\n");
		assert_int_equal(rig_read(&r, r.cli, got, 8, &eof), 8);
		(void)poll(NULL, 0, 250);
	}
	assert_int_equal(r.px->st.idle_closed, 0);
	t1 = util_mono_us();
	n = rig_read(&r, r.cli, got, sizeof(got), &eof);
	assert_true(eof);
	assert_int_equal(n, sizeof(bye) - 1);
	assert_memory_equal(got, bye, n);
	assert_int_equal(r.px->st.idle_closed, 1);
	/* about one second of silence, not the 2.5 s since the start */
	assert_true(util_mono_us() - t1 < 2000000);
	rig_stop(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_held_at_eof),
		cmocka_unit_test(test_backpressure),
		cmocka_unit_test(test_upstream_dies),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_passthrough),
		cmocka_unit_test(test_idle),
	};

	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
