/*
 * fp_load.h - the fingerprint signature file: its in-memory form and the
 * strict loader.
 *
 * The file (src/mailguard.fp, installed as $(pkgdatadir)/mailguard.fp,
 * overridable with -F FILE or env MG_FP_FILE) is line oriented; the format
 * is documented in docs/fingerprints.md.  In short:
 *
 *	fingerprint NAME
 *	  family pix|asa|proxy|none
 *	  generation GEN
 *	  weight 1..100
 *	  match FACT OP [VALUE]      (all must hold; OP: == != >= <= > <
 *	                              contains exists absent)
 *	  unless FACT OP [VALUE]     (must not hold; a fact never measured
 *	                              does not hold, so unless passes)
 *	  ref "source of the rule"
 *	  effect EFFECT-NAME ...
 *	end
 *	effect EFFECT-NAME "text shown to the user"
 *	fix GEN
 *	  line "configuration line"
 *	end
 *
 * The loader refuses the whole file on the first error and writes
 * "FILE:LINE: message" into errbuf (MG_ERRBUF_SIZE).  It checks lines
 * against MG_FP_LINE_MAX, entries against MG_FP_ENTRIES_MAX, fact names
 * against facts_known(), that every effect a fingerprint names is
 * defined, and that names are unique.
 *
 * Each entry, effect and fix also carries its constant part as report
 * JSON (the bytes report_json.c writes for it, escaped once at load), so
 * the analyzer copies it for every session instead of escaping it again.
 *
 * Ownership: fp_load_* return a struct fp_db the caller frees with
 * fp_db_free (NULL is a no-op); every string in it is owned by the db.
 */
#ifndef FP_LOAD_H
#define FP_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "mg_limits.h"

enum fp_op {
	FP_OP_EQ,
	FP_OP_NE,
	FP_OP_GE,
	FP_OP_LE,
	FP_OP_GT,
	FP_OP_LT,
	FP_OP_CONTAINS,	/* case-insensitive substring of the text value */
	FP_OP_EXISTS,
	FP_OP_ABSENT,
	FP_OP__COUNT
};

struct fp_cond {
	char		*fact;
	uint32_t	 fact_hash;	/* facts_name_hash(fact) */
	size_t		 fact_len;	/* strlen(fact) */
	size_t		 fact_idx;	/* same for conditions on the same
					 * fact: 0 .. db->nfact_idx - 1 */
	size_t		 test_idx;	/* same for the same fact, op and
					 * value (negate aside): 0 ..
					 * db->ntest_idx - 1 */
	char		*used_head;	/* "[unless ]FACT OP [VALUE] (": a
					 * matched condition's text before
					 * the actual value (fp_match.h) */
	size_t		 used_head_len;
	enum fp_op	 op;
	char		*value;		/* NULL for exists/absent */
	int		 is_num;	/* value is a decimal integer */
	int64_t		 num;
	int		 negate;	/* "unless" rather than "match" */
	int		 quoted;	/* value was a "string" in the file */
	unsigned	 line;
};

struct fp_entry {
	char		*name;
	char		*family;	/* "none", "pix", "asa", "proxy" */
	char		*generation;
	int		 weight;	/* 1..100 */
	char		*ref;
	struct fp_cond	*conds;
	size_t		 nconds;
	char		**effects;	/* effect names */
	size_t		 neffects;
	size_t		*effect_idx;	/* each one's index in db->effects
					 * (set once the file is read) */
	int		 fam;		/* fp_family_parse(family) */
	unsigned	 line;
	/* "name":N,"family":F,"generation":G,"weight":W,"ref":R,"facts":
	 * (or NULL) */
	char		*json;
};

struct fp_effect {
	char		*name;
	char		*text;
	char		*json;		/* "name":N,"text":T} or NULL */
};

struct fp_fix {
	char		*generation;
	char		**lines;
	size_t		 nlines;
	char		*json;		/* {"generation":G,"lines":[...]} */
};

struct fp_db {
	char		*path;
	struct fp_entry	*entries;
	size_t		 nentries;
	struct fp_effect *effects;
	size_t		 neffects;
	struct fp_fix	*fixes;
	size_t		 nfixes;
	size_t		 nfact_idx;	/* distinct facts the conditions
					 * read (fp_cond.fact_idx) */
	size_t		 ntest_idx;	/* distinct tests (fp_cond.test_idx) */
};

/* Load a file; NULL with "FILE:LINE: message" in errbuf on any error. */
struct fp_db	*fp_load_file(const char *path, char *errbuf);
/* Same over a buffer; name is used in messages. */
struct fp_db	*fp_load_buf(const char *name, const char *text, size_t len,
		    char *errbuf);
void		 fp_db_free(struct fp_db *db);

/*
 * The file to use when no -F was given: env MG_FP_FILE if set and
 * non-empty, else PKGDATADIR "/mailguard.fp".  Static storage or environ.
 */
const char	*fp_load_default_path(void);

/* Lookups (NULL when absent). */
const struct fp_effect *fp_db_effect(const struct fp_db *db,
		    const char *name);
const struct fp_fix *fp_db_fix(const struct fp_db *db,
		    const char *generation);
/* "==", "!=", ... */
const char	*fp_op_name(enum fp_op op);

#endif /* FP_LOAD_H */
