/* emu_proxy.c - the live proxy: listener, upstream connections, shutdown. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "emu_proxy.h"
#include "emu_proxy_int.h"
#include "mg_limits.h"
#include "util.h"

/* netfilter's getsockopt for the pre-NAT destination
 * (linux/netfilter_ipv4.h, linux/netfilter_ipv6/ip6_tables.h); defined
 * here because those headers clash with netinet/in.h. */
#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST		80
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST	80
#endif

static const char emu_proxy_421_cap[] = "421 4.3.2 too many connections\r\n";
static const char emu_proxy_421_stop[] =
    "421 4.3.2 service shutting down, closing connection\r\n";

void
emu_proxy_nodelay(int fd)
{
	int one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void
emu_proxy_peer_fill(char *ip, size_t ipsize, uint16_t *port,
    const struct sockaddr *sa)
{
	char text[EMU_PROXY_ADDR_MAX], *c;

	emu_proxy_addr_format(sa, text, sizeof(text));
	c = strrchr(text, ':');
	if (c == NULL) {
		util_strlcpy(ip, "0.0.0.0", ipsize);
		*port = 0;
		return;
	}
	*c = '\0';
	if (text[0] == '[') {
		text[strlen(text) - 1] = '\0';
		util_strlcpy(ip, text + 1, ipsize);
	} else
		util_strlcpy(ip, text, ipsize);
	*port = sa->sa_family == AF_INET6 ?
	    ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port) :
	    ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
}

/* Same family, address and port (the rest of a sockaddr may differ). */
static int
emu_proxy_same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (a->sa_family == AF_INET6)
		return a6->sin6_port == b6->sin6_port &&
		    memcmp(&a6->sin6_addr, &b6->sin6_addr, 16) == 0;
	return 0;
}

/* --transparent: where the client meant to go before nftables redirected
 * it to us (lab notes: "redirect to :PORT" + SO_ORIGINAL_DST).  A
 * connection that was not redirected reports our own address: 1 then, so
 * the caller refuses it instead of connecting to itself in a loop. */
static int
emu_proxy_original_dst(int fd, int family, struct emu_proxy_addr *out)
{
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);

	memset(out, 0, sizeof(*out));
	out->len = sizeof(out->ss);
	if (family == AF_INET6) {
		if (getsockopt(fd, IPPROTO_IPV6, IP6T_SO_ORIGINAL_DST,
		    &out->ss, &out->len) == -1)
			return -1;
		out->len = sizeof(struct sockaddr_in6);
	} else {
		if (getsockopt(fd, IPPROTO_IP, SO_ORIGINAL_DST, &out->ss,
		    &out->len) == -1)
			return -1;
		out->len = sizeof(struct sockaddr_in);
	}
	emu_proxy_addr_format((struct sockaddr *)&out->ss, out->text,
	    sizeof(out->text));
	if (getsockname(fd, (struct sockaddr *)&local, &llen) == 0 &&
	    emu_proxy_same_addr((struct sockaddr *)&local,
	    (struct sockaddr *)&out->ss))
		return 1;
	return 0;
}

static void
emu_proxy_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct emu_proxy *px = arg;
	struct emu_proxy_addr dst;
	struct emu_proxy_conn *c;
	int self = 0;
	char peer[EMU_PROXY_ADDR_MAX];
	unsigned max = px->cfg.max_conns ? px->cfg.max_conns :
	    MG_EMU_CONNS_MAX;

	(void)l;
	(void)salen;
	emu_proxy_addr_format(sa, peer, sizeof(peer));
	if (px->nconns >= max) {
		/* Refuse politely: RFC 5321 3.8 lets a server say 421 and
		 * close at any time. */
		(void)send(fd, emu_proxy_421_cap, sizeof(emu_proxy_421_cap) - 1,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		(void)close(fd);
		px->st.refused_cap++;
		/* At most one line a second under a flood. */
		if (util_mono_us() - px->refuse_logged_us < 1000000 &&
		    px->refuse_logged_us != 0) {
			px->refuse_quiet++;
			return;
		}
		emu_log_printf(px->cfg.log, "refused %s: %zu connections open "
		    "(--max-conns %u)%s", peer, px->nconns, max,
		    px->refuse_quiet ? "; more refused, not logged" : "");
		px->refuse_logged_us = util_mono_us();
		px->refuse_quiet = 0;
		return;
	}
#ifndef __linux__
	/* Linux: inherited from the listener (emu_proxy_new) */
	emu_proxy_nodelay(fd);
#endif
	if (px->cfg.transparent) {
		self = emu_proxy_original_dst(fd, sa->sa_family, &dst);
		if (self == -1) {
			emu_log_printf(px->cfg.log, "client %s: no original "
			    "destination (SO_ORIGINAL_DST: %s); is nftables "
			    "redirecting to us?", peer, strerror(errno));
			(void)close(fd);
			px->st.upstream_failed++;
			return;
		}
	} else if (px->cfg.have_upstream)
		dst = px->cfg.upstream;
	c = emu_proxy_conn_new(px, fd);
	emu_proxy_peer_fill(c->peers.client_ip, sizeof(c->peers.client_ip),
	    &c->peers.client_port, sa);
	util_strlcpy(c->cli_text, peer, sizeof(c->cli_text));
	px->st.accepted++;
	if (px->cfg.builtin != NULL) {
		util_strlcpy(c->peers.server_ip, "127.0.0.1",
		    sizeof(c->peers.server_ip));
		c->peers.server_port = 25;
		(void)snprintf(c->up_text, sizeof(c->up_text), "builtin:%s",
		    px->cfg.builtin->name);
		emu_proxy_conn_builtin(c);
	} else {
		emu_proxy_peer_fill(c->peers.server_ip,
		    sizeof(c->peers.server_ip), &c->peers.server_port,
		    (struct sockaddr *)&dst.ss);
		util_strlcpy(c->up_text, dst.text, sizeof(c->up_text));
		if (self == 1) {
			px->st.upstream_failed++;
			emu_proxy_conn_fail(c, "the original destination is "
			    "this proxy (not redirected)", 0);
			return;
		}
		emu_proxy_conn_connect(c, &dst);
	}
}

static void
emu_proxy_backoff_cb(evutil_socket_t fd, short what, void *arg)
{
	struct emu_proxy *px = arg;

	(void)fd;
	(void)what;
	if (px->lst != NULL && !px->stopping)
		(void)evconnlistener_enable(px->lst);
}

void
emu_proxy_pause_accept(struct emu_proxy *px, const char *what, int err)
{
	struct timeval tv = { EMU_PROXY_ACCEPT_BACKOFF_SEC, 0 };

	if (px->lst == NULL || px->stopping || evtimer_pending(px->backoff,
	    NULL))
		return;
	px->st.accept_backoffs++;
	emu_log_printf(px->cfg.log, "%s on %s: %s; pausing accept for %d s, "
	    "%zu connections still served", what, px->bound, strerror(err),
	    EMU_PROXY_ACCEPT_BACKOFF_SEC, px->nconns);
	(void)evconnlistener_disable(px->lst);
	(void)evtimer_add(px->backoff, &tv);
}

/* accept() failed: out of fds or memory pauses accepting for a while and
 * keeps serving the open connections. */
static void
emu_proxy_accept_error(struct evconnlistener *l, void *arg)
{
	struct emu_proxy *px = arg;
	int err = EVUTIL_SOCKET_ERROR();

	(void)l;
	if (err != EMFILE && err != ENFILE && err != ENOBUFS &&
	    err != ENOMEM)
		return;
	emu_proxy_pause_accept(px, "accept", err);
}

static void
emu_proxy_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct emu_proxy *px = arg;
	struct timeval tv = { EMU_PROXY_DRAIN_SEC, 0 };

	(void)what;
	if (px->stopping) {
		event_base_loopbreak(px->base);
		return;
	}
	px->stopping = 1;
	emu_log_printf(px->cfg.log, "signal %d: no new connections; "
	    "draining %zu for up to %d s", (int)sig, px->nconns,
	    EMU_PROXY_DRAIN_SEC);
	if (px->lst != NULL) {
		evconnlistener_free(px->lst);
		px->lst = NULL;
	}
	if (px->nconns == 0)
		event_base_loopbreak(px->base);
	else
		(void)evtimer_add(px->drain, &tv);
}

static void
emu_proxy_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct emu_proxy *px = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(px->base);
}

void
emu_proxy_conn_gone(struct emu_proxy *px)
{
	if (px->stopping && px->nconns == 0)
		event_base_loopbreak(px->base);
}

struct emu_proxy *
emu_proxy_new(const struct emu_proxy_cfg *cfg, char *errbuf)
{
	struct emu_proxy *px = xcalloc(1, sizeof(*px));
	struct emu_server_cfg scfg;
	int fd;

	px->cfg = *cfg;
	TAILQ_INIT(&px->conns);
	px->rbuf = xmalloc(EMU_PROXY_HOLD_MAX + MG_EMU_READ_MAX);
	px->base = event_base_new();
	if (px->base == NULL) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "cannot create the event "
		    "loop");
		goto fail;
	}
	if (cfg->builtin != NULL) {
		memset(&scfg, 0, sizeof(scfg));
		scfg.pers = cfg->builtin;
		scfg.hostname = cfg->hostname;
		scfg.log = cfg->server_log;
		if (cfg->spool_dir != NULL) {
			px->spool = emu_server_spool_dir;
			px->spool.ctx = (void *)(uintptr_t)cfg->spool_dir;
			scfg.spool = &px->spool;
		}
		px->srv = emu_server_net_new(px->base, &scfg, errbuf);
		if (px->srv == NULL)
			goto fail;
	}
	px->lst = evconnlistener_new_bind(px->base, emu_proxy_accept, px,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    -1, (struct sockaddr *)&cfg->listen.ss, (int)cfg->listen.len);
	if (px->lst == NULL) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "listen on %s: %s",
		    cfg->listen.text, strerror(errno));
		goto fail;
	}
	evconnlistener_set_error_cb(px->lst, emu_proxy_accept_error);
	fd = evconnlistener_get_fd(px->lst);
	/* Every accepted socket gets TCP_NODELAY (Linux copies it from the
	 * listener: one system call less per connection), so a client's
	 * segments reach the engine as sent and ours leave at once. */
	emu_proxy_nodelay(fd);
	px->bound_len = sizeof(px->bound_ss);
	if (getsockname(fd, (struct sockaddr *)&px->bound_ss,
	    &px->bound_len) == -1) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "listen on %s: %s",
		    cfg->listen.text, strerror(errno));
		goto fail;
	}
	emu_proxy_addr_format((struct sockaddr *)&px->bound_ss, px->bound,
	    sizeof(px->bound));
	if (cfg->have_upstream && emu_proxy_same_addr(
	    (struct sockaddr *)&px->bound_ss,
	    (const struct sockaddr *)&cfg->upstream.ss)) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "upstream %s is the listen "
		    "address: that would loop", cfg->upstream.text);
		goto fail;
	}
	px->backoff = evtimer_new(px->base, emu_proxy_backoff_cb, px);
	px->drain = evtimer_new(px->base, emu_proxy_drain_cb, px);
	px->sigint = evsignal_new(px->base, SIGINT, emu_proxy_signal_cb, px);
	px->sigterm = evsignal_new(px->base, SIGTERM, emu_proxy_signal_cb,
	    px);
	if (px->backoff == NULL || px->drain == NULL || px->sigint == NULL ||
	    px->sigterm == NULL || evsignal_add(px->sigint, NULL) == -1 ||
	    evsignal_add(px->sigterm, NULL) == -1) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "cannot set up events");
		goto fail;
	}
	return px;
fail:
	emu_proxy_free(px);
	return NULL;
}

const char *
emu_proxy_bound(const struct emu_proxy *px)
{
	return px->bound;
}

/* The drain is over: tell the clients still here 421 (RFC 5321 3.8),
 * where nothing of the server's is still waiting to reach them and the
 * stream is plain SMTP at a line start. */
static void
emu_proxy_cut_all(struct emu_proxy *px)
{
	struct emu_proxy_conn *c;

	for (c = TAILQ_FIRST(&px->conns); c != NULL;
	    c = TAILQ_NEXT(c, link)) {
		if (c->pass || c->linepos != 0 || c->closing ||
		    c->side[EMU_PROXY_CLI].fd == -1 ||
		    emu_proxy_pending(c, EMU_PROXY_CLI) != 0)
			continue;
		(void)send(c->side[EMU_PROXY_CLI].fd, emu_proxy_421_stop,
		    sizeof(emu_proxy_421_stop) - 1,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
	}
}

int
emu_proxy_run(struct emu_proxy *px, char *errbuf)
{
	/* A client gone mid-write must be an error return, not a signal. */
	(void)signal(SIGPIPE, SIG_IGN);
	if (event_base_dispatch(px->base) == -1) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "event loop failed");
		return -1;
	}
	emu_proxy_cut_all(px);
	emu_log_printf(px->cfg.log, "stopped: %llu connections served, "
	    "%llu refused at the cap, %llu upstream failures, %zu cut at "
	    "shutdown", (unsigned long long)px->st.accepted,
	    (unsigned long long)px->st.refused_cap,
	    (unsigned long long)px->st.upstream_failed, px->nconns);
	return 0;
}

void
emu_proxy_stats(const struct emu_proxy *px, struct emu_proxy_stats *st)
{
	*st = px->st;
	st->active = px->nconns;
}

void
emu_proxy_free(struct emu_proxy *px)
{
	if (px == NULL)
		return;
	while (!TAILQ_EMPTY(&px->conns))
		emu_proxy_conn_free(TAILQ_FIRST(&px->conns));
	if (px->lst != NULL)
		evconnlistener_free(px->lst);
	if (px->backoff != NULL)
		event_free(px->backoff);
	if (px->drain != NULL)
		event_free(px->drain);
	if (px->sigint != NULL)
		event_free(px->sigint);
	if (px->sigterm != NULL)
		event_free(px->sigterm);
	emu_server_net_free(px->srv);
	if (px->base != NULL)
		event_base_free(px->base);
	free(px->rbuf);
	free(px);
}
