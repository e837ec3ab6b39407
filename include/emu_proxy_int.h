/*
 * emu_proxy_int.h - internals shared by emu_proxy.c (listener, shutdown)
 * and emu_proxy_conn.c (one relayed connection).  Not for use outside
 * the emu_proxy_* files; the public interface is emu_proxy.h.
 */
#ifndef EMU_PROXY_INT_H
#define EMU_PROXY_INT_H

#include <sys/queue.h>

#include "buf.h"
#include "emu_proxy.h"
#include "emu_rewrite.h"

struct event;
struct event_base;
struct evconnlistener;
struct bufferevent;

/* Bytes taken from one side per engine call (one read is at most
 * libevent's 16 KiB anyway). */
#define EMU_PROXY_SEG_MAX	(64 * 1024)
/* Seconds a closing connection may take to flush to the client. */
#define EMU_PROXY_LINGER_SEC	10

struct emu_proxy_conn {
	struct emu_proxy	*px;
	unsigned long		 id;
	struct bufferevent	*cli, *up;
	int			 up_ok;		/* connected */
	int			 cli_eof, up_eof;
	int			 up_shut_pending; /* SHUT_WR once flushed */
	int			 closing;	/* flush, then free */
	int			 pass;		/* passthrough */
	int			 throttled[2];	/* peer full */
	struct emu_conn		*ec;
	struct emu_actions	 act;
	struct emu_peers	 peers;
	struct buf		 seg, hold[2];
	struct event		*timer;		/* idle / linger */
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
};

/* emu_proxy.c */
void emu_proxy_nodelay(int fd);
void emu_proxy_conn_gone(struct emu_proxy *px);

/* emu_proxy_conn.c */
struct emu_proxy_conn *emu_proxy_conn_new(struct emu_proxy *px, int fd);
void emu_proxy_conn_free(struct emu_proxy_conn *c);
void emu_proxy_conn_builtin(struct emu_proxy_conn *c);
void emu_proxy_conn_connect(struct emu_proxy_conn *c,
    const struct emu_proxy_addr *dst);
/* Tell the client 421 (why goes to the log), then close. */
void emu_proxy_conn_fail(struct emu_proxy_conn *c, const char *why,
    int err);

#endif /* EMU_PROXY_INT_H */
