/* test_probe.c - the probe runner against scripted servers on loopback. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "probe.h"
#include "probe_run.h"
#include "tls.h"
#include "transcript.h"
#include "util.h"

/* ---- scripted servers (one forked process per connection) ---------- */

enum srv_kind {
	SRV_NORMAL,	/* a plain ESMTP server */
	SRV_ALL250,	/* everything answered 250 */
	SRV_NOCRLF,	/* greeting without CRLF, then silence */
	SRV_RESET,	/* half a multi-line greeting, then RST */
	SRV_ENDLESS,	/* "220-" lines for ever */
	SRV_TARPIT,	/* one byte per second */
	SRV_SILENT,	/* accepts and never speaks */
	SRV_CLOSE,	/* greets, then closes at the first command */
	SRV_DRIP,	/* SRV_NORMAL, one byte per write */
	SRV_TLS_STALL,	/* 220 to STARTTLS, then never a TLS byte */
};

static int srv_drip;

static void
srv_write(int fd, const char *s)
{
	size_t n = strlen(s);

	if (srv_drip) {
		for (; n > 0; s++, n--) {
			if (write(fd, s, 1) != 1)
				_exit(0);
			usleep(300);
		}
		return;
	}
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w <= 0)
			_exit(0);
		s += w;
		n -= (size_t)w;
	}
}

/* Read one line (to LF); 0 at EOF. */
static int
srv_line(int fd, char *line, size_t size)
{
	size_t n = 0;
	char c;

	while (read(fd, &c, 1) == 1) {
		if (n + 1 < size)
			line[n++] = c;
		if (c == '\n') {
			line[n] = '\0';
			return 1;
		}
	}
	return 0;
}

static void
srv_normal(int fd, int all250)
{
	char line[2048];

	srv_write(fd, all250 ? "250 ok\r\n" : "220 test.invalid ESMTP\r\n");
	while (srv_line(fd, line, sizeof(line))) {
		if (all250)
			srv_write(fd, "250 ok\r\n");
		else if (strncasecmp(line, "EHLO", 4) == 0)
			srv_write(fd, "250-test.invalid\r\n250-PIPELINING\r\n"
			    "250-8BITMIME\r\n250 SIZE 1000\r\n");
		else if (strncasecmp(line, "QUIT", 4) == 0) {
			srv_write(fd, "221 bye\r\n");
			return;
		} else if (strncasecmp(line, "HELO", 4) == 0 ||
		    strncasecmp(line, "MAIL", 4) == 0 ||
		    strncasecmp(line, "RCPT", 4) == 0 ||
		    strncasecmp(line, "RSET", 4) == 0 ||
		    strncasecmp(line, "NOOP", 4) == 0)
			srv_write(fd, "250 ok\r\n");
		else
			srv_write(fd, "500 5.5.1 command unrecognized\r\n");
		if (all250 && strncasecmp(line, "QUIT", 4) == 0)
			return;
	}
}

static void
srv_conn(int fd, enum srv_kind k)
{
	struct linger lg = { 1, 0 };
	const char *g = "220 tarpit.invalid ESMTP\r\n";
	char line[256];

	switch (k) {
	case SRV_DRIP:
		srv_drip = 1;
		/* FALLTHROUGH */
	case SRV_NORMAL:
	case SRV_ALL250:
		srv_normal(fd, k == SRV_ALL250);
		break;
	case SRV_NOCRLF:
		srv_write(fd, "220 no line end");
		sleep(30);
		break;
	case SRV_RESET:
		srv_write(fd, "220-first line\r\n220-sec");
		usleep(50000);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		break;
	case SRV_ENDLESS:
		for (;;) {
			srv_write(fd, "220-still greeting you\r\n");
			usleep(200);
		}
	case SRV_TARPIT:
		for (; *g != '\0'; g++) {
			if (write(fd, g, 1) != 1)
				break;
			sleep(1);
		}
		break;
	case SRV_SILENT:
		sleep(30);
		break;
	case SRV_TLS_STALL:
		srv_write(fd, "220 stall.invalid ESMTP\r\n");
		while (srv_line(fd, line, sizeof(line))) {
			if (strncasecmp(line, "EHLO", 4) == 0)
				srv_write(fd, "250-stall.invalid\r\n"
				    "250 STARTTLS\r\n");
			else if (strncasecmp(line, "STARTTLS", 8) == 0) {
				srv_write(fd, "220 go ahead\r\n");
				sleep(30);
			}
		}
		break;
	case SRV_CLOSE:
		srv_write(fd, "220 closer.invalid\r\n");
		(void)srv_line(fd, line, sizeof(line));
		break;
	}
	close(fd);
	_exit(0);
}

struct srv {
	pid_t		pid;
	uint16_t	port;
};

static struct srv
srv_start(enum srv_kind k)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct srv s;
	int lfd, one = 1;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 64), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	s.port = ntohs(sin.sin_port);
	s.pid = fork();
	assert_true(s.pid >= 0);
	if (s.pid == 0) {
		setpgid(0, 0);
		signal(SIGCHLD, SIG_IGN);	/* no zombies */
		for (;;) {
			int fd = accept(lfd, NULL, NULL);

			if (fd == -1)
				continue;
			if (fork() == 0) {
				close(lfd);
				srv_conn(fd, k);
			}
			close(fd);
		}
	}
	setpgid(s.pid, s.pid);
	close(lfd);
	return s;
}

static void
srv_stop(struct srv *s)
{
	kill(-s->pid, SIGKILL);
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
}

/* ---- running probes ----------------------------------------------- */

static struct tls_ctx *tls_ctx;

struct got {
	struct probe_result	 res[8];
	size_t			 n;
	int			 calls;
	/* copies of what the tests check, since results die with the job */
	enum probe_outcome	 outcome[8];
	int			 last_code[8];
	size_t			 c2s_events[8];
	size_t			 timeouts[8];
	int			 inner[8];
	char			 s2c[8][256];
};

static void
got_done(struct probe_job *j, void *arg)
{
	struct got *g = arg;
	size_t i, k;

	g->calls++;
	g->n = j->n;
	for (i = 0; i < j->n && i < 8; i++) {
		const struct transcript *t = j->res[i].tr;
		size_t len;
		const uint8_t *b = transcript_bytes(t, TR_S2C, &len);

		g->outcome[i] = j->res[i].outcome;
		g->last_code[i] = j->res[i].last_code;
		g->inner[i] = j->res[i].inner != NULL;
		g->c2s_events[i] = g->timeouts[i] = 0;
		for (k = 0; k < t->nev; k++) {
			if (t->ev[k].kind == TR_EV_DATA &&
			    t->ev[k].dir == TR_C2S)
				g->c2s_events[i]++;
			if (t->ev[k].kind == TR_EV_TIMEOUT)
				g->timeouts[i]++;
		}
		if (len > sizeof(g->s2c[i]) - 1)
			len = sizeof(g->s2c[i]) - 1;
		memcpy(g->s2c[i], b, len);
		g->s2c[i][len] = '\0';
	}
}

/* Run the named probes against 127.0.0.1:port; return wall time (us). */
static uint64_t
run_probes(uint16_t port, const char *const *names, size_t n,
    uint64_t timeout_ms, uint64_t deadline_ms, struct got *g)
{
	const struct probe_def *defs[8];
	struct target_addr a;
	struct target_spec t;
	struct probe_opts o;
	struct probe_run *r;
	char spec[32], err[MG_ERRBUF_SIZE];
	size_t i, na;
	uint64_t t0;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < n; i++)
		assert_non_null(defs[i] = probe_table_find(names[i]));
	snprintf(spec, sizeof(spec), "127.0.0.1:%u", port);
	assert_int_equal(target_parse(spec, &t, err), 0);
	assert_int_equal(target_resolve(&t, 0, &a, 1, &na, err), 0);
	probe_opts_defaults(&o);
	o.reply_timeout_us = timeout_ms * 1000;
	o.deadline_us = deadline_ms * 1000;
	o.seg_pause_us = 2000;
	o.seed = 7;
	o.tls = tls_ctx;
	r = probe_run_new(&o, 2, got_done, g);
	probe_run_add(r, spec, &a, defs, n);
	t0 = util_mono_us();
	assert_int_equal(probe_run_loop(r, err), 0);
	t0 = util_mono_us() - t0;
	probe_run_free(r);
	assert_int_equal(g->calls, 1);
	assert_int_equal(g->n, n);
	return t0;
}

static void
test_normal(void **state)
{
	static const char *const names[] = {
		"greeting", "ehlo", "invalid-verb", "segmented", "pipelined",
		"mail-8bitmime", "verb-starttls",
	};
	struct srv s = srv_start(SRV_NORMAL);
	struct got g;
	uint64_t us;
	size_t i;

	(void)state;
	us = run_probes(s.port, names, 7, 2000, 10000, &g);
	srv_stop(&s);
	for (i = 0; i < 7; i++) {
		if (g.outcome[i] != PO_DONE)
			fail_msg("%s: %s", names[i],
			    probe_outcome_name(g.outcome[i]));
		assert_int_equal(g.last_code[i], 221);	/* QUIT answered */
		assert_int_equal(g.timeouts[i], 0);
	}
	assert_non_null(strstr(g.s2c[1], "250-PIPELINING"));
	assert_non_null(strstr(g.s2c[2], "500 5.5.1"));
	/* segmented: EHLO in one write, NOOP in 6, QUIT in one */
	assert_int_equal(g.c2s_events[3], 6 + 1 + 1);
	/* pipelined: EHLO, the group in one write, QUIT */
	assert_int_equal(g.c2s_events[4], 3);
	/* A loopback run of seven probes is quick. */
	assert_true(us < 5000000);
}

/* The reply counter is segmentation invariant: the same replies one byte
 * per segment give the same bytes, the same outcome, the same codes. */
static void
test_drip(void **state)
{
	static const char *const names[] = { "ehlo", "pipelined" };
	struct srv s = srv_start(SRV_NORMAL), d;
	struct got whole, drip;
	size_t i;

	(void)state;
	run_probes(s.port, names, 2, 3000, 10000, &whole);
	srv_stop(&s);
	d = srv_start(SRV_DRIP);
	run_probes(d.port, names, 2, 3000, 10000, &drip);
	srv_stop(&d);
	for (i = 0; i < 2; i++) {
		assert_int_equal(drip.outcome[i], PO_DONE);
		assert_int_equal(drip.outcome[i], whole.outcome[i]);
		assert_int_equal(drip.last_code[i], whole.last_code[i]);
		assert_string_equal(drip.s2c[i], whole.s2c[i]);
		assert_int_equal(drip.c2s_events[i], whole.c2s_events[i]);
	}
}

static void
test_all250(void **state)
{
	static const char *const names[] = { "invalid-verb", "ehlo" };
	struct srv s = srv_start(SRV_ALL250);
	struct got g;

	(void)state;
	run_probes(s.port, names, 2, 2000, 10000, &g);
	srv_stop(&s);
	assert_int_equal(g.outcome[0], PO_DONE);
	assert_int_equal(g.outcome[1], PO_DONE);
	assert_int_equal(g.last_code[0], 250);
}

/* Hostile servers: every run ends within its deadline with a clear
 * per-probe outcome. */
static const struct hostile_case {
	enum srv_kind		 kind;
	const char		*name;
	enum probe_outcome	 want;
	uint64_t		 timeout_ms, deadline_ms;
} hostile_cases[] = {
	{ SRV_NOCRLF, "no CRLF", PO_TIMEOUT, 500, 5000 },
	{ SRV_RESET, "reset mid-reply", PO_RESET, 2000, 5000 },
	{ SRV_ENDLESS, "endless greeting", PO_TOO_LARGE, 5000, 8000 },
	{ SRV_TARPIT, "tarpit", PO_TIMEOUT, 1500, 5000 },
	{ SRV_SILENT, "silent", PO_TIMEOUT, 500, 5000 },
	{ SRV_SILENT, "silent, short deadline", PO_DEADLINE, 5000, 700 },
	{ SRV_CLOSE, "closes after greeting", PO_CLOSED, 2000, 5000 },
	{ 0, NULL, 0, 0, 0 }
};

static void
test_hostile(void **state)
{
	static const char *const names[] = { "ehlo", "segmented" };
	const struct hostile_case *c;

	(void)state;
	for (c = hostile_cases; c->name != NULL; c++) {
		struct srv s = srv_start(c->kind);
		struct got g;
		uint64_t us;
		size_t i;

		us = run_probes(s.port, names, 2, c->timeout_ms,
		    c->deadline_ms, &g);
		srv_stop(&s);
		for (i = 0; i < 2; i++)
			if (g.outcome[i] != c->want)
				fail_msg("%s: probe %s ended %s, want %s",
				    c->name, names[i],
				    probe_outcome_name(g.outcome[i]),
				    probe_outcome_name(c->want));
		/* ended within its deadline (plus scheduling slack) */
		if (us > c->deadline_ms * 1000 + 2000000)
			fail_msg("%s: took %llu us", c->name,
			    (unsigned long long)us);
	}
}

static void
test_refused(void **state)
{
	static const char *const names[] = { "greeting" };
	struct srv s = srv_start(SRV_SILENT);
	uint16_t port = s.port;
	struct got g;

	(void)state;
	srv_stop(&s);	/* the port is closed now */
	usleep(100000);
	run_probes(port, names, 1, 1000, 3000, &g);
	assert_int_equal(g.outcome[0], PO_CONNECT_FAILED);
}

/* STARTTLS refused: no handshake, a clear "stopped" outcome. */
static void
test_starttls_refused(void **state)
{
	static const char *const names[] = { "starttls" };
	struct srv s = srv_start(SRV_NORMAL);
	struct got g;

	(void)state;
	run_probes(s.port, names, 1, 2000, 5000, &g);
	srv_stop(&s);
	assert_int_equal(g.outcome[0], PO_STOPPED);
	assert_int_equal(g.inner[0], 0);
}

/* A TLS handshake that stalls ends at its timeout, no inner transcript. */
static void
test_tls_stall(void **state)
{
	static const char *const names[] = { "starttls" };
	struct srv s = srv_start(SRV_TLS_STALL);
	struct got g;
	uint64_t us;

	(void)state;
	us = run_probes(s.port, names, 1, 800, 5000, &g);
	srv_stop(&s);
	assert_int_equal(g.outcome[0], PO_TIMEOUT);
	assert_int_equal(g.inner[0], 0);
	assert_true(us < 3000000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normal),
		cmocka_unit_test(test_all250),
		cmocka_unit_test(test_drip),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_starttls_refused),
		cmocka_unit_test(test_tls_stall),
	};

	char err[MG_ERRBUF_SIZE];
	int rc;

	signal(SIGPIPE, SIG_IGN);
	tls_ctx = tls_ctx_new(err);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	tls_ctx_free(tls_ctx);
	return rc;
}
