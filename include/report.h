/*
 * report.h - what mailguard tells the engineer about one target or one
 * captured session: the verdict, the evidence exactly as received
 * (escaped with escape_wire), masked EHLO keywords decoded to their likely
 * originals, which verbs pass and how refused ones came back, the effects
 * on mail and the fix (both from the fingerprint file), and one line per
 * probe.  out_text.h and out_json.h render it.
 *
 * Build it in one call (report_from_probes / report_from_capture_session:
 * facts, match and report) or from parts already computed
 * (report_build).  Program drivers may add notes (lock-down test, exposure,
 * compare) with report_add_note; they are printed after the fix.
 *
 * Ownership: a report owns every string in it (all escaped already, safe
 * for a terminal and for JSON) except those of the fingerprint db, which
 * must outlive it: matched fingerprints' name, family, generation, ref
 * and JSON fragment, the effects and the fix point into the db (they
 * were copied for every session for nothing: every caller keeps its db
 * to the end), and the static texts report.c chooses from (summary,
 * verb names and statuses, the fact an evidence line names: a literal
 * or a condition's, in the db).  It keeps no pointer into the
 * transcripts or the facts, which may be freed first.  Its own strings
 * and lists live in its arena (r->arena, arena.h), freed at once by
 * report_free (NULL is a no-op); code that fills a report by hand takes
 * it from report_new() and its storage from report_str()/r->arena.
 * Nothing here prints or fails: hostile bytes end up escaped, an empty
 * probe run ends up inconclusive.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "fp_match.h"

struct transcript;

/* Caps on each list in a report. */
#define MG_REPORT_ITEMS_MAX	256
/* Escaped text kept per evidence line / probe reply. */
#define MG_REPORT_TEXT_MAX	2048

struct report_match {
	char		*name, *family, *generation, *ref;
	int		 weight;
	char		**facts;	/* "ehlo.code == 500 (500)" */
	size_t		 nfacts;
	char		*json;		/* the fingerprint's fp_entry.json,
					 * or NULL (report_json.c) */
};

struct report_evidence {
	char		*source;	/* probe label or "session" */
	char		*what;		/* "greeting", "EHLO reply", ... */
	char		*text;		/* escaped wire bytes */
};

struct report_keyword {
	char		*masked;	/* as received, escaped */
	size_t		 length;
	char		*decoded;	/* "STARTTLS" or "HELP|TURN|ATRN" */
};

struct report_verb {
	char		*verb;		/* "STARTTLS" */
	char		*status;	/* "passes", "refused", "x-filled",
					 * "answered-ok", "no-reply",
					 * "not-probed" */
	int		 code;		/* 0: none */
	char		*reply;		/* escaped first line, may be "" */
};

struct report_effect {
	char		*name;
	char		*text;
	char		*json;		/* fp_effect.json, or NULL */
};

struct report_probe {
	char		*name;
	char		*sent;		/* escaped bytes sent (C>S) */
	char		*reply;		/* escaped bytes received (S>C) */
	char		*classification;
};

struct report_note {
	char		*section;	/* "lockdown", "exposure", ... */
	char		*text;
};

struct report {
	char			*target;	/* as the user typed it */
	char			*address;	/* server address text */
	uint16_t		 port;
	/* Capture sessions only (is_capture). */
	int			 is_capture;
	size_t			 session_index;
	char			*client;
	uint16_t		 cport;

	struct fp_verdict	 verdict;
	char			*summary;	/* one line, e.g. "Cisco ASA
						 * inspect esmtp (asa)" */
	struct report_match	*matched;	size_t nmatched;
	struct report_evidence	*evidence;	size_t nevidence;
	struct report_keyword	*keywords;	size_t nkeywords;
	struct report_verb	*verbs;		size_t nverbs;
	struct report_effect	*effects;	size_t neffects;
	char			**fix;		size_t nfix;
	char			*fix_generation;
	char			*fix_json;	/* fp_fix.json, or NULL */
	struct report_probe	*probes;	size_t nprobes;
	struct report_note	*notes;		size_t nnotes;
	char			**anomalies;	size_t nanomalies;
						/* "name: count" */
	uint64_t		 dropped;	/* items refused by caps */

	struct arena		 arena;		/* every string and list */
	struct {				/* elements each list has room
						 * for (arena_grow) */
		size_t		 matched, evidence, keywords, verbs,
				 effects, probes, notes, anomalies;
	}			 room;
};

/* Live probe run: n transcripts, each labelled with its probe name. */
struct report	*report_from_probes(const struct fp_db *db,
		    const char *target, const char *address, uint16_t port,
		    struct transcript *const *t, size_t n);
/* One captured session (t->client/server/ports give the addresses). */
struct report	*report_from_capture_session(const struct fp_db *db,
		    struct transcript *t, size_t session_index);
/*
 * Same, but the full report only when the verdict's family is in full (a
 * mask of 1u << FP_FAM_*); otherwise a brief one: target, addresses,
 * ports, verdict and summary with every list empty, exactly what
 * out_text_summary_line() prints (the analyzer's one line per clean
 * session, or nothing with -q).  The matcher judges every session alike.
 */
struct report	*report_from_capture_select(const struct fp_db *db,
		    struct transcript *t, size_t session_index,
		    unsigned full);
/* From parts already computed (fs and res as fp_match left them). */
struct report	*report_build(const char *target, const char *address,
		    uint16_t port, const struct facts *fs,
		    const struct fp_result *res, const struct fp_db *db,
		    struct transcript *const *t, size_t n);
void		 report_free(struct report *r);
/* An empty report (every list empty, arena ready). */
struct report	*report_new(void);
/* A copy of s ("" for NULL) in r's arena. */
char		*report_str(struct report *r, const char *s);

void		 report_add_note(struct report *r, const char *section,
		    const char *text);
/*
 * Exit status for mailguard-detect for this one report: 0 family none,
 * 1 pix/asa/proxy (interference), 3 inconclusive.  Combining several
 * reports is the caller's choice (see mailguard-detect(1)).
 */
int		 report_exit_code(const struct report *r);

#endif /* REPORT_H */
