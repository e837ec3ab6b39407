/* emu_proxy_conn.c - one relayed connection: client, upstream, engine. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
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

static void emu_proxy_cli_read(struct bufferevent *, void *);
static void emu_proxy_cli_write(struct bufferevent *, void *);
static void emu_proxy_cli_event(struct bufferevent *, short, void *);
static void emu_proxy_up_read(struct bufferevent *, void *);
static void emu_proxy_up_write(struct bufferevent *, void *);
static void emu_proxy_up_event(struct bufferevent *, short, void *);

static void
emu_proxy_touch(struct emu_proxy_conn *c)
{
	struct timeval tv = { c->px->cfg.idle_sec ? c->px->cfg.idle_sec :
	    EMU_PROXY_IDLE_SEC_DEFAULT, 0 };

	if (!c->closing)
		(void)evtimer_add(c->timer, &tv);
}

/* Stop reading, drop the upstream, flush the client, then free (from the
 * client's write callback or the linger timer, never right here). */
static void
emu_proxy_closing(struct emu_proxy_conn *c)
{
	struct timeval now = { 0, 0 }, linger = { EMU_PROXY_LINGER_SEC, 0 };

	c->closing = 1;
	if (c->up != NULL) {
		bufferevent_free(c->up);
		c->up = NULL;
	}
	bufferevent_disable(c->cli, EV_READ);
	bufferevent_setwatermark(c->cli, EV_WRITE, 0, 0);
	bufferevent_enable(c->cli, EV_WRITE);
	if (evbuffer_get_length(bufferevent_get_output(c->cli)) == 0)
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
		(void)bufferevent_write(c->cli, "\r\n", 2);
	(void)bufferevent_write(c->cli, reply, strlen(reply));
	emu_proxy_closing(c);
}

static void
emu_proxy_timer(evutil_socket_t fd, short what, void *arg)
{
	struct emu_proxy_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->closing) {
		emu_proxy_conn_free(c);
		return;
	}
	c->px->st.idle_closed++;
	emu_log_printf(c->px->cfg.log, "connection %lu from %s: idle for "
	    "%u s; client told 421", c->id, c->cli_text,
	    c->px->cfg.idle_sec ? c->px->cfg.idle_sec :
	    EMU_PROXY_IDLE_SEC_DEFAULT);
	if (!c->pass) {
		/* Inside TLS a plain 421 would only be garbage. */
		if (c->linepos > 0)
			(void)bufferevent_write(c->cli, "\r\n", 2);
		(void)bufferevent_write(c->cli, emu_proxy_421_idle,
		    sizeof(emu_proxy_421_idle) - 1);
	}
	emu_proxy_closing(c);
}

struct emu_proxy_conn *
emu_proxy_conn_new(struct emu_proxy *px, int fd)
{
	struct emu_proxy_conn *c = xcalloc(1, sizeof(*c));

	c->px = px;
	c->id = ++px->next_id;
	c->cli = bufferevent_socket_new(px->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->timer = evtimer_new(px->base, emu_proxy_timer, c);
	if (c->cli == NULL || c->timer == NULL)
		fatal(1, "out of memory for connection %lu", c->id);
	bufferevent_setcb(c->cli, emu_proxy_cli_read, emu_proxy_cli_write,
	    emu_proxy_cli_event, c);
	bufferevent_setwatermark(c->cli, EV_WRITE, MG_EMU_CONN_BUF_MAX / 2, 0);
	emu_peers_init(&c->peers);
	buf_init(&c->seg, EMU_PROXY_SEG_MAX + MG_EMU_CONN_BUF_MAX);
	buf_init(&c->hold[EMU_C2S], MG_EMU_CONN_BUF_MAX);
	buf_init(&c->hold[EMU_S2C], MG_EMU_CONN_BUF_MAX);
	emu_actions_init(&c->act);
	TAILQ_INSERT_TAIL(&px->conns, c, link);
	px->nconns++;
	emu_proxy_touch(c);
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
	if (c->up != NULL)
		bufferevent_free(c->up);
	bufferevent_free(c->cli);
	event_free(c->timer);
	emu_conn_free(c->ec);
	emu_actions_free(&c->act);
	buf_free(&c->seg);
	buf_free(&c->hold[EMU_C2S]);
	buf_free(&c->hold[EMU_S2C]);
	free(c);
	emu_proxy_conn_gone(px);
}

/* The upstream is there: start the engine and both directions. */
static void
emu_proxy_conn_ready(struct emu_proxy_conn *c)
{
	c->up_ok = 1;
	c->ec = emu_conn_new(c->px->cfg.profile, c->px->cfg.log, &c->peers);
	emu_conn_set_hold(c->ec, 1);
	bufferevent_set_timeouts(c->up, NULL, NULL);
	bufferevent_setwatermark(c->up, EV_WRITE, MG_EMU_CONN_BUF_MAX / 2, 0);
	bufferevent_enable(c->up, EV_READ | EV_WRITE);
	bufferevent_enable(c->cli, EV_READ | EV_WRITE);
	emu_proxy_touch(c);
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
		c->px->st.upstream_failed++;
		emu_proxy_conn_fail(c, "socketpair", errno);
		return;
	}
	if (emu_server_net_serve(c->px->srv, sv[1], c->peers.client_ip,
	    errbuf) == -1) {
		(void)close(sv[0]);
		c->px->st.upstream_failed++;
		emu_proxy_conn_fail(c, errbuf, 0);
		return;
	}
	c->up = bufferevent_socket_new(c->px->base, sv[0],
	    BEV_OPT_CLOSE_ON_FREE);
	if (c->up == NULL)
		fatal(1, "out of memory for connection %lu", c->id);
	bufferevent_setcb(c->up, emu_proxy_up_read, emu_proxy_up_write,
	    emu_proxy_up_event, c);
	emu_proxy_conn_ready(c);
}

void
emu_proxy_conn_connect(struct emu_proxy_conn *c,
    const struct emu_proxy_addr *dst)
{
	struct timeval tv = { EMU_PROXY_CONNECT_SEC, 0 };

	c->up = bufferevent_socket_new(c->px->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->up == NULL)
		fatal(1, "out of memory for connection %lu", c->id);
	bufferevent_setcb(c->up, emu_proxy_up_read, emu_proxy_up_write,
	    emu_proxy_up_event, c);
	bufferevent_set_timeouts(c->up, NULL, &tv);
	errno = 0;
	if (bufferevent_socket_connect(c->up, (const struct sockaddr *)&dst->ss,
	    (int)dst->len) == -1) {
		c->px->st.upstream_failed++;
		emu_proxy_conn_fail(c, "connect", errno);
	}
}

/* Follow the server's reply lines (RFC 5321 4.2.1: "DDD-" continues,
 * "DDD " ends a reply), to know whether it closed after 221/421. */
static void
emu_proxy_track(struct emu_proxy_conn *c, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			if (c->linepos >= 4 && c->code[3] != '-')
				c->closing_reply =
				    memcmp(c->code, "221", 3) == 0 ||
				    memcmp(c->code, "421", 3) == 0;
			c->linepos = 0;
			continue;
		}
		if (c->linepos < 4)
			c->code[c->linepos] = (char)p[i];
		c->linepos++;
	}
}

static void
emu_proxy_drop(struct emu_proxy_conn *c, enum emu_dir d)
{
	c->px->st.dropped++;
	emu_log_printf(c->px->cfg.log, "connection %lu from %s: dropped by "
	    "profile %s", c->id, c->cli_text, c->px->cfg.profile->name);
	if (d == EMU_C2S && c->act.inject.len > 0)
		(void)bufferevent_write(c->cli, c->act.inject.data,
		    c->act.inject.len);
	emu_proxy_closing(c);
}

/* Inspection stopped (TLS): what the engine held goes out untouched. */
static void
emu_proxy_passthrough(struct emu_proxy_conn *c)
{
	c->pass = 1;
	if (c->hold[EMU_C2S].len > 0 && c->up != NULL)
		(void)bufferevent_write(c->up, c->hold[EMU_C2S].data,
		    c->hold[EMU_C2S].len);
	if (c->hold[EMU_S2C].len > 0)
		(void)bufferevent_write(c->cli, c->hold[EMU_S2C].data,
		    c->hold[EMU_S2C].len);
	buf_reset(&c->hold[EMU_C2S]);
	buf_reset(&c->hold[EMU_S2C]);
}

/*
 * One segment through the engine, in place in seg[0..len): forward the
 * kept bytes with fwd(), keep the held tail, send the box's own bytes back
 * to the sender.  0, or -1 when the connection was dropped.
 */
static int
emu_proxy_segment(struct emu_proxy_conn *c, enum emu_dir d, uint8_t *seg,
    size_t len, size_t *fwd)
{
	struct bufferevent *src = d == EMU_C2S ? c->cli : c->up;
	size_t hold;

	(void)emu_rewrite_segment(c->ec, d, seg, len, &c->act);
	hold = c->act.hold <= len ? c->act.hold : 0;
	(void)buf_append(&c->hold[d], seg + len - hold, hold);
	if (c->act.drop) {
		emu_proxy_drop(c, d);
		return -1;
	}
	*fwd = emu_actions_compact(&c->act, seg, len - hold);
	if (c->act.inject.len > 0)
		(void)bufferevent_write(src, c->act.inject.data,
		    c->act.inject.len);
	return 0;
}

/* Take what one side sent, one read at a time, through the engine.  The
 * usual case rewrites inside the input buffer and moves the bytes to the
 * other side without copying; held bytes from the previous read force a
 * copy to put them in front. */
static void
emu_proxy_relay(struct emu_proxy_conn *c, enum emu_dir d)
{
	struct bufferevent *src = d == EMU_C2S ? c->cli : c->up;
	struct bufferevent *dst = d == EMU_C2S ? c->up : c->cli;
	struct evbuffer *in = bufferevent_get_input(src);
	struct evbuffer *out = bufferevent_get_output(dst);
	size_t len, n = 0;
	uint8_t *p;

	while (!c->closing && (len = evbuffer_get_length(in)) > 0) {
		if (c->pass) {
			(void)evbuffer_add_buffer(out, in);
			break;
		}
		if (len > EMU_PROXY_SEG_MAX)
			len = EMU_PROXY_SEG_MAX;
		p = evbuffer_pullup(in, (ssize_t)len);
		if (d == EMU_S2C)
			emu_proxy_track(c, p, len);
		if (c->hold[d].len == 0) {
			if (emu_proxy_segment(c, d, p, len, &n) == -1)
				return;
			(void)evbuffer_remove_buffer(in, out, n);
			(void)evbuffer_drain(in, len - n);
		} else {
			buf_reset(&c->seg);
			(void)buf_append(&c->seg, c->hold[d].data,
			    c->hold[d].len);
			buf_reset(&c->hold[d]);
			(void)buf_append(&c->seg, p, len);
			(void)evbuffer_drain(in, len);
			if (emu_proxy_segment(c, d, c->seg.data, c->seg.len,
			    &n) == -1)
				return;
			(void)evbuffer_add(out, c->seg.data, n);
		}
		if (c->act.passthrough)
			emu_proxy_passthrough(c);
	}
	if (!c->closing && evbuffer_get_length(out) > MG_EMU_CONN_BUF_MAX) {
		/* The other side is slow: stop reading this one. */
		bufferevent_disable(src, EV_READ);
		c->throttled[d] = 1;
	}
}

static void
emu_proxy_cli_read(struct bufferevent *bev, void *arg)
{
	struct emu_proxy_conn *c = arg;

	(void)bev;
	emu_proxy_touch(c);
	if (c->up_ok && c->up != NULL)
		emu_proxy_relay(c, EMU_C2S);
}

static void
emu_proxy_up_read(struct bufferevent *bev, void *arg)
{
	struct emu_proxy_conn *c = arg;

	(void)bev;
	emu_proxy_touch(c);
	emu_proxy_relay(c, EMU_S2C);
}

static void
emu_proxy_cli_write(struct bufferevent *bev, void *arg)
{
	struct emu_proxy_conn *c = arg;
	size_t left = evbuffer_get_length(bufferevent_get_output(bev));

	if (c->closing) {
		if (left == 0)
			emu_proxy_conn_free(c);
		return;
	}
	if (c->throttled[EMU_S2C] && c->up != NULL &&
	    left <= MG_EMU_CONN_BUF_MAX / 2) {
		c->throttled[EMU_S2C] = 0;
		bufferevent_enable(c->up, EV_READ);
	}
}

static void
emu_proxy_up_write(struct bufferevent *bev, void *arg)
{
	struct emu_proxy_conn *c = arg;
	size_t left = evbuffer_get_length(bufferevent_get_output(bev));

	if (c->up_shut_pending && left == 0) {
		c->up_shut_pending = 0;
		(void)shutdown(bufferevent_getfd(bev), SHUT_WR);
	}
	if (c->throttled[EMU_C2S] && !c->cli_eof &&
	    left <= MG_EMU_CONN_BUF_MAX / 2) {
		c->throttled[EMU_C2S] = 0;
		bufferevent_enable(c->cli, EV_READ);
	}
}

static void
emu_proxy_cli_event(struct bufferevent *bev, short what, void *arg)
{
	struct emu_proxy_conn *c = arg;

	(void)bev;
	if ((what & BEV_EVENT_ERROR) || c->closing || !c->up_ok ||
	    c->up == NULL) {
		emu_proxy_conn_free(c);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		/* Half-close: pass the client's FIN on once its bytes are
		 * out, and keep relaying the server's answer. */
		c->cli_eof = 1;
		buf_reset(&c->hold[EMU_C2S]);
		if (evbuffer_get_length(bufferevent_get_output(c->up)) == 0)
			(void)shutdown(bufferevent_getfd(c->up), SHUT_WR);
		else
			c->up_shut_pending = 1;
	}
}

static void
emu_proxy_up_event(struct bufferevent *bev, short what, void *arg)
{
	struct emu_proxy_conn *c = arg;
	int err = EVUTIL_SOCKET_ERROR();

	if (what & BEV_EVENT_CONNECTED) {
		emu_proxy_nodelay(bufferevent_getfd(bev));
		emu_proxy_conn_ready(c);
		return;
	}
	if (!c->up_ok) {
		c->px->st.upstream_failed++;
		if (what & BEV_EVENT_TIMEOUT)
			emu_proxy_conn_fail(c, "connect timed out", 0);
		else
			emu_proxy_conn_fail(c, "connect",
			    err == 0 || err == EINPROGRESS || err == EAGAIN ?
			    ECONNREFUSED : err);
		return;
	}
	if ((c->closing_reply && c->linepos == 0) || c->cli_eof || c->pass) {
		/* It said goodbye (221/421), or answers a client that has
		 * already left, or speaks TLS (a plain 421 would only be
		 * garbage inside it): just pass the close on. */
		emu_proxy_closing(c);
		return;
	}
	/* Gone before its final word: the client must not wait for a 250
	 * that will never come, nor get one (safety invariant). */
	emu_proxy_conn_fail(c, (what & BEV_EVENT_EOF) ?
	    "closed the connection before its final reply" :
	    "connection error", (what & BEV_EVENT_EOF) ? 0 : err);
}
