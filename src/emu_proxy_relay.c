/* emu_proxy_relay.c - a connection's bytes: recv, the engine, send. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "emu_proxy.h"
#include "emu_proxy_int.h"
#include "mg_limits.h"
#include "util.h"

size_t
emu_proxy_pending(const struct emu_proxy_conn *c, enum emu_proxy_sidx s)
{
	return c->side[s].out.len - c->side[s].outoff;
}

/* Straight to the socket when nothing waits for it; what it does not
 * take waits in out, and the write event is armed.  A failed side takes
 * nothing more (its err is acted on by emu_proxy_settle()). */
void
emu_proxy_send(struct emu_proxy_conn *c, enum emu_proxy_sidx s,
    const void *p, size_t n)
{
	struct emu_proxy_side *side = &c->side[s];
	ssize_t w = 0;

	if (n == 0 || side->fd == -1 || side->err != 0)
		return;
	if (emu_proxy_pending(c, s) == 0) {
		w = send(side->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w == (ssize_t)n)
			return;
		if (w == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR) {
			side->err = errno;
			return;
		}
		if (w < 0)
			w = 0;
	}
	if (buf_append(&side->out, (const uint8_t *)p + w,
	    n - (size_t)w) == -1) {
		/* Cannot happen while reads stop on pending output; if it
		 * did, losing bytes silently would be worse. */
		side->err = ENOBUFS;
		return;
	}
	if (!side->writing)
		(void)event_add(side->wr, NULL);
	side->writing = 1;
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
		emu_proxy_send(c, EMU_PROXY_CLI, c->act.inject.data,
		    c->act.inject.len);
	emu_proxy_closing(c);
}

/* Inspection stopped (TLS): what the engine held goes out untouched. */
static void
emu_proxy_passthrough(struct emu_proxy_conn *c)
{
	c->pass = 1;
	emu_proxy_send(c, EMU_PROXY_UP, c->hold[EMU_C2S].data,
	    c->hold[EMU_C2S].len);
	emu_proxy_send(c, EMU_PROXY_CLI, c->hold[EMU_S2C].data,
	    c->hold[EMU_S2C].len);
	buf_reset(&c->hold[EMU_C2S]);
	buf_reset(&c->hold[EMU_S2C]);
}

/*
 * One segment through the engine, in place in seg[0..len): send the kept
 * bytes on, keep the held tail for the next segment of direction d, send
 * the box's own bytes back to the sender.  0, or -1 when the connection
 * was dropped.
 */
static int
emu_proxy_segment(struct emu_proxy_conn *c, enum emu_dir d, uint8_t *seg,
    size_t len)
{
	size_t hold, n;

	(void)emu_rewrite_segment(c->ec, d, seg, len, &c->act);
	hold = c->act.hold <= len ? c->act.hold : 0;
	(void)buf_append(&c->hold[d], seg + len - hold, hold);
	if (c->act.drop) {
		emu_proxy_drop(c, d);
		return -1;
	}
	n = emu_actions_compact(&c->act, seg, len - hold);
	emu_proxy_send(c, (enum emu_proxy_sidx)!d, seg, n);
	if (c->act.inject.len > 0)
		emu_proxy_send(c, (enum emu_proxy_sidx)d, c->act.inject.data,
		    c->act.inject.len);
	if (c->act.passthrough)
		emu_proxy_passthrough(c);
	return 0;
}

/* Held bytes of direction d, decided without hold (emu_rewrite.h: END OF
 * STREAM) and sent on; hold mode comes back for the other direction. */
static void
emu_proxy_flush_held(struct emu_proxy_conn *c, enum emu_dir d)
{
	uint8_t *rb = c->px->rbuf;
	size_t len = c->hold[d].len;

	if (len == 0 || c->pass)
		return;
	memcpy(rb, c->hold[d].data, len);
	buf_reset(&c->hold[d]);
	emu_conn_set_hold(c->ec, 0);
	if (emu_proxy_segment(c, d, rb, len) == 0) {
		/* nothing more can be held in d: it has ended */
		buf_reset(&c->hold[d]);
		emu_conn_set_hold(c->ec, 1);
	}
}

/* Direction d's source has closed (recv() returned 0). */
static void
emu_proxy_eof(struct emu_proxy_conn *c, enum emu_dir d)
{
	struct emu_proxy_side *up = &c->side[EMU_PROXY_UP];

	c->side[d].eof = 1;
	emu_proxy_flush_held(c, d);
	if (c->closing)
		return;
	if (d == EMU_S2C) {
		emu_proxy_up_gone(c, 1, 0);
		return;
	}
	/* Half-close: pass the client's FIN on once its bytes are out, and
	 * keep relaying the server's answer. */
	if (emu_proxy_pending(c, EMU_PROXY_UP) == 0)
		(void)shutdown(up->fd, SHUT_WR);
	else
		up->shut = 1;
}

/* One recv() from d's source is one segment; returns the bytes read (0:
 * nothing more to read now, or the side ended or failed). */
static size_t
emu_proxy_read1(struct emu_proxy_conn *c, enum emu_dir d)
{
	struct emu_proxy_side *src = &c->side[d];
	uint8_t *rb = c->px->rbuf;
	size_t hl = c->hold[d].len;
	ssize_t n;

	n = recv(src->fd, rb + hl, MG_EMU_READ_MAX, 0);
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			src->err = errno;
		return 0;
	}
	if (n == 0) {
		emu_proxy_eof(c, d);
		return 0;
	}
	emu_proxy_touch(c);
	if (c->pass) {
		/* nothing is held once inspection has stopped: hl is 0 */
		emu_proxy_send(c, (enum emu_proxy_sidx)!d, rb + hl, (size_t)n);
		return (size_t)n;
	}
	if (d == EMU_S2C)
		emu_proxy_track(c, rb + hl, (size_t)n);
	/* Held bytes go in front of the new ones (emu_rewrite.h USE). */
	if (hl > 0)
		memcpy(rb, c->hold[d].data, hl);
	buf_reset(&c->hold[d]);
	if (emu_proxy_segment(c, d, rb, hl + (size_t)n) == -1)
		return 0;
	return (size_t)n;
}

static void
emu_proxy_readable(struct emu_proxy_conn *c, enum emu_dir d)
{
	int i;

	for (i = 0; i < EMU_PROXY_READS_MAX; i++) {
		/* a full read may have left more; anything waiting for
		 * the other side stops the loop (backpressure) */
		if (emu_proxy_read1(c, d) < MG_EMU_READ_MAX || c->closing ||
		    c->side[d].err != 0 ||
		    emu_proxy_pending(c, (enum emu_proxy_sidx)!d) > 0)
			break;
	}
	emu_proxy_settle(c);
}

void
emu_proxy_cli_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	emu_proxy_readable(arg, EMU_C2S);
}

void
emu_proxy_up_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	emu_proxy_readable(arg, EMU_S2C);
}

/* Side s can take more: write what waits, then reading may resume. */
static void
emu_proxy_writable(struct emu_proxy_conn *c, enum emu_proxy_sidx s)
{
	struct emu_proxy_side *side = &c->side[s];
	size_t left = emu_proxy_pending(c, s);
	ssize_t w;

	w = send(side->fd, side->out.data + side->outoff, left,
	    MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			side->err = errno;
		emu_proxy_settle(c);
		return;
	}
	side->outoff += (size_t)w;
	if (side->outoff < side->out.len) {
		emu_proxy_settle(c);
		return;
	}
	if (side->out.size > EMU_PROXY_OUT_KEEP)
		buf_free(&side->out);
	else
		buf_reset(&side->out);
	side->outoff = 0;
	(void)event_del(side->wr);
	side->writing = 0;
	if (side->shut) {
		side->shut = 0;
		(void)shutdown(side->fd, SHUT_WR);
	}
	if (c->closing && s == EMU_PROXY_CLI) {
		emu_proxy_conn_free(c);
		return;
	}
	emu_proxy_settle(c);
}

void
emu_proxy_cli_writable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	emu_proxy_writable(arg, EMU_PROXY_CLI);
}

void
emu_proxy_up_writable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	emu_proxy_writable(arg, EMU_PROXY_UP);
}
