/*
 * emu_proxy.h - the live proxy of mailguard-emulate: accepts SMTP clients,
 * connects each to an upstream (HOST:PORT, the original destination with
 * --transparent, or a built-in server personality in the same event loop)
 * and relays the bytes through the rewrite engine (emu_rewrite.h), one
 * recv() (up to MG_EMU_READ_MAX bytes, emu_proxy_int.h) at a time, so
 * segment boundaries reach the engine; the engine's output goes straight
 * out with send(), and only what a full socket does not take is queued
 * (then the sending side is not read until it drains).  The proxy never
 * changes bytes itself: the engine is the only place inspection lives.
 *
 * Safety invariant: the client only ever sees bytes the upstream sent
 * (rewritten by the engine) or bytes the engine injects for the box, plus
 * the proxy's own "421" when the upstream is unreachable or goes away
 * before its final reply; so no 250 at end of data reaches the client
 * unless the upstream said 250 for that message.
 *
 * Libevent, non-blocking sockets, TCP_NODELAY both ways, a connection cap
 * (421 4.3.2 to the extra client), an idle timeout, half-close, graceful
 * shutdown on SIGINT/SIGTERM, accept backing off when fds run out.
 *
 * Ownership: the cfg (and what it points to) must outlive the proxy.
 * Errors: emu_proxy_new/run return NULL/-1 with a message in errbuf
 * (MG_ERRBUF_SIZE) naming the address; log lines go through emu_log.
 */
#ifndef EMU_PROXY_H
#define EMU_PROXY_H

#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "emu_log.h"
#include "emu_profile.h"
#include "emu_server.h"

/* Seconds an established relay may stay silent in both directions. */
#define EMU_PROXY_IDLE_SEC_DEFAULT	300
/* Seconds to connect upstream, and to drain on shutdown. */
#define EMU_PROXY_CONNECT_SEC	30
#define EMU_PROXY_DRAIN_SEC	5
/* Seconds accept() pauses after EMFILE/ENFILE. */
#define EMU_PROXY_ACCEPT_BACKOFF_SEC	1
/* Text of an address with port: "[ffff:...]:65535". */
#define EMU_PROXY_ADDR_MAX	80

/* A parsed [ADDR:]PORT / HOST:PORT / [V6]:PORT. */
struct emu_proxy_addr {
	struct sockaddr_storage	ss;
	socklen_t		len;
	char			text[EMU_PROXY_ADDR_MAX];
};

/*
 * Parse "PORT", "ADDR:PORT", "[V6]:PORT" or "HOST:PORT" (HOST resolved
 * with getaddrinfo when resolve is set, else numeric only).  defhost is
 * used when only a port is given (NULL: a port is required with a host).
 * Port 0 is allowed only when allow_zero.  0 or -1 with errbuf.
 */
int emu_proxy_parse_addr(const char *s, const char *defhost, int resolve,
    int allow_zero, struct emu_proxy_addr *out, char *errbuf);
/* "1.2.3.4:25" / "[::1]:25" into dst. */
void emu_proxy_addr_format(const struct sockaddr *sa, char *dst,
    size_t size);

struct emu_proxy_cfg {
	const struct emu_profile *profile;
	struct emu_log		*log;	/* device, proxy lines */
	struct emu_proxy_addr	 listen;
	int			 have_upstream;	/* upstream is set */
	struct emu_proxy_addr	 upstream;
	const struct emu_server_personality *builtin;	/* or NULL */
	const char		*spool_dir;	/* NULL: discard */
	const char		*hostname;	/* built-in greeting name */
	FILE			*server_log;	/* dialogue, or NULL */
	int			 transparent;	/* SO_ORIGINAL_DST */
	unsigned		 max_conns;	/* 0: MG_EMU_CONNS_MAX */
	unsigned		 idle_sec; /* 0: EMU_PROXY_IDLE_SEC_DEFAULT */
};

struct emu_proxy;

/* Bind the listener and set up the built-in server; nothing runs yet. */
struct emu_proxy *emu_proxy_new(const struct emu_proxy_cfg *cfg,
    char *errbuf);
/* "127.0.0.1:40123": the address really bound. */
const char *emu_proxy_bound(const struct emu_proxy *p);
/* Run until SIGINT/SIGTERM and the drain (the driver announces
 * emu_proxy_bound() first); 0, or -1 with errbuf. */
int emu_proxy_run(struct emu_proxy *p, char *errbuf);
void emu_proxy_free(struct emu_proxy *p);

/* Counters, for the shutdown line and tests. */
struct emu_proxy_stats {
	uint64_t	accepted, refused_cap, upstream_failed, idle_closed;
	uint64_t	dropped, accept_backoffs, active;
};
void emu_proxy_stats(const struct emu_proxy *p, struct emu_proxy_stats *st);

#endif /* EMU_PROXY_H */
