/*
 * emu_profile.h - emulator profiles: the parameters of one inspecting box
 * (banner rule, refused-command action, allowed verbs, EHLO keyword
 * masking, STARTTLS handling, bugs, the ASA default-map limits, logging).
 *
 * The built-in profiles are the table of docs/middlebox-behaviour.md
 * section 5: off, pix-4.1, pix-4.4, pix-5.1, pix-6.3, asa, asa-allow-tls.
 * Every field is a named parameter (see emu_profile_format() or
 * `mailguard-emulate --list-profiles`) that --set name=value or a profile
 * file can override, because real boxes differ by version and
 * configuration.  One table of parameters drives set, load and format.
 *
 * A struct emu_profile is a plain value: copy it, no freeing.  Built-in
 * profiles are static and read-only: copy one before changing it.
 *
 * Errors: emu_profile_set/load return -1 with a message in errbuf
 * (MG_ERRBUF_SIZE) naming the parameter and the bad value (load: with
 * FILE:LINE: in front).  Nothing here prints or exits.
 *
 * Profile file syntax:
 *   # comment
 *   base asa                  (optional, first; start from a built-in)
 *   name = value              (any parameter; a later line wins)
 *   profile my-asa            (optional: the profile's own name)
 */
#ifndef EMU_PROFILE_H
#define EMU_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "emu_log.h"

#define EMU_PROFILE_NAME_MAX	32
#define EMU_PROFILE_TEXT_MAX	64	/* answer_text */
#define EMU_PROFILE_LIST_MAX	256	/* verbs / keywords comma lists */
#define EMU_PROFILE_FILE_MAX	(64 * 1024)	/* bytes of a profile file */

/* How the greeting (the first reply, every line of it) is masked. */
enum emu_banner {
	EMU_BANNER_NONE = 0,	/* untouched */
	EMU_BANNER_CMAP,	/* pix-4.1: "220 SMTP/cmap____...____read" */
	EMU_BANNER_AFTER4,	/* pix-4.4: keep 4 bytes, mask the rest */
	EMU_BANNER_ZERO_TWO,	/* pix 5.1-6.3: keep '2' '0', ' ' after '0' */
	EMU_BANNER_ASA,		/* asa: '*' after "DDD " / "DDD-", each line */
	EMU_BANNER__COUNT
};

/* What happens to a command whose verb is not allowed. */
enum emu_refuse {
	EMU_REFUSE_ANSWER_OK = 0, /* pix-4.1: box answers answer_text, cut */
	EMU_REFUSE_XFILL,	/* every byte but CR LF -> 'X' */
	EMU_REFUSE_NOOP,	/* verb -> "NOOP" + spaces (< 4: X-fill) */
	EMU_REFUSE__COUNT
};

/*
 * The PIX 5.1 split end-of-data bug (CSCds90792, middlebox-behaviour.md
 * section 2): what happens to the final CRLF when "\r\n." and "\r\n"
 * arrive in separate segments.
 */
enum emu_eod {
	EMU_EOD_OFF = 0,	/* passes (the bug fixed: 5.2(4), 6.0(1)) */
	EMU_EOD_SWALLOW,	/* cut for ever: the server never sees the
				   end of data, nothing is delivered */
	EMU_EOD_LATE,		/* held, released in front of the client's
				   next bytes or when it closes: no 250 while
				   the sender waits, delivery after it gave
				   up, a duplicate on its retry (hold mode
				   only; without hold it is SWALLOW) */
	EMU_EOD__COUNT
};

/* Which verbs reach the server. */
enum emu_verbs {
	EMU_VERBS_ALL = 0,	/* everything (off) */
	EMU_VERBS_RFC821,	/* HELO MAIL RCPT DATA RSET NOOP QUIT */
	EMU_VERBS_ASA,		/* the fifteen of inspect esmtp */
	EMU_VERBS_CUSTOM,	/* verbs_custom, a comma list */
	EMU_VERBS__COUNT
};

struct emu_profile {
	char		name[EMU_PROFILE_NAME_MAX];
	enum emu_banner	banner;
	enum emu_refuse	refuse;
	char		answer_text[EMU_PROFILE_TEXT_MAX]; /* CRLF added */
	enum emu_verbs	verbs;
	char		verbs_custom[EMU_PROFILE_LIST_MAX];
	int		ehlo_mask;	/* mask EHLO reply keywords */
	char		keywords[EMU_PROFILE_LIST_MAX]; /* allowed, comma list;
					   an entry ending in '=' is a prefix */
	int		mask_params;	/* X-fill parameters of masked kw */
	int		allow_tls;	/* STARTTLS passes, then passthrough */
	enum emu_eod	eod_split_bug;	/* CSCds90792 */
	int		interactive_xfill; /* Cisco 113423 */
	int		pipe_replace;	/* '|' in MAIL/RCPT -> ' ' (108002) */
	int		special_char_drop; /* '|' '`' NUL -> drop (108003) */
	int		size_check;	/* log 108006 */
	/* Limits, 0 = no check (ASA _default_esmtp_map). */
	uint32_t	cmd_line_max;
	uint32_t	rcpt_max;
	uint32_t	header_line_max;
	uint32_t	sender_max;
	uint32_t	mime_filename_max;
	uint32_t	body_line_max;	/* log only (108005) */
	int		drop;		/* limits drop (else only log) */
	int		drop_421;	/* on drop, send "421" to the client
					   first (default: just close) */
	enum emu_log_style log_style;
};

/* Built-in profile by name, NULL if unknown. */
const struct emu_profile *emu_profile_builtin(const char *name);
size_t	emu_profile_count(void);
const struct emu_profile *emu_profile_at(size_t i);	/* NULL past end */

/* One parameter: "name=value" from --set, split by the caller. */
int	emu_profile_set(struct emu_profile *p, const char *name,
	    const char *value, char *errbuf);
/* "name=value" in one string (for --set). */
int	emu_profile_set_arg(struct emu_profile *p, const char *arg,
	    char *errbuf);
/* A profile file (syntax above), applied over *p. */
int	emu_profile_load(struct emu_profile *p, const char *path,
	    char *errbuf);
/* Same from memory; where names the source in errors. */
int	emu_profile_load_mem(struct emu_profile *p, const char *text,
	    size_t len, const char *where, char *errbuf);
/* "profile NAME\n" then "  param = value\n" for every parameter. */
int	emu_profile_format(const struct emu_profile *p, struct buf *out);

/* Is this verb (slice, any case) allowed to reach the server? */
int	emu_profile_verb_ok(const struct emu_profile *p, const char *verb,
	    size_t len);
/* Could a verb starting with this prefix still be allowed? */
int	emu_profile_verb_prefix_ok(const struct emu_profile *p,
	    const char *verb, size_t len);
/* Is this EHLO keyword (slice, any case) in the allowed set? */
int	emu_profile_keyword_ok(const struct emu_profile *p, const char *kw,
	    size_t len);
/* Could a keyword starting with this prefix still be allowed? */
int	emu_profile_keyword_prefix_ok(const struct emu_profile *p,
	    const char *kw, size_t len);

/* Enum names as in profile files ("zero-two", "noop", ...). */
const char *emu_banner_name(enum emu_banner b);
const char *emu_refuse_name(enum emu_refuse r);
const char *emu_eod_name(enum emu_eod e);	/* "off" "swallow" "late" */

#endif /* EMU_PROFILE_H */
