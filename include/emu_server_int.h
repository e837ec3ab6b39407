/*
 * emu_server_int.h - internals shared by emu_server.c (framing, replies),
 * emu_server_cmd.c (verbs, DATA, BDAT, AUTH) and emu_server_spool.c.
 * Not for use outside the emu_server_* files; the public interface is
 * emu_server.h.
 */
#ifndef EMU_SERVER_INT_H
#define EMU_SERVER_INT_H

#include "buf.h"
#include "emu_server.h"

enum emu_server_state {
	EMU_SS_CMD,		/* waiting for a command line */
	EMU_SS_DATA,		/* message body lines until "." */
	EMU_SS_BDAT,		/* bdat_left raw bytes of a chunk */
	EMU_SS_AUTH_USER,	/* AUTH LOGIN: user name line */
	EMU_SS_AUTH_PASS,	/* AUTH LOGIN: password line */
	EMU_SS_AUTH_PLAIN,	/* AUTH PLAIN: response line */
	EMU_SS_CLOSED,		/* after QUIT */
	EMU_SS__COUNT
};

/* Recipients per transaction (RFC 5321 4.5.3.1.8 asks for at least 100). */
#define EMU_SERVER_RCPT_MAX	1000

struct emu_server_sess {
	const struct emu_server_cfg *cfg;
	char		 client[EMU_SERVER_CLIENT_IP_MAX];
	unsigned long	 id;
	enum emu_server_state st;
	struct buf	 line;		/* current input line */
	int		 discard;	/* over-long command line */
	int		 midline;	/* body line passed on in pieces */
	int		 helo, esmtp, tls, authed;
	/* the command being answered, for %l */
	const char	*cmdline;
	size_t		 cmdlinelen;
	/* transaction */
	int		 have_mail;
	unsigned	 nrcpt;
	struct buf	 env;		/* envelope lines to spool */
	void		*msg;		/* open spool message */
	int		 msg_open;	/* receiving a body */
	int		 msg_failed;	/* spool failed: 451 */
	int		 msg_too_big;
	uint64_t	 msg_bytes;
	uint64_t	 bdat_left;
	uint64_t	 bdat_size;
	int		 bdat_last;
	int		 bdat_reject;	/* reply after chunk or -1 */
	char		 queue_id[24];
	unsigned long	 msgseq, accepted;
};

const char *emu_server_state_name(enum emu_server_state st);

/* emu_server.c */
void emu_server_esc(struct buf *out, const char *p, size_t n, size_t max);
void emu_server_log(const struct emu_server_sess *s, const char *dir,
    const char *p, size_t n);
void emu_server_reply(struct emu_server_sess *s, enum emu_server_reply r,
    const char *arg, size_t arglen, uint64_t num, struct buf *out);
void emu_server_reply_tmpl(struct emu_server_sess *s, const char *tmpl,
    const char *arg, size_t arglen, uint64_t num, struct buf *out);
const struct emu_server_kw *emu_server_offered(
    const struct emu_server_sess *s, const char *word);
void emu_server_ehlo_reply(struct emu_server_sess *s, struct buf *out);

/* emu_server_cmd.c */
enum emu_server_rc emu_server_command(struct emu_server_sess *s,
    const char *p, size_t n, struct buf *out);
enum emu_server_rc emu_server_auth_line(struct emu_server_sess *s,
    const char *p, size_t n, struct buf *out);
enum emu_server_rc emu_server_data_line(struct emu_server_sess *s,
    const char *p, size_t n, struct buf *out);
void emu_server_data_bulk(struct emu_server_sess *s, const char *p,
    size_t n, int ends_line);
enum emu_server_rc emu_server_bdat_done(struct emu_server_sess *s,
    struct buf *out);
void emu_server_txn_reset(struct emu_server_sess *s);
void emu_server_msg_write(struct emu_server_sess *s, const void *p,
    size_t n);
void emu_server_msg_abort(struct emu_server_sess *s);

#endif /* EMU_SERVER_INT_H */
