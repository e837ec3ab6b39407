/* tls.c - non-blocking OpenSSL client for STARTTLS, verification off. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "mg_limits.h"
#include "tls.h"
#include "util.h"

struct tls_ctx {
	SSL_CTX	*ssl_ctx;
};

struct tls_conn {
	SSL	*ssl;
};

static void
tls_err(char *errbuf, const char *what)
{
	unsigned long e = ERR_get_error();
	char msg[160];

	if (e != 0)
		ERR_error_string_n(e, msg, sizeof(msg));
	else
		util_strlcpy(msg, errno ? strerror(errno) : "unexpected EOF",
		    sizeof(msg));
	ERR_clear_error();
	util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: %s", what, msg);
}

struct tls_ctx *
tls_ctx_new(char *errbuf)
{
	struct tls_ctx *ctx;
	SSL_CTX *s;

	s = SSL_CTX_new(TLS_client_method());
	if (s == NULL) {
		tls_err(errbuf, "SSL_CTX_new");
		return NULL;
	}
	/* Fingerprinting, not authentication: accept any certificate, and
	 * old protocol versions that legacy mail servers still speak. */
	SSL_CTX_set_verify(s, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_min_proto_version(s, TLS1_VERSION);
	SSL_CTX_set_security_level(s, 0);
	SSL_CTX_set_mode(s, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	    SSL_MODE_ENABLE_PARTIAL_WRITE);
	ctx = xcalloc(1, sizeof(*ctx));
	ctx->ssl_ctx = s;
	return ctx;
}

void
tls_ctx_free(struct tls_ctx *ctx)
{
	if (ctx == NULL)
		return;
	SSL_CTX_free(ctx->ssl_ctx);
	free(ctx);
}

struct tls_conn *
tls_conn_new(struct tls_ctx *ctx, int fd, const char *sni, char *errbuf)
{
	struct tls_conn *c;
	SSL *ssl;

	if ((ssl = SSL_new(ctx->ssl_ctx)) == NULL) {
		tls_err(errbuf, "SSL_new");
		return NULL;
	}
	if (SSL_set_fd(ssl, fd) != 1 || (sni != NULL &&
	    SSL_set_tlsext_host_name(ssl, sni) != 1)) {
		tls_err(errbuf, "SSL setup");
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_connect_state(ssl);
	c = xcalloc(1, sizeof(*c));
	c->ssl = ssl;
	return c;
}

void
tls_conn_free(struct tls_conn *c)
{
	if (c == NULL)
		return;
	SSL_free(c->ssl);
	free(c);
}

static int
tls_status(struct tls_conn *c, int rc, const char *what, char *errbuf)
{
	switch (SSL_get_error(c->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return TLS_CLOSED;
	default:
		tls_err(errbuf, what);
		return TLS_ERROR;
	}
}

int
tls_handshake(struct tls_conn *c, char *errbuf)
{
	int rc;

	errno = 0;
	ERR_clear_error();
	rc = SSL_do_handshake(c->ssl);
	if (rc == 1)
		return TLS_OK;
	return tls_status(c, rc, "TLS handshake", errbuf);
}

ssize_t
tls_read(struct tls_conn *c, void *p, size_t n, char *errbuf)
{
	int rc;

	errno = 0;
	ERR_clear_error();
	rc = SSL_read(c->ssl, p, n > 65536 ? 65536 : (int)n);
	if (rc > 0)
		return rc;
	return tls_status(c, rc, "TLS read", errbuf);
}

ssize_t
tls_write(struct tls_conn *c, const void *p, size_t n, char *errbuf)
{
	int rc;

	errno = 0;
	ERR_clear_error();
	rc = SSL_write(c->ssl, p, n > 65536 ? 65536 : (int)n);
	if (rc > 0)
		return rc;
	return tls_status(c, rc, "TLS write", errbuf);
}

void
tls_describe(const struct tls_conn *c, char *proto, size_t plen,
    char *subject, size_t slen)
{
	X509 *cert;

	if (proto != NULL && plen > 0)
		snprintf(proto, plen, "%s %s", SSL_get_version(c->ssl),
		    SSL_get_cipher_name(c->ssl));
	if (subject == NULL || slen == 0)
		return;
	subject[0] = '\0';
	cert = SSL_get1_peer_certificate(c->ssl);
	if (cert == NULL)
		return;
	X509_NAME_oneline(X509_get_subject_name(cert), subject, (int)slen);
	X509_free(cert);
}
