/*
 * emu_server.h - built-in SMTP server personalities for mailguard-emulate
 * (`--upstream builtin:NAME`).
 *
 * A personality is data: its greeting, its EHLO keywords (some only before
 * or only after STARTTLS), a reply template per protocol event and the
 * reply to an unknown verb, taken from what the real MTA sends.  One
 * session state machine (emu_server.c) serves every personality: HELO/EHLO,
 * MAIL, RCPT, DATA, BDAT, RSET, NOOP, QUIT, VRFY, HELP, AUTH PLAIN/LOGIN
 * (any credentials), STARTTLS, with RFC 2920 pipelining.  The session does
 * no I/O: the caller feeds client bytes and sends what lands in `out`;
 * emu_server_net.c binds it to a socket in the libevent loop (TLS there).
 *
 * Messages go through a small spool seam (struct emu_server_spool_ops):
 * the default writes one file per message into a directory (temporary
 * name, fsync, rename); NULL ops discard.  A spool failure is answered 451
 * and never 250 (safety invariant).
 *
 * Ownership: personalities are static tables; a session owns its buffers
 * and its open spool message; the cfg it is given must outlive it.
 * Errors: constructors never fail (xmalloc); emu_server_feed returns an
 * enum emu_server_rc.
 */
#ifndef EMU_SERVER_H
#define EMU_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"

/* Largest message the built-in server takes when the personality names
 * no SIZE limit, and the cap on one received line outside DATA. */
#define EMU_SERVER_MSG_MAX	(64ull * 1024 * 1024)
#define EMU_SERVER_CLIENT_IP_MAX	64

/* Protocol events a personality has a reply template for. */
enum emu_server_reply {
	EMU_SR_GREETING,	/* 220 */
	EMU_SR_HELO,		/* 250 to HELO */
	EMU_SR_EHLO,		/* first line of the EHLO reply (no code) */
	EMU_SR_EHLO_LAST,	/* last line text when keywords end, or NULL */
	EMU_SR_MAIL,
	EMU_SR_RCPT,
	EMU_SR_DATA,		/* 354 */
	EMU_SR_QUEUED,		/* 250 after DATA / BDAT LAST */
	EMU_SR_BDAT_CHUNK,	/* 250 after a non-last BDAT chunk */
	EMU_SR_RSET,
	EMU_SR_NOOP,
	EMU_SR_QUIT,		/* 221 */
	EMU_SR_VRFY,
	EMU_SR_HELP,		/* NULL: HELP is an unknown verb */
	EMU_SR_STARTTLS,	/* 220 ready to start TLS */
	EMU_SR_AUTH_USER,	/* 334 prompt for LOGIN user name */
	EMU_SR_AUTH_PASS,	/* 334 prompt for LOGIN password */
	EMU_SR_AUTH_PLAIN,	/* 334 empty challenge for AUTH PLAIN */
	EMU_SR_AUTH_OK,		/* 235 */
	EMU_SR_AUTH_NONE,	/* AUTH when no AUTH keyword is offered */
	EMU_SR_AUTH_BADMECH,	/* mechanism not offered */
	EMU_SR_AUTH_TWICE,	/* already authenticated */
	EMU_SR_UNKNOWN,		/* unrecognised verb */
	EMU_SR_NEED_HELO,	/* MAIL before HELO/EHLO */
	EMU_SR_NEED_MAIL,	/* RCPT/DATA before MAIL */
	EMU_SR_NEED_RCPT,	/* DATA before RCPT */
	EMU_SR_NESTED_MAIL,	/* MAIL inside a transaction */
	EMU_SR_SYNTAX,		/* malformed arguments */
	EMU_SR_TOO_LONG,	/* command line over the cap */
	EMU_SR_TOO_BIG,		/* 552 message size exceeds limit */
	EMU_SR_SPOOL_FAIL,	/* 451 local error writing the message */
	EMU_SR_TLS_ACTIVE,	/* STARTTLS under TLS */
	EMU_SR_NOT_OFFERED,	/* extension verb used but not offered */
	EMU_SR__COUNT
};

/* EHLO keyword flags (RFC 3207 4.2: STARTTLS is not offered under TLS;
 * many servers offer AUTH only under TLS). */
#define EMU_SERVER_KW_PLAIN_ONLY	0x1
#define EMU_SERVER_KW_TLS_ONLY		0x2

struct emu_server_kw {
	const char	*text;	/* keyword line: "SIZE 10240000" */
	unsigned	 flags;
};

/* A verb outside the core set that the personality answers itself. */
struct emu_server_verb {
	const char	*verb;
	const char	*reply;	/* template */
};

struct emu_server_personality {
	const char			*name;
	const char			*description;
	const char			*reply[EMU_SR__COUNT];
	const struct emu_server_kw	*ehlo;	/* ends with { NULL } */
	const struct emu_server_verb	*verbs;	/* ends with NULL */
	uint64_t			 size_max; /* 0: EMU_SERVER_MSG_MAX */
	int				 helo_required; /* MAIL: HELO */
};

/* Registry (ends with NULL) and lookup by name; NULL when unknown. */
extern const struct emu_server_personality *const emu_server_personalities[];
const struct emu_server_personality *emu_server_find(const char *name);

/* Where accepted messages go.  open() begins one message (returns a
 * handle or NULL with errbuf set), write() appends, commit() makes it
 * durable and visible (0/-1), abort() throws it away. */
struct emu_server_spool_ops {
	void	*(*open)(void *ctx, const char *id, char *errbuf);
	int	 (*write)(void *msg, const void *p, size_t n, char *errbuf);
	int	 (*commit)(void *msg, char *errbuf);
	void	 (*abort)(void *msg);
	void	*ctx;
};
/* The file spool: ctx is the directory path (a const char *). */
extern const struct emu_server_spool_ops emu_server_spool_dir;

struct emu_server_cfg {
	const struct emu_server_personality	*pers;
	const char	*hostname; /* in greetings; NULL: mail.example.com */
	const struct emu_server_spool_ops *spool;	/* NULL: discard */
	int		 tls_ok;	/* STARTTLS can really be started */
	uint64_t	 (*now_us)(void); /* wall clock; NULL: util_wall_us */
	FILE		*log;	/* command and reply lines, or NULL */
};

enum emu_server_rc {
	EMU_SERVER_OK,		/* keep going */
	EMU_SERVER_STARTTLS,	/* send out, then TLS; drop the rest */
	EMU_SERVER_CLOSE,	/* send out, then close */
};

/* One SMTP session. */
struct emu_server_sess;

struct emu_server_sess *emu_server_sess_new(const struct emu_server_cfg *cfg,
    const char *client_ip, unsigned long id);
void emu_server_sess_free(struct emu_server_sess *s);
/* Append the greeting to out. */
void emu_server_greet(struct emu_server_sess *s, struct buf *out);
/* Feed n client bytes; replies are appended to out.  *used tells how many
 * bytes were consumed (all of them unless STARTTLS or CLOSE stopped it). */
enum emu_server_rc emu_server_feed(struct emu_server_sess *s,
    const uint8_t *p, size_t n, struct buf *out, size_t *used);
/* TLS is up: reset to the state after the greeting (RFC 3207 4.2). */
void emu_server_tls_started(struct emu_server_sess *s);
/* Messages accepted (250 after data) by this session. */
unsigned long emu_server_sess_accepted(const struct emu_server_sess *s);

/*
 * The network side (emu_server_net.c): sessions on sockets in a libevent
 * loop, with STARTTLS on an in-memory self-signed certificate made at
 * start-up (ECDSA P-256, CN = hostname).  emu_server_net_new copies cfg
 * (its pointers must outlive the net) and sets tls_ok when the certificate
 * could be made; -1/NULL with errbuf on failure.  serve() takes ownership
 * of fd (non-blocking is set here) whatever it returns.  Freeing the net
 * closes every session it still has.
 */
struct event_base;
struct emu_server_net;

struct emu_server_net *emu_server_net_new(struct event_base *base,
    const struct emu_server_cfg *cfg, char *errbuf);
int emu_server_net_serve(struct emu_server_net *n, int fd,
    const char *client_ip, char *errbuf);
size_t emu_server_net_active(const struct emu_server_net *n);
unsigned long emu_server_net_accepted(const struct emu_server_net *n);
void emu_server_net_free(struct emu_server_net *n);

/* Seconds a built-in session may stay silent (RFC 5321 4.5.3.2.7). */
#define EMU_SERVER_IDLE_SEC	300

/* Expand a reply template: %h hostname, %c client address, %d RFC 5322
 * date, %q queue id, %a the command's argument, %l the command line (both
 * escaped and truncated), %n a number, %% percent.  Lines are separated by
 * '\n' in the template; CRLF ends each line in out. */
struct emu_server_tmpl_vars {
	const char	*host, *client, *date, *queue_id;
	const char	*arg;
	size_t		 arglen;
	const char	*line;
	size_t		 linelen;
	uint64_t	 num;
};
void emu_server_expand(const char *tmpl, const struct emu_server_tmpl_vars *v,
    struct buf *out);

#endif /* EMU_SERVER_H */
