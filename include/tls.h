/*
 * tls.h - the prober's OpenSSL client for STARTTLS (RFC 3207).
 *
 * We fingerprint, we do not authenticate: certificate verification is off,
 * but the peer's certificate subject, protocol and cipher are recorded.
 * Works on a non-blocking socket: tls_handshake/tls_read/tls_write return
 * TLS_OK (or a byte count), TLS_WANT_READ, TLS_WANT_WRITE, or TLS_ERROR
 * with a message in errbuf.  A struct tls_ctx is shared by all
 * connections of one run; a struct tls_conn belongs to one socket (the
 * socket itself stays the caller's).  *_free(NULL) is a no-op.
 */
#ifndef TLS_H
#define TLS_H

#include <stddef.h>
#include <sys/types.h>

#define TLS_OK		0
#define TLS_WANT_READ	(-2)
#define TLS_WANT_WRITE	(-3)
#define TLS_ERROR	(-1)
#define TLS_CLOSED	(-4)	/* read: the peer closed (close_notify/EOF) */

struct tls_ctx;
struct tls_conn;

struct tls_ctx *tls_ctx_new(char *errbuf);
void tls_ctx_free(struct tls_ctx *ctx);

/* sni may be NULL (an address literal gets no SNI, RFC 6066 3). */
struct tls_conn *tls_conn_new(struct tls_ctx *ctx, int fd, const char *sni,
    char *errbuf);
void tls_conn_free(struct tls_conn *c);

int tls_handshake(struct tls_conn *c, char *errbuf);
/* > 0 bytes, or TLS_WANT_*, TLS_CLOSED, TLS_ERROR. */
ssize_t tls_read(struct tls_conn *c, void *p, size_t n, char *errbuf);
ssize_t tls_write(struct tls_conn *c, const void *p, size_t n, char *errbuf);

/* After the handshake: "TLSv1.3 TLS_AES_256_GCM_SHA384", the subject
 * ("CN=mx.example.com,O=..."), or "" when unknown. */
void tls_describe(const struct tls_conn *c, char *proto, size_t plen,
    char *subject, size_t slen);

#endif /* TLS_H */
