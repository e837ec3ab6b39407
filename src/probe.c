/* probe.c - one probe connection: a non-blocking state machine. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/tcp.h>

#include "probe.h"
#include "probe_render.h"
#include "tls.h"
#include "transcript.h"
#include "util.h"

enum pc_state {
	PC_CONNECTING,
	PC_NEXT_STEP,	/* run the current step (no I/O pending) */
	PC_SENDING,	/* writing segments, pausing between them */
	PC_WAITING,	/* reading until enough replies */
	PC_HANDSHAKE,	/* TLS handshake */
	PC_DONE,
	PC__COUNT
};

struct probe_conn {
	const struct probe_def	*def;
	const struct probe_opts	*o;
	struct probe_result	*res;
	enum pc_state		 st;
	int			 fd;
	const struct probe_step	*step;
	struct transcript	*cur;	/* res->tr, or res->inner in TLS */
	struct tls_conn		*tls;
	int			 tls_on, tls_want_write;
	int			 after_tls;	/* handshake after this wait */
	int			 quitting;
	uint64_t		 t0, deadline, wait_until, send_at;
	struct buf		 out;
	size_t			 cuts[PROBE_SEGS_MAX];
	size_t			 ncuts, seg, sent;
	unsigned		 expect;	/* replies expected so far */
	uint8_t			 line[8];	/* first bytes of a line */
	size_t			 linelen;
	uint64_t		 rx;
	unsigned		 lines;		/* of the reply in progress */
	unsigned		 last_lines;	/* of the last complete reply */
};

static const char *const outcome_names[PO__COUNT] = {
	[PO_PENDING] = "pending",
	[PO_DONE] = "done",
	[PO_CONNECT_FAILED] = "connect-failed",
	[PO_TIMEOUT] = "timeout",
	[PO_CLOSED] = "closed",
	[PO_RESET] = "reset",
	[PO_DEADLINE] = "deadline",
	[PO_STOPPED] = "stopped",
	[PO_TLS_FAILED] = "tls-failed",
	[PO_TOO_LARGE] = "too-large",
	[PO_SKIPPED] = "skipped",
	[PO_ERROR] = "error",
};

const char *
probe_outcome_name(enum probe_outcome o)
{
	if ((size_t)o >= PO__COUNT)
		return "?";
	return outcome_names[o];
}

void
probe_opts_defaults(struct probe_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->helo = PROBE_HELO_DEFAULT;
	o->reply_timeout_us = (uint64_t)MG_PROBE_REPLY_TIMEOUT_SEC * 1000000;
	o->deadline_us = (uint64_t)MG_PROBE_DEADLINE_SEC * 1000000;
	o->seg_pause_us = PROBE_SEG_PAUSE_US;
	o->per_host = 4;
}

void
probe_result_clear(struct probe_result *r)
{
	if (r == NULL)
		return;
	transcript_free(r->tr);
	transcript_free(r->inner);
	memset(r, 0, sizeof(*r));
	r->last_code = -1;
}

static void
pc_finish(struct probe_conn *c, enum probe_outcome o, const char *detail)
{
	if (c->res->outcome == PO_PENDING) {
		c->res->outcome = o;
		if (detail != NULL)
			util_strlcpy(c->res->detail, detail,
			    sizeof(c->res->detail));
	}
	if (c->fd != -1) {
		tls_conn_free(c->tls);
		c->tls = NULL;
		close(c->fd);
		c->fd = -1;
	}
	c->res->elapsed_us = util_mono_us() - c->t0;
	c->res->tr->end_us = util_wall_us();
	if (c->res->inner != NULL)
		c->res->inner->end_us = c->res->tr->end_us;
	c->st = PC_DONE;
}

static void
pc_wait(struct probe_conn *c, uint64_t now, unsigned replies)
{
	uint64_t tmo = c->o->reply_timeout_us;

	if (c->quitting && tmo > PROBE_QUIT_WAIT_US)
		tmo = PROBE_QUIT_WAIT_US;
	c->expect += replies;
	c->wait_until = now + tmo;
	c->st = PC_WAITING;
}

static void
pc_send(struct probe_conn *c, const char *text, enum probe_split split,
    uint64_t now)
{
	char err[MG_ERRBUF_SIZE];

	if (probe_render(text, split, c->o, &c->out, c->cuts, &c->ncuts,
	    err) == -1) {
		pc_finish(c, PO_ERROR, err);
		return;
	}
	c->seg = 0;
	c->sent = 0;
	c->send_at = now;
	c->st = PC_SENDING;
}

/* Jump to the QUIT step (after a refusal), or finish if there is none. */
static void
pc_goto_quit(struct probe_conn *c)
{
	while (c->step->kind != PS_QUIT && c->step->kind != PS_END)
		c->step++;
	c->st = PC_NEXT_STEP;
}

static void
pc_stop(struct probe_conn *c, const char *why, int code)
{
	if (c->res->outcome == PO_PENDING) {
		c->res->outcome = PO_STOPPED;
		snprintf(c->res->detail, sizeof(c->res->detail),
		    "%s %d", why, code);
	}
	transcript_note(c->cur, TR_C2S, util_wall_us(), "%s",
	    c->res->detail);
	pc_goto_quit(c);
}

static void
pc_run_step(struct probe_conn *c, uint64_t now)
{
	const struct probe_step *s = c->step;
	int code = c->res->last_code;

	switch (s->kind) {
	case PS_END:
		pc_finish(c, PO_DONE, NULL);
		break;
	case PS_GREETING:
		pc_wait(c, now, 1);
		break;
	case PS_SEND:
		pc_send(c, s->text, s->split, now);
		break;
	case PS_HELO_FALLBACK:
		/*
		 * A one-line 250 may be the server's NOOP reply to an EHLO a
		 * PIX rewrote (behaviour reference 2, PIX 5.1-6.3): say HELO
		 * too, which RFC 5321 4.1.4 allows at any time.
		 */
		if (code >= 200 && code < 300 && c->last_lines > 1) {
			c->step++;
			break;
		}
		pc_send(c, "HELO %h\r\n", PSPLIT_WHOLE, now);
		break;
	case PS_REQUIRE_2XX:
	case PS_REQUIRE_3XX:
		if (code / 100 == (s->kind == PS_REQUIRE_2XX ? 2 : 3))
			c->step++;
		else
			pc_stop(c, "the server answered", code);
		break;
	case PS_STARTTLS:
		if (c->o->tls == NULL) {
			pc_stop(c, "TLS not available; last reply", code);
			break;
		}
		c->after_tls = 1;
		pc_send(c, "STARTTLS\r\n", PSPLIT_WHOLE, now);
		break;
	case PS_QUIT:
		c->quitting = 1;
		pc_send(c, "QUIT\r\n", PSPLIT_WHOLE, now);
		break;
	}
}

/* Replies counted by their final line (RFC 5321 4.2.1): a line whose
 * fourth byte is not '-' ends a reply; so does a line with no code, so
 * that a masked line never makes us wait forever. */
static void
pc_line_end(struct probe_conn *c)
{
	const uint8_t *l = c->line;
	int code = -1;

	if (c->linelen >= 3 && l[0] >= '1' && l[0] <= '5' &&
	    l[1] >= '0' && l[1] <= '9' && l[2] >= '0' && l[2] <= '9')
		code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
	c->lines++;
	if (code != -1 && c->linelen >= 4 && l[3] == '-')
		return;
	c->res->replies++;
	c->res->last_code = code;
	c->last_lines = c->lines;
	c->lines = 0;
}

static void
pc_feed(struct probe_conn *c, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			pc_line_end(c);
			c->linelen = 0;
		} else if (c->linelen < sizeof(c->line))
			c->line[c->linelen++] = p[i];
	}
}

static void
pc_tls_error(struct probe_conn *c, const char *err)
{
	transcript_anomaly(c->res->tr, TR_S2C, util_wall_us(),
	    "tls-failed", "%s", err);
	pc_finish(c, PO_TLS_FAILED, err);
}

/* One read; 1 if more may be ready, 0 to stop reading for now. */
static int
pc_read_once(struct probe_conn *c)
{
	char err[MG_ERRBUF_SIZE];
	uint8_t b[4096];
	ssize_t n;

	if (c->tls_on) {
		n = tls_read(c->tls, b, sizeof(b), err);
		if (n == TLS_WANT_READ || n == TLS_WANT_WRITE) {
			c->tls_want_write = (n == TLS_WANT_WRITE);
			return 0;
		}
		if (n == TLS_CLOSED)
			n = 0;
		else if (n < 0) {
			pc_tls_error(c, err);
			return 0;
		}
	} else {
		n = read(c->fd, b, sizeof(b));
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return 0;
	}
	if (n == 0 || n == -1) {
		int rst = n == -1 && errno == ECONNRESET;

		transcript_event(c->cur, rst ? TR_EV_RST : TR_EV_FIN, TR_S2C,
		    util_wall_us());
		if (c->quitting && !rst)
			pc_finish(c, PO_DONE, NULL);
		else
			pc_finish(c, rst ? PO_RESET : PO_CLOSED, rst ?
			    "connection reset by the server" :
			    "the server closed the connection");
		return 0;
	}
	if (c->rx + (uint64_t)n > MG_PROBE_REPLY_BYTES_MAX) {
		transcript_anomaly(c->cur, TR_S2C, util_wall_us(),
		    "reply-too-large", "more than %d bytes",
		    MG_PROBE_REPLY_BYTES_MAX);
		pc_finish(c, PO_TOO_LARGE, "server sent too much");
		return 0;
	}
	c->rx += (uint64_t)n;
	transcript_data(c->cur, TR_S2C, util_wall_us(), -1, b, (size_t)n);
	pc_feed(c, b, (size_t)n);
	return 1;
}

static void
pc_tls_begin(struct probe_conn *c, uint64_t now)
{
	char err[MG_ERRBUF_SIZE];
	uint64_t ts = util_wall_us();

	c->after_tls = 0;
	if (c->res->last_code != 220) {
		pc_stop(c, "STARTTLS answered", c->res->last_code);
		return;
	}
	if (c->linelen != 0) /* RFC 3207 4.2: nothing may follow the 220 */
		transcript_anomaly(c->res->tr, TR_S2C, ts,
		    "data-after-starttls-reply", NULL);
	transcript_event(c->res->tr, TR_EV_TLS, TR_C2S, ts);
	transcript_event(c->res->tr, TR_EV_TLS, TR_S2C, ts);
	c->tls = tls_conn_new(c->o->tls, c->fd, NULL, err);
	if (c->tls == NULL) {
		pc_tls_error(c, err);
		return;
	}
	c->wait_until = now + c->o->reply_timeout_us;
	c->st = PC_HANDSHAKE;
}

static void
pc_handshake(struct probe_conn *c)
{
	char err[MG_ERRBUF_SIZE];
	struct probe_result *r = c->res;
	int rc = tls_handshake(c->tls, err);

	if (rc == TLS_WANT_READ || rc == TLS_WANT_WRITE) {
		c->tls_want_write = (rc == TLS_WANT_WRITE);
		return;
	}
	if (rc != TLS_OK) {
		pc_tls_error(c, err);
		return;
	}
	c->tls_on = 1;
	c->tls_want_write = 0;
	r->tls_ok = 1;
	tls_describe(c->tls, r->tls_proto, sizeof(r->tls_proto),
	    r->tls_subject, sizeof(r->tls_subject));
	transcript_note(r->tr, TR_S2C, util_wall_us(), "TLS %s, subject %s",
	    r->tls_proto, r->tls_subject);
	r->inner = transcript_new("starttls-inner");
	transcript_set_peers(r->inner, r->tr->client, r->tr->cport,
	    r->tr->server, r->tr->sport);
	r->inner->start_us = util_wall_us();
	transcript_event(r->inner, TR_EV_CONNECT, TR_C2S, r->inner->start_us);
	c->cur = r->inner;
	c->linelen = 0;
	c->step++;
	c->st = PC_NEXT_STEP;
}

/* Write the current segment (or what is left of it). */
static void
pc_write_seg(struct probe_conn *c, uint64_t now)
{
	char err[MG_ERRBUF_SIZE];
	size_t end = c->cuts[c->seg];
	const uint8_t *p = c->out.data + c->sent;
	ssize_t n;

	if (c->tls_on) {
		n = tls_write(c->tls, p, end - c->sent, err);
		if (n == TLS_WANT_READ || n == TLS_WANT_WRITE) {
			c->tls_want_write = (n == TLS_WANT_WRITE);
			return;
		}
		if (n < 0) {
			pc_tls_error(c, err);
			return;
		}
	} else {
		/* One send() per segment; TCP_NODELAY makes it a segment. */
		n = send(c->fd, p, end - c->sent, MSG_NOSIGNAL);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n == -1) {
			int rst = errno == ECONNRESET || errno == EPIPE;

			transcript_event(c->cur, rst ? TR_EV_RST : TR_EV_FIN,
			    TR_S2C, util_wall_us());
			pc_finish(c, c->quitting ? PO_DONE : rst ? PO_RESET :
			    PO_ERROR, strerror(errno));
			return;
		}
	}
	transcript_data(c->cur, TR_C2S, util_wall_us(), -1, p, (size_t)n);
	c->sent += (size_t)n;
	if (c->sent < end)
		return;
	if (++c->seg < c->ncuts) {
		c->send_at = now + c->o->seg_pause_us;
		if (c->step->split == PSPLIT_EOD &&
		    c->o->seg_pause_us < PROBE_EOD_PAUSE_US)
			c->send_at = now + PROBE_EOD_PAUSE_US;
		return;
	}
	pc_wait(c, now, c->step->kind == PS_SEND ? c->step->replies : 1);
}

static void
pc_connected(struct probe_conn *c, uint64_t now)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char addr[INET6_ADDRSTRLEN] = "";
	uint16_t port = 0;
	int err = 0;
	socklen_t elen = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen) == -1)
		err = errno;
	if (err != 0) {
		pc_finish(c, PO_CONNECT_FAILED, strerror(err));
		return;
	}
	if (getsockname(c->fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
			port = ntohs(s4->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &s6->sin6_addr, addr,
			    sizeof(addr));
			port = ntohs(s6->sin6_port);
		}
	}
	c->res->tr->client[0] = '\0';
	transcript_set_peers(c->res->tr, addr, port, c->res->tr->server,
	    c->res->tr->sport);
	transcript_event(c->res->tr, TR_EV_CONNECT, TR_C2S, util_wall_us());
	c->st = PC_NEXT_STEP;
	(void)now;
}

static int
pc_socket(struct probe_conn *c, const struct target_addr *a, uint64_t now)
{
	int one = 1;

	c->fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (c->fd == -1)
		return -1;
	/* Our segment boundaries are part of the probe: no Nagle. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (const struct sockaddr *)&a->ss, a->sslen) == -1 &&
	    errno != EINPROGRESS)
		return -1;
	c->wait_until = now + c->o->reply_timeout_us;
	return 0;
}

struct probe_conn *
probe_conn_new(const struct probe_def *d, const struct target_addr *a,
    const struct probe_opts *o, uint64_t deadline_us,
    struct probe_result *res)
{
	struct probe_conn *c = xcalloc(1, sizeof(*c));
	uint64_t now = util_mono_us();

	c->def = d;
	c->o = o;
	c->res = res;
	c->fd = -1;
	c->t0 = now;
	c->deadline = deadline_us;
	c->step = d->steps;
	c->st = PC_CONNECTING;
	buf_init(&c->out, MG_PROBE_REPLY_BYTES_MAX);
	res->def = d;
	res->outcome = PO_PENDING;
	res->last_code = -1;
	res->tr = transcript_new(d->name);
	res->tr->start_us = util_wall_us();
	transcript_set_peers(res->tr, "", 0, a->addr, a->port);
	c->cur = res->tr;
	if (pc_socket(c, a, now) == -1) {
		int e = errno;

		pc_finish(c, e == ECONNREFUSED ? PO_CONNECT_FAILED : PO_ERROR,
		    strerror(e));
	}
	return c;
}

void
probe_conn_want(const struct probe_conn *c, struct pollfd *pfd,
    uint64_t *timer_us)
{
	short ev = 0;
	uint64_t t = c->deadline;

	pfd->fd = -1;
	pfd->events = pfd->revents = 0;
	switch (c->st) {
	case PC_CONNECTING:
		ev = POLLOUT;
		break;
	case PC_NEXT_STEP:
		t = 0;		/* run at once */
		break;
	case PC_SENDING:
		if (c->send_at > util_mono_us()) {
			if (c->send_at < t)
				t = c->send_at;
		} else
			ev = c->tls_want_write || !c->tls_on ? POLLOUT : POLLIN;
		break;
	case PC_WAITING:
	case PC_HANDSHAKE:
		ev = c->tls_want_write ? POLLOUT : POLLIN;
		break;
	case PC_DONE:
	case PC__COUNT:
		*timer_us = UINT64_MAX;
		return;
	}
	if (c->st != PC_SENDING && c->st != PC_NEXT_STEP && c->wait_until < t)
		t = c->wait_until;
	pfd->fd = ev ? c->fd : -1;
	pfd->events = ev;
	*timer_us = t;
}

static void
pc_timeout(struct probe_conn *c, uint64_t now)
{
	int deadline = now >= c->deadline;
	const char *what = c->st == PC_CONNECTING ? "connect timed out" :
	    c->st == PC_HANDSHAKE ? "TLS handshake timed out" :
	    "no complete reply in time";

	if (c->st == PC_WAITING || c->st == PC_HANDSHAKE)
		transcript_event(c->cur, TR_EV_TIMEOUT, TR_S2C,
		    util_wall_us());
	if (c->linelen != 0)
		transcript_anomaly(c->cur, TR_S2C, util_wall_us(),
		    "reply-incomplete", "a line without its end");
	if (c->quitting && c->st == PC_WAITING && !deadline) {
		pc_finish(c, PO_DONE, NULL);
		return;
	}
	/* Still polite: QUIT without waiting (plaintext only). */
	if (!c->tls_on && c->st == PC_WAITING && !c->quitting &&
	    send(c->fd, "QUIT\r\n", 6, MSG_NOSIGNAL | MSG_DONTWAIT) == 6)
		transcript_data(c->cur, TR_C2S, util_wall_us(), -1,
		    (const uint8_t *)"QUIT\r\n", 6);
	if (c->st == PC_CONNECTING && !deadline)
		pc_finish(c, PO_CONNECT_FAILED, what);
	else
		pc_finish(c, deadline ? PO_DEADLINE : PO_TIMEOUT,
		    deadline ? "the target's deadline passed" : what);
}

void
probe_conn_step(struct probe_conn *c, short revents, uint64_t now)
{
	int rounds;

	if (c->st == PC_DONE)
		return;
	if (c->st == PC_CONNECTING && revents != 0)
		pc_connected(c, now);
	for (rounds = 0; rounds < 64 && c->st != PC_DONE; rounds++) {
		enum pc_state before = c->st;
		const struct probe_step *sb = c->step;

		switch (c->st) {
		case PC_NEXT_STEP:
			pc_run_step(c, now);
			break;
		case PC_SENDING:
			if (c->send_at <= now)
				pc_write_seg(c, now);
			break;
		case PC_WAITING:
			/* Bounded: a fast server cannot starve the others. */
			while (c->st == PC_WAITING && rounds++ < 64 &&
			    c->res->replies < c->expect && pc_read_once(c))
				continue;
			if (c->st == PC_WAITING &&
			    c->res->replies >= c->expect) {
				if (c->after_tls)
					pc_tls_begin(c, now);
				else if (c->quitting)
					pc_finish(c, PO_DONE, NULL);
				else {
					c->step++;
					c->st = PC_NEXT_STEP;
				}
			}
			break;
		case PC_HANDSHAKE:
			pc_handshake(c);
			break;
		default:
			break;
		}
		if (c->st == before && c->step == sb)
			break;	/* waiting on I/O or a timer */
	}
	if (c->st == PC_DONE)
		return;
	if (now >= c->deadline || ((c->st == PC_WAITING ||
	    c->st == PC_CONNECTING || c->st == PC_HANDSHAKE) &&
	    now >= c->wait_until))
		pc_timeout(c, now);
}

int
probe_conn_done(const struct probe_conn *c)
{
	return c->st == PC_DONE;
}

void
probe_conn_free(struct probe_conn *c)
{
	if (c == NULL)
		return;
	if (c->st != PC_DONE)
		pc_finish(c, PO_ERROR, "abandoned");
	buf_free(&c->out);
	free(c);
}
