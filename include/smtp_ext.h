/*
 * smtp_ext.h - EHLO reply keyword parser (RFC 5321 4.1.1.1: ehlo-line =
 * ehlo-keyword *(SP ehlo-param)) and the decoder for keywords masked by
 * Cisco ASA inspect esmtp.
 *
 * ASA masking (behaviour reference section 2, OBS): a keyword outside the
 * allowed set is replaced by (length - 1) 'X' and one capital letter, the
 * letter counting A, B, C... over the masked keywords of one reply
 * ("STARTTLS" -> "XXXXXXXA"; "DELIVERBY", "HELP" -> "XXXXXXXXA", "XXXB").
 * A keyword is "masked" when it is one or more 'X' then exactly one capital
 * letter; real keywords such as XEXCH50 or X-EXPS never have that form.
 * The length survives, so smtp_ext_decode() lists likely originals.
 *
 * Ownership: a struct smtp_ext_list owns copies of every keyword and
 * parameter string (nothing points into the reply); free it with
 * smtp_ext_list_free() (NULL-safe).  smtp_ext_parse_arena() puts them
 * in a caller's arena instead (in_arena: freed with the arena,
 * smtp_ext_list_free only empties the list).  Allocation failure dies
 * (xmalloc).  Nothing prints.
 */
#ifndef SMTP_EXT_H
#define SMTP_EXT_H

#include <stddef.h>

#include "smtp_reply.h"

/* Longest keyword kept (longer ones are cut, anomaly SMTP_EXT_LONG). */
#define SMTP_EXT_KEYWORD_MAX	64

/* Per-keyword anomalies. */
#define SMTP_EXT_BAD_CHARS	0x01u	/* not ALPHA/DIGIT/'-' (RFC 5321) */
#define SMTP_EXT_LONG		0x02u	/* keyword cut at the cap */
#define SMTP_EXT_EMPTY		0x04u	/* line with no keyword */
#define SMTP_EXT_LETTER_OUT_OF_ORDER 0x08u /* mask letter not the next */
#define SMTP_EXT_OLD_AUTH	0x10u	/* "AUTH=..." pre-RFC 4954 form */

struct smtp_ext {
	char	 keyword[SMTP_EXT_KEYWORD_MAX]; /* as sent, NUL-terminated;
					 * "AUTH=" for the old form */
	size_t	 kwlen;		/* bytes on the wire (before any cut) */
	size_t	 toklen;	/* the whole first token, up to the first
				 * SP: = kwlen except in the old "KW=PARAM"
				 * form, which a mask covers whole
				 * ("X-EXPS=LOGIN" -> 12 bytes masked) */
	char	*params;	/* after the keyword's SP, owned, NUL-term. */
	size_t	 params_len;
	int	 masked;	/* X+[A-Z] */
	size_t	 mask_len;	/* = kwlen when masked */
	char	 mask_letter;	/* 'A'..'Z' when masked */
	int	 mask_index;	/* 0-based rank among masked keywords */
	size_t	 position;	/* index among reply lines (>= 1) */
	unsigned anomalies;	/* SMTP_EXT_* */
};

struct smtp_ext_list {
	struct smtp_ext	*v;
	size_t		 n;
	size_t		 nmasked;
	/* 1 when there are masked keywords and their letters run A, B, C...
	 * in order: the ASA counter (evidence of ASA, not another vendor). */
	int		 letters_consistent;
	int		 in_arena;	/* storage in a caller's arena */
};

/*
 * Parse the keywords of an EHLO reply (lines 1.., line 0 is the host
 * greeting).  0 on success (out filled, maybe with n == 0), -1 when r is
 * not a 250 reply (out is left empty).  Call smtp_ext_list_free() on out
 * in both cases.
 */
int	smtp_ext_parse(const struct smtp_reply *r, struct smtp_ext_list *out);
/* Same, the list and its strings in a (not NULL). */
struct arena;
int	smtp_ext_parse_arena(const struct smtp_reply *r,
	    struct smtp_ext_list *out, struct arena *a);
void	smtp_ext_list_free(struct smtp_ext_list *l);
/* First keyword equal to kw (case-insensitive), or NULL. */
const struct smtp_ext *smtp_ext_find(const struct smtp_ext_list *l,
	    const char *kw);
/*
 * Is the keyword [p, p+len) in masked form?  1 (and *letter), else 0.
 */
int	smtp_ext_is_masked(const char *p, size_t len, char *letter);
/*
 * Likely originals of a masked keyword of length len, best first: first
 * those the ASA is known to mask, then those of unknown fate, then those
 * seen passing.  Fills out[0..max) with static strings; returns how many
 * exist in total (may exceed max).
 */
size_t	smtp_ext_decode(size_t len, const char **out, size_t max);
/*
 * What the ASA does to a keyword, per behaviour reference section 2:
 * 1 masked (OBS/INF), 0 passes (OBS), -1 unknown.
 */
int	smtp_ext_asa_masks(const char *kw);
/*
 * smtp_ext_decode() with asa[j] = smtp_ext_asa_masks(out[j]) for each
 * candidate given (asa may be NULL).  Both come from a table made once
 * per process (no walk of the keyword list per masked keyword).
 */
size_t	smtp_ext_decode_asa(size_t len, const char **out, int *asa,
	    size_t max);

#endif /* SMTP_EXT_H */
