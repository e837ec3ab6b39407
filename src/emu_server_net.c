/* emu_server_net.c - built-in server sessions on sockets in the libevent
 * loop, with real STARTTLS. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "emu_server.h"
#include "mg_limits.h"
#include "util.h"

struct emu_server_conn {
	struct emu_server_net	*net;
	struct bufferevent	*bev;
	struct emu_server_sess	*sess;
	struct buf		 out;
	int			 fd;
	int			 tls;		/* bev is the TLS one */
	int			 tls_pending;	/* 220 out, then TLS */
	int			 closing;	/* flush, then free */
	TAILQ_ENTRY(emu_server_conn) link;
};

TAILQ_HEAD(emu_server_conns, emu_server_conn);

struct emu_server_net {
	struct event_base	*base;
	struct emu_server_cfg	 cfg;
	SSL_CTX			*ssl;
	struct emu_server_conns	 conns;
	size_t			 nconns;
	unsigned long		 next_id, accepted;
};

/* A throw-away self-signed certificate: the lab needs a handshake that
 * works, not an identity (clients are run with verification off). */
static SSL_CTX *
emu_server_net_tls(const char *cn, char *errbuf)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	SSL_CTX *ctx = NULL;

	if (key == NULL || x == NULL)
		goto fail;
	name = X509_get_subject_name(x);
	if (X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 1) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_set_pubkey(x, key) != 1 ||
	    X509_sign(x, key, EVP_sha256()) == 0)
		goto fail;
	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL || SSL_CTX_use_certificate(ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1)
		goto fail;
	X509_free(x);
	EVP_PKEY_free(key);
	return ctx;
fail:
	util_errbuf(errbuf, MG_ERRBUF_SIZE, "built-in server TLS set-up: %s",
	    ERR_reason_error_string(ERR_get_error()));
	SSL_CTX_free(ctx);
	X509_free(x);
	EVP_PKEY_free(key);
	return NULL;
}

struct emu_server_net *
emu_server_net_new(struct event_base *base, const struct emu_server_cfg *cfg,
    char *errbuf)
{
	struct emu_server_net *n = xcalloc(1, sizeof(*n));

	n->base = base;
	n->cfg = *cfg;
	if (n->cfg.hostname == NULL)
		n->cfg.hostname = "mail.example.com";
	TAILQ_INIT(&n->conns);
	n->ssl = emu_server_net_tls(n->cfg.hostname, errbuf);
	n->cfg.tls_ok = n->ssl != NULL;
	if (n->ssl == NULL) {
		free(n);
		return NULL;
	}
	return n;
}

static void
emu_server_conn_free(struct emu_server_conn *c)
{
	struct emu_server_net *n = c->net;

	TAILQ_REMOVE(&n->conns, c, link);
	n->nconns--;
	n->accepted += emu_server_sess_accepted(c->sess);
	/* The TLS bufferevent closes the fd and frees the SSL; the plain
	 * one leaves the fd to us (it is handed over at STARTTLS). */
	bufferevent_free(c->bev);
	if (!c->tls)
		(void)close(c->fd);
	emu_server_sess_free(c->sess);
	buf_free(&c->out);
	free(c);
}

void
emu_server_net_free(struct emu_server_net *n)
{
	if (n == NULL)
		return;
	while (!TAILQ_EMPTY(&n->conns))
		emu_server_conn_free(TAILQ_FIRST(&n->conns));
	SSL_CTX_free(n->ssl);
	free(n);
}

size_t
emu_server_net_active(const struct emu_server_net *n)
{
	return n->nconns;
}

unsigned long
emu_server_net_accepted(const struct emu_server_net *n)
{
	const struct emu_server_conn *c;
	unsigned long a = n->accepted;

	TAILQ_FOREACH(c, &n->conns, link)
		a += emu_server_sess_accepted(c->sess);
	return a;
}

static void emu_server_conn_read(struct bufferevent *, void *);
static void emu_server_conn_write(struct bufferevent *, void *);
static void emu_server_conn_event(struct bufferevent *, short, void *);

static void
emu_server_conn_setcb(struct emu_server_conn *c)
{
	struct timeval tv = { EMU_SERVER_IDLE_SEC, 0 };

	bufferevent_setcb(c->bev, emu_server_conn_read, emu_server_conn_write,
	    emu_server_conn_event, c);
	bufferevent_set_timeouts(c->bev, &tv, NULL);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* RFC 3207 4.2: once "220 ready" is out, anything the client pipelined
 * is thrown away and the handshake runs on the same socket. */
static int
emu_server_conn_starttls(struct emu_server_conn *c)
{
	struct bufferevent *tls;
	SSL *ssl = SSL_new(c->net->ssl);

	c->tls_pending = 0;
	if (ssl == NULL)
		return -1;
	tls = bufferevent_openssl_socket_new(c->net->base, c->fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (tls == NULL) {
		SSL_free(ssl);
		return -1;
	}
	bufferevent_free(c->bev);
	c->bev = tls;
	c->tls = 1;
	emu_server_tls_started(c->sess);
	emu_server_conn_setcb(c);
	return 0;
}

static void
emu_server_conn_read(struct bufferevent *bev, void *arg)
{
	struct emu_server_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	enum emu_server_rc rc = EMU_SERVER_OK;
	size_t len, used;
	uint8_t *p;

	while (!c->closing && (len = evbuffer_get_length(in)) > 0) {
		p = evbuffer_pullup(in, (ssize_t)len);
		buf_reset(&c->out);
		rc = emu_server_feed(c->sess, p, len, &c->out, &used);
		(void)evbuffer_drain(in, used);
		if (c->out.len > 0)
			(void)bufferevent_write(bev, c->out.data, c->out.len);
		if (rc == EMU_SERVER_STARTTLS) {
			/* Wait for the 220 to leave (write callback). */
			(void)evbuffer_drain(in, evbuffer_get_length(in));
			bufferevent_disable(bev, EV_READ);
			c->tls_pending = 1;
			if (evbuffer_get_length(
			    bufferevent_get_output(bev)) == 0 &&
			    emu_server_conn_starttls(c) == -1)
				emu_server_conn_free(c);
			return;
		}
		if (rc == EMU_SERVER_CLOSE)
			c->closing = 1;
	}
	if (c->closing) {
		bufferevent_disable(bev, EV_READ);
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			emu_server_conn_free(c);
	}
}

static void
emu_server_conn_write(struct bufferevent *bev, void *arg)
{
	struct emu_server_conn *c = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) != 0)
		return;
	if (c->tls_pending) {
		if (emu_server_conn_starttls(c) == -1)
			emu_server_conn_free(c);
	} else if (c->closing)
		emu_server_conn_free(c);
}

static void
emu_server_conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct emu_server_conn *c = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		emu_server_conn_free(c);
}

int
emu_server_net_serve(struct emu_server_net *n, int fd, const char *client_ip,
    char *errbuf)
{
	struct emu_server_conn *c;

	if (evutil_make_socket_nonblocking(fd) == -1) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "built-in server: %s",
		    strerror(errno));
		(void)close(fd);
		return -1;
	}
	c = xcalloc(1, sizeof(*c));
	c->net = n;
	c->fd = fd;
	c->bev = bufferevent_socket_new(n->base, fd, 0);
	if (c->bev == NULL) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "built-in server: cannot "
		    "create a buffer event");
		(void)close(fd);
		free(c);
		return -1;
	}
	buf_init(&c->out, 0);
	c->sess = emu_server_sess_new(&n->cfg, client_ip, ++n->next_id);
	TAILQ_INSERT_TAIL(&n->conns, c, link);
	n->nconns++;
	emu_server_conn_setcb(c);
	emu_server_greet(c->sess, &c->out);
	(void)bufferevent_write(c->bev, c->out.data, c->out.len);
	return 0;
}
