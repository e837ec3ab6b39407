/* emu_proxy_conn.c - one relayed connection's life: upstream, timers, close. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "emu_proxy.h"
#include "emu_proxy_int.h"
#include "mg_limits.h"
#include "util.h"

/* The proxy's own replies (RFC 5321 3.8: 421 and close; RFC 3463 4.4.1
 * no answer from host, 4.4.2 bad connection). */
static const char emu_proxy_421_connect[] =
    "421 4.4.1 upstream unavailable, closing connection\r\n";
static const char emu_proxy_421_lost[] =
    "421 4.4.2 upstream connection lost, closing connection\r\n";
static const char emu_proxy_421_idle[] =
    "421 4.4.2 idle timeout, closing connection\r\n";

static unsigned
emu_proxy_idle_sec(const struct emu_proxy_conn *c)
{
	return c->px->cfg.idle_sec ? c->px->cfg.idle_sec :
	    EMU_PROXY_IDLE_SEC_DEFAULT;
}

/* Monotonic (a wall-clock step must not look like silence); a vDSO
 * call, no system call per read. */
static int64_t
emu_proxy_now_us(void)
{
	return (int64_t)util_mono_us();
}

/* The idle timer is armed once and, when it fires early because bytes
 * came meanwhile, re-armed for the rest: no timer work per read. */
void
emu_proxy_touch(struct emu_proxy_conn *c)
{
	c->last_us = emu_proxy_now_us();
}

static void
emu_proxy_side_init(struct emu_proxy_side *s)
{
	s->fd = -1;
	buf_init(&s->out, EMU_PROXY_OUT_MAX);
}

/* Events, socket and buffer of one side; the side can be closed twice. */
static void
emu_proxy_side_close(struct emu_proxy_side *s)
{
	if (s->rd != NULL)
		event_free(s->rd);
	if (s->wr != NULL)
		event_free(s->wr);
	s->rd = s->wr = NULL;
	s->reading = s->writing = 0;
	if (s->fd != -1)
		(void)close(s->fd);
	s->fd = -1;
	s->err = 0;
	buf_free(&s->out);
	s->outoff = 0;
}

void
emu_proxy_closing(struct emu_proxy_conn *c)
{
	struct timeval now = { 0, 0 }, linger = { EMU_PROXY_LINGER_SEC, 0 };
	struct emu_proxy_side *cli = &c->side[EMU_PROXY_CLI];

	c->closing = 1;
	emu_proxy_side_close(&c->side[EMU_PROXY_UP]);
	if (cli->reading)
		(void)event_del(cli->rd);
	cli->reading = 0;
	if (emu_proxy_pending(c, EMU_PROXY_CLI) == 0 || cli->err != 0)
		(void)evtimer_add(c->timer, &now);
	else
		(void)evtimer_add(c->timer, &linger);
}

void
emu_proxy_conn_fail(struct emu_proxy_conn *c, const char *why, int err)
{
	const char *reply = c->up_ok ? emu_proxy_421_lost :
	    emu_proxy_421_connect;

	emu_log_printf(c->px->cfg.log, "connection %lu from %s: upstream %s: "
	    "%s%s%s; client told 421", c->id, c->cli_text, c->up_text, why,
	    err ? ": " : "", err ? strerror(err) : "");
	if (c->linepos > 0)
		emu_proxy_send(c, EMU_PROXY_CLI, "\r\n", 2);
	emu_proxy_send(c, EMU_PROXY_CLI, reply, strlen(reply));
	emu_proxy_closing(c);
}

void
emu_proxy_up_gone(struct emu_proxy_conn *c, int eof, int err)
{
	if ((c->closing_reply && c->linepos == 0) ||
	    c->side[EMU_PROXY_CLI].eof || c->pass) {
		/* It said goodbye (221/421), or answers a client that has
		 * already left, or speaks TLS (a plain 421 would only be
		 * garbage inside it): just pass the close on. */
		emu_proxy_closing(c);
		return;
	}
	/* Gone before its final word: the client must not wait for a 250
	 * that will never come, nor get one (safety invariant). */
	emu_proxy_conn_fail(c, eof ? "closed the connection before its "
	    "final reply" : "connection error", eof ? 0 : err);
}

static void
emu_proxy_idle(struct emu_proxy_conn *c)
{
	c->px->st.idle_closed++;
	emu_log_printf(c->px->cfg.log, "connection %lu from %s: idle for "
	    "%u s; client told 421", c->id, c->cli_text,
	    emu_proxy_idle_sec(c));
	if (!c->pass) {
		/* Inside TLS a plain 421 would only be garbage. */
		if (c->linepos > 0)
			emu_proxy_send(c, EMU_PROXY_CLI, "\r\n", 2);
		emu_proxy_send(c, EMU_PROXY_CLI, emu_proxy_421_idle,
		    sizeof(emu_proxy_421_idle) - 1);
	}
	emu_proxy_closing(c);
}

static void
emu_proxy_timer(evutil_socket_t fd, short what, void *arg)
{
	struct emu_proxy_conn *c = arg;
	int64_t idle = (int64_t)emu_proxy_idle_sec(c) * 1000000;
	int64_t quiet = emu_proxy_now_us() - c->last_us;
	struct timeval tv;

	(void)fd;
	(void)what;
	if (c->closing) {
		emu_proxy_conn_free(c);
		return;
	}
	if (quiet >= 0 && quiet < idle) {
		idle -= quiet;
		tv.tv_sec = (time_t)(idle / 1000000);
		tv.tv_usec = (suseconds_t)(idle % 1000000);
		(void)evtimer_add(c->timer, &tv);
		return;
	}
	emu_proxy_idle(c);
	emu_proxy_settle(c);
}

struct emu_proxy_conn *
emu_proxy_conn_new(struct emu_proxy *px, int fd)
{
	struct emu_proxy_conn *c = xcalloc(1, sizeof(*c));
	struct emu_proxy_side *cli = &c->side[EMU_PROXY_CLI];
	struct timeval tv;

	c->px = px;
	c->id = ++px->next_id;
	emu_proxy_side_init(&c->side[EMU_PROXY_CLI]);
	emu_proxy_side_init(&c->side[EMU_PROXY_UP]);
	cli->fd = fd;
	cli->rd = event_new(px->base, fd, EV_READ | EV_PERSIST,
	    emu_proxy_cli_readable, c);
	cli->wr = event_new(px->base, fd, EV_WRITE | EV_PERSIST,
	    emu_proxy_cli_writable, c);
	c->timer = evtimer_new(px->base, emu_proxy_timer, c);
	if (cli->rd == NULL || cli->wr == NULL || c->timer == NULL)
		fatal(1, "out of memory for connection %lu", c->id);
	emu_peers_init(&c->peers);
	buf_init(&c->hold[EMU_C2S], EMU_PROXY_HOLD_MAX);
	buf_init(&c->hold[EMU_S2C], EMU_PROXY_HOLD_MAX);
	emu_actions_init(&c->act);
	TAILQ_INSERT_TAIL(&px->conns, c, link);
	px->nconns++;
	emu_proxy_touch(c);
	tv.tv_sec = (time_t)emu_proxy_idle_sec(c);
	tv.tv_usec = 0;
	(void)evtimer_add(c->timer, &tv);
	return c;
}

void
emu_proxy_conn_free(struct emu_proxy_conn *c)
{
	struct emu_proxy *px;

	if (c == NULL)
		return;
	px = c->px;
	TAILQ_REMOVE(&px->conns, c, link);
	px->nconns--;
	emu_proxy_side_close(&c->side[EMU_PROXY_UP]);
	emu_proxy_side_close(&c->side[EMU_PROXY_CLI]);
	event_free(c->timer);
	emu_conn_free(c->ec);
	emu_actions_free(&c->act);
	buf_free(&c->hold[EMU_C2S]);
	buf_free(&c->hold[EMU_S2C]);
	free(c);
	emu_proxy_conn_gone(px);
}

/* The upstream is there: start the engine and both directions. */
static void
emu_proxy_conn_ready(struct emu_proxy_conn *c)
{
	struct emu_proxy_side *up = &c->side[EMU_PROXY_UP];

	c->up_ok = 1;
	c->ec = emu_conn_new(c->px->cfg.profile, c->px->cfg.log, &c->peers);
	emu_conn_set_hold(c->ec, 1);
	if (up->wr != NULL)
		event_free(up->wr);
	up->rd = event_new(c->px->base, up->fd, EV_READ | EV_PERSIST,
	    emu_proxy_up_readable, c);
	up->wr = event_new(c->px->base, up->fd, EV_WRITE | EV_PERSIST,
	    emu_proxy_up_writable, c);
	if (up->rd == NULL || up->wr == NULL)
		fatal(1, "out of memory for connection %lu", c->id);
	up->writing = 0;
	emu_proxy_touch(c);
}

/* No socket for the upstream: out of descriptors also pauses accept
 * (more clients would only get the same 421). */
static void
emu_proxy_no_socket(struct emu_proxy_conn *c, const char *what, int err)
{
	c->px->st.upstream_failed++;
	if (err == EMFILE || err == ENFILE)
		emu_proxy_pause_accept(c->px, what, err);
	emu_proxy_conn_fail(c, what, err);
}

void
emu_proxy_conn_builtin(struct emu_proxy_conn *c)
{
	char errbuf[MG_ERRBUF_SIZE];
	int sv[2];

	/* The built-in server runs in this loop, at the far end of a
	 * socketpair: the relay treats it like any upstream. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) == -1) {
		emu_proxy_no_socket(c, "socketpair", errno);
		return;
	}
	if (emu_server_net_serve(c->px->srv, sv[1], c->peers.client_ip,
	    errbuf) == -1) {
		(void)close(sv[0]);
		c->px->st.upstream_failed++;
		emu_proxy_conn_fail(c, errbuf, 0);
		return;
	}
	c->side[EMU_PROXY_UP].fd = sv[0];
	emu_proxy_conn_ready(c);
	emu_proxy_settle(c);
}

/* The non-blocking connect() finished, failed or timed out. */
static void
emu_proxy_up_connecting(evutil_socket_t fd, short what, void *arg)
{
	struct emu_proxy_conn *c = arg;
	socklen_t len = sizeof(int);
	int err = 0;

	c->side[EMU_PROXY_UP].writing = 0;
	if (what & EV_TIMEOUT) {
		c->px->st.upstream_failed++;
		emu_proxy_conn_fail(c, "connect timed out", 0);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		c->px->st.upstream_failed++;
		emu_proxy_conn_fail(c, "connect", err);
		return;
	}
	emu_proxy_conn_ready(c);
	emu_proxy_settle(c);
}

void
emu_proxy_conn_connect(struct emu_proxy_conn *c,
    const struct emu_proxy_addr *dst)
{
	struct timeval tv = { EMU_PROXY_CONNECT_SEC, 0 };
	struct emu_proxy_side *up = &c->side[EMU_PROXY_UP];

	up->fd = socket(dst->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (up->fd == -1) {
		emu_proxy_no_socket(c, "socket", errno);
		return;
	}
	emu_proxy_nodelay(up->fd);
	if (connect(up->fd, (const struct sockaddr *)&dst->ss,
	    dst->len) == 0) {
		emu_proxy_conn_ready(c);
		emu_proxy_settle(c);
		return;
	}
	/* On loopback the handshake (or the RST) has usually been processed
	 * inside connect() already: asking again says so at once (0 or
	 * EISCONN, or the error), which saves a loop turn, two epoll_ctl
	 * and a getsockopt per connection; otherwise wait for EV_WRITE. */
	if (errno == EINPROGRESS && (connect(up->fd,
	    (const struct sockaddr *)&dst->ss, dst->len) == 0 ||
	    errno == EISCONN)) {
		emu_proxy_conn_ready(c);
		emu_proxy_settle(c);
		return;
	}
	if (errno != EINPROGRESS && errno != EALREADY) {
		c->px->st.upstream_failed++;
		emu_proxy_conn_fail(c, "connect", errno);
		return;
	}
	up->wr = event_new(c->px->base, up->fd, EV_WRITE,
	    emu_proxy_up_connecting, c);
	if (up->wr == NULL)
		fatal(1, "out of memory for connection %lu", c->id);
	(void)event_add(up->wr, &tv);
	up->writing = 1;
}

/* Which sides to read: a side is read while the engine can take its
 * bytes, i.e. nothing waits for the other side's socket (backpressure)
 * and the box's replies to it are not piling up. */
static void
emu_proxy_reads(struct emu_proxy_conn *c)
{
	struct emu_proxy_side *s;
	int d, want;

	for (d = 0; d < 2; d++) {
		s = &c->side[d];
		want = c->up_ok && !c->closing && !s->eof && s->fd != -1 &&
		    c->side[!d].fd != -1 && emu_proxy_pending(c,
		    (enum emu_proxy_sidx)!d) == 0 && emu_proxy_pending(c,
		    (enum emu_proxy_sidx)d) <= EMU_PROXY_OUT_MAX / 2;
		if (want && !s->reading)
			(void)event_add(s->rd, NULL);
		else if (!want && s->reading)
			(void)event_del(s->rd);
		s->reading = want;
	}
}

void
emu_proxy_settle(struct emu_proxy_conn *c)
{
	struct emu_proxy_side *up = &c->side[EMU_PROXY_UP];

	if (c->side[EMU_PROXY_CLI].err != 0) {
		/* The client is gone (reset): nobody to tell anything. */
		emu_proxy_conn_free(c);
		return;
	}
	if (up->err != 0 && !c->closing)
		emu_proxy_up_gone(c, 0, up->err);
	emu_proxy_reads(c);
}
