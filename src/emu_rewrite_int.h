/*
 * emu_rewrite_int.h - private state of the rewrite engine, shared by
 * emu_rewrite.c (connection, actions, history, dispatch),
 * emu_rewrite_cmd.c (client to server) and emu_rewrite_reply.c (server
 * to client).  Not part of the API: include emu_rewrite.h instead.
 */
#ifndef EMU_REWRITE_INT_H
#define EMU_REWRITE_INT_H

#include "emu_rewrite.h"

/* What the server's next reply answers (the pipelining queue). */
enum emu_pend {
	EMU_PEND_OTHER = 0,
	EMU_PEND_GREETING,
	EMU_PEND_EHLO,
	EMU_PEND_DATA,
	EMU_PEND_STARTTLS,
	EMU_PEND_BDAT,
	EMU_PEND_EOD,
	EMU_PEND_AUTH,		/* AUTH or one of its continuation lines */
	EMU_PEND_SWALLOW,	/* replay: the box answered, cut the reply */
};

/* Client side mode. */
enum emu_cmode {
	EMU_CM_CMD = 0,		/* command lines */
	EMU_CM_DATA,		/* DATA body, up to "." */
	EMU_CM_BDAT,		/* BDAT chunk, counted bytes */
};

/* Decision on a verb (C2S) or an EHLO keyword (S2C). */
enum emu_verdict {
	EMU_V_UNDECIDED = 0,	/* bytes not rewritten yet, all in this call */
	EMU_V_TENTATIVE,	/* passed on a prefix, decide at its end */
	EMU_V_PASS,
	EMU_V_REFUSED,		/* C2S: per action; S2C: masked */
};

/* Kind of a passed command (what its line end changes). */
enum emu_vkind {
	EMU_VK_OTHER = 0, EMU_VK_HELO, EMU_VK_EHLO, EMU_VK_MAIL, EMU_VK_RCPT,
	EMU_VK_DATA, EMU_VK_BDAT, EMU_VK_STARTTLS, EMU_VK_RSET,
	EMU_VK_AUTH, EMU_VK_AUTHDATA,
};

/* Client to server state. */
struct emu_cside {
	enum emu_cmode	 mode;
	/* current command line */
	size_t		 lineoff;	/* bytes so far, LF excluded */
	uint8_t		 verb[EMU_VERB_MAX];
	size_t		 verblen;	/* verb bytes seen (may pass the cap) */
	int		 in_verb;
	enum emu_verdict verdict;
	enum emu_refuse	 action;	/* when REFUSED */
	enum emu_vkind	 kind;		/* when PASS */
	int		 line_over;	/* cmd_line_max already handled */
	int		 replaced;	/* a '|' was replaced (108002) */
	uint8_t		 copy[EMU_LINECOPY_MAX];
	size_t		 copylen;
	/* transaction */
	uint32_t	 rcpts;
	uint64_t	 declared;	/* MAIL ... SIZE=n */
	/* DATA */
	uint64_t	 data_bytes;
	size_t		 dlineoff;
	int		 in_headers;
	int		 dot;		/* 1: '.' at line start, 2: ".\r" */
	int		 dline_done;	/* this line's limit handled */
	int		 eod_armed;	/* CSCds90792: segment ended on "." */
	size_t		 fn_match;	/* bytes of "filename=" matched */
	int		 fn_active, fn_quoted, fn_done;
	size_t		 fn_len;
	/* BDAT */
	uint64_t	 bdat_left;
	/* AUTH: the server said 334, the next line is not a command */
	int		 auth_cont;
};

/* Server to client state. */
struct emu_sside {
	int		 greeting_done;
	int		 in_reply;
	enum emu_pend	 kind;		/* what this reply answers */
	size_t		 lineno;	/* line within the reply */
	size_t		 lineoff;	/* bytes of the line so far */
	uint8_t		 code[3];
	uint8_t		 sep;
	uint64_t	 greet_off;	/* bytes of the greeting so far */
	int		 prev;		/* previous original greeting byte */
	/* EHLO keyword of the current line */
	int		 kw_state;	/* 0 before, 1 in, 2 after */
	enum emu_verdict kw_verdict;
	uint8_t		 kw[EMU_KEYWORD_MAX];
	size_t		 kwlen;
	unsigned	 masked;	/* keywords masked in this reply */
};

struct emu_hist {
	uint8_t		*ring;		/* EMU_HISTORY_MAX bytes */
	uint64_t	 end;		/* stream offset after the last byte */
};

struct emu_conn {
	const struct emu_profile *p;
	struct emu_log	*log;
	struct emu_peers peers;
	int		 hold;
	int		 replay;
	int		 server_mute;	/* replay: the server waits forever */
	int		 dropped;
	int		 passthrough;
	uint64_t	 off[2];
	struct emu_hist	 hist[2];
	uint8_t		 pend[EMU_PENDING_MAX];
	size_t		 pend_head, pend_n;
	uint64_t	 pend_lost;
	struct emu_cside cs;
	struct emu_sside ss;
	/* hold snapshot of the current direction (valid when snap_ok) */
	int		 snap_ok;
	size_t		 snap_idx;
	struct emu_cside cs_snap;
	struct emu_sside ss_snap;
};

/* emu_rewrite.c */
void	emu_pend_push(struct emu_conn *c, enum emu_pend k);
enum emu_pend emu_pend_pop(struct emu_conn *c);
void	emu_cut_add(struct emu_actions *a, size_t off, size_t len);
void	emu_inject(struct emu_actions *a, const char *s);
/* A limit matched: 108004 + drop when the profile drops, else 108005. */
void	emu_limit(struct emu_conn *c, struct emu_actions *a, int class_no,
	    const char *what, int can_drop);
void	emu_drop(struct emu_conn *c, struct emu_actions *a);
void	emu_event(struct emu_conn *c, enum emu_log_id id,
	    const struct emu_log_arg *arg);
/* Remember the state of direction d before buf[idx] for a hold. */
void	emu_snapshot(struct emu_conn *c, enum emu_dir d, size_t idx);

/* emu_rewrite_cmd.c: returns the bytes consumed (len - hold). */
size_t	emu_c2s(struct emu_conn *c, uint8_t *buf, size_t len,
	    struct emu_actions *a);
/* emu_rewrite_reply.c */
size_t	emu_s2c(struct emu_conn *c, uint8_t *buf, size_t len,
	    struct emu_actions *a);

#endif /* EMU_REWRITE_INT_H */
