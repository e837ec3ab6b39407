/*
 * emu_proxy_int.h - internals shared by emu_proxy.c (listener, shutdown),
 * emu_proxy_conn.c (one connection's life: connect, timers, close) and
 * emu_proxy_relay.c (its bytes: recv, engine, send).  Not for use outside
 * the emu_proxy_* files; the public interface is emu_proxy.h.
 *
 * I/O model: plain libevent events on non-blocking sockets, no
 * bufferevents.  One recv() of up to MG_EMU_READ_MAX bytes is one segment
 * for the engine (emu_rewrite.h: segment boundaries are meaningful); the
 * engine rewrites it in place in the proxy's shared read buffer and the
 * kept bytes go straight out with send().  Only what the peer socket does
 * not take waits in that side's output buffer; while it waits, the source
 * side is not read (backpressure) and a write event is armed.
 *
 * Ownership: a conn owns its sockets, events and buffers; it is freed
 * only from the top of a libevent callback (never while a caller below
 * still uses it): errors found deep inside are recorded in the side
 * (err) and acted on by emu_proxy_settle() on the way out.
 */
#ifndef EMU_PROXY_INT_H
#define EMU_PROXY_INT_H

#include <sys/queue.h>

#include <event2/util.h>

#include "buf.h"
#include "emu_proxy.h"
#include "emu_rewrite.h"
#include "mg_limits.h"

struct event;
struct event_base;
struct evconnlistener;

/* Bytes one recv() may bring, i.e. the largest segment the engine sees
 * (bulk DATA coalesces up to this; the kernel coalesces too). */
#define MG_EMU_READ_MAX		(64 * 1024)
/* Bytes the engine may hold back per direction (hold mode). */
#define EMU_PROXY_HOLD_MAX	MG_EMU_CONN_BUF_MAX
/* Bytes waiting for one side's socket: at most one segment (reading
 * stops while any wait) plus the box's and the proxy's own replies. */
#define EMU_PROXY_OUT_MAX	(MG_EMU_CONN_BUF_MAX + EMU_PROXY_HOLD_MAX + \
				    MG_EMU_READ_MAX)
/* Output storage above this is given back once drained (flat memory
 * with many idle connections). */
#define EMU_PROXY_OUT_KEEP	(16 * 1024)
/* Reads in a row from one side per wakeup while each fills the buffer. */
#define EMU_PROXY_READS_MAX	4
/* Seconds a closing connection may take to flush to the client. */
#define EMU_PROXY_LINGER_SEC	10

/* The two sides; side[d] is the source of direction d (emu_rewrite.h:
 * EMU_C2S 0 comes from the client, EMU_S2C 1 from the upstream). */
enum emu_proxy_sidx {
	EMU_PROXY_CLI = 0,
	EMU_PROXY_UP = 1,
};

struct emu_proxy_side {
	int		 fd;		/* -1: none (yet, or closed) */
	struct event	*rd, *wr;	/* EV_PERSIST; wr also connects */
	int		 reading;	/* rd is added */
	int		 writing;	/* wr is added */
	struct buf	 out;		/* bytes its socket did not take */
	size_t		 outoff;	/* already sent from out */
	int		 eof;		/* recv() returned 0 */
	int		 shut;		/* SHUT_WR once out is flushed */
	int		 err;		/* errno of a failed recv/send */
};

struct emu_proxy_conn {
	struct emu_proxy	*px;
	unsigned long		 id;
	struct emu_proxy_side	 side[2];
	int			 up_ok;		/* connected */
	int			 closing;	/* flush the client, free */
	int			 pass;		/* passthrough (TLS) */
	struct emu_conn		*ec;
	struct emu_actions	 act;
	struct emu_peers	 peers;
	struct buf		 hold[2];	/* per direction */
	struct event		*timer;		/* idle / linger */
	int64_t			 last_us;	/* last bytes read */
	char			 cli_text[EMU_PROXY_ADDR_MAX];
	char			 up_text[EMU_PROXY_ADDR_MAX];
	/* the server's reply lines, as sent (before the engine) */
	char			 code[4];
	size_t			 linepos;
	int			 closing_reply; /* 221/421 last */
	TAILQ_ENTRY(emu_proxy_conn) link;
};

TAILQ_HEAD(emu_proxy_conns, emu_proxy_conn);

struct emu_proxy {
	struct emu_proxy_cfg	 cfg;
	struct event_base	*base;
	struct evconnlistener	*lst;
	struct event		*sigint, *sigterm, *backoff, *drain;
	struct emu_server_net	*srv;
	struct emu_server_spool_ops spool;
	struct sockaddr_storage	 bound_ss;
	socklen_t		 bound_len;
	char			 bound[EMU_PROXY_ADDR_MAX];
	struct emu_proxy_conns	 conns;
	size_t			 nconns;
	unsigned long		 next_id;
	struct emu_proxy_stats	 st;
	uint64_t		 refuse_logged_us;	/* last cap line */
	uint64_t		 refuse_quiet;	/* refusals not logged */
	int			 stopping;
	/* One segment at a time, for every connection (one thread):
	 * held bytes, then one recv(). */
	uint8_t			*rbuf;
};

/* emu_proxy.c */
void emu_proxy_nodelay(int fd);
void emu_proxy_conn_gone(struct emu_proxy *px);
/* Out of descriptors (EMFILE/ENFILE from accept, socket or socketpair):
 * stop accepting for EMU_PROXY_ACCEPT_BACKOFF_SEC, log it once. */
void emu_proxy_pause_accept(struct emu_proxy *px, const char *what,
    int err);

/* emu_proxy_conn.c */
struct emu_proxy_conn *emu_proxy_conn_new(struct emu_proxy *px, int fd);
void emu_proxy_conn_free(struct emu_proxy_conn *c);
void emu_proxy_conn_builtin(struct emu_proxy_conn *c);
void emu_proxy_conn_connect(struct emu_proxy_conn *c,
    const struct emu_proxy_addr *dst);
/* Tell the client 421 (why goes to the log), then close. */
void emu_proxy_conn_fail(struct emu_proxy_conn *c, const char *why,
    int err);
/* Stop reading, drop the upstream, flush the client, then free (later,
 * from the timer or the client's write event). */
void emu_proxy_closing(struct emu_proxy_conn *c);
/* The upstream ended (eof) or failed (err): pass the close on or 421. */
void emu_proxy_up_gone(struct emu_proxy_conn *c, int eof, int err);
/* Bytes were read: the idle clock restarts. */
void emu_proxy_touch(struct emu_proxy_conn *c);
/* On the way out of a callback: act on recorded errors, set which sides
 * are read.  c may be freed: do not use it afterwards. */
void emu_proxy_settle(struct emu_proxy_conn *c);

/* emu_proxy_relay.c */
/* Queue or send n bytes to side s (dropped if that side has failed). */
void emu_proxy_send(struct emu_proxy_conn *c, enum emu_proxy_sidx s,
    const void *p, size_t n);
/* Bytes not yet written to side s. */
size_t emu_proxy_pending(const struct emu_proxy_conn *c,
    enum emu_proxy_sidx s);
/* Event callbacks (arg: the conn). */
void emu_proxy_cli_readable(evutil_socket_t fd, short what, void *arg);
void emu_proxy_up_readable(evutil_socket_t fd, short what, void *arg);
void emu_proxy_cli_writable(evutil_socket_t fd, short what, void *arg);
void emu_proxy_up_writable(evutil_socket_t fd, short what, void *arg);

#endif /* EMU_PROXY_INT_H */
