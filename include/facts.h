/*
 * facts.h - the named facts the fingerprint matcher judges: one table
 * computed from one or more transcripts (a live probe run: one transcript
 * per probe, labelled with the probe name; a capture session: one
 * unlabelled transcript).
 *
 * Facts come from CONTENT wherever possible (which verb the client sent and
 * how the reply came back), so the same fingerprints judge live probes and
 * captures; a probe label is used only where content cannot tell (the
 * "starttls-inner" transcript, the dialogue inside TLS).  The full list of
 * facts, their values and the rules behind them is in docs/fingerprints.md.
 * (The module is "facts", not "features": include/features.h would shadow
 * glibc's <features.h> for every file built with -Iinclude.)
 *
 * Every fact has a text value; numeric facts (codes, counts, 0/1 flags)
 * also carry a number (is_num) and compare numerically.  Fact names are
 * copied; values are owned by the table; a fact set twice keeps its first
 * value (first probe that shows it wins) unless facts_set_* is told to
 * replace.  Evidence (an escaped wire line and the probe it came from) is
 * optional per fact.
 *
 * Ownership: a struct facts is caller storage (stack or embedded);
 * facts_init() prepares it, facts_free() releases what it holds
 * (NULL is a no-op).  The table is capped at MG_FACTS_MAX facts; past it
 * further facts are counted in f->dropped, never stored.  Nothing here
 * prints; facts_from_transcripts() returns 0, or -1 with errbuf set
 * when its arguments are unusable (it never fails on hostile bytes).
 */
#ifndef FACTS_H
#define FACTS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "mg_limits.h"

struct transcript;

/* Facts kept per table (a full probe run yields ~150). */
#define MG_FACTS_MAX		1024
/* Longest fact name and longest text value kept (values are cut). */
#define MG_FACT_NAME_MAX	64
#define MG_FACT_VALUE_MAX	256

struct fact {
	char	 name[MG_FACT_NAME_MAX];
	uint32_t nlen;		/* strlen(name) */
	char	*value;		/* text value, owned, never NULL */
	size_t	 vroom;		/* bytes value may hold (replacing) */
	int	 is_num;	/* value is a decimal integer */
	int64_t	 num;		/* the number when is_num */
	char	*evidence;	/* escaped wire line, owned, may be NULL */
	char	*source;	/* probe label or "session", may be NULL */
};

struct facts {
	struct fact	*f;
	size_t		 n, size;
	uint64_t	 dropped;	/* facts refused by the cap */
	size_t		 anom_first;	/* slot + 1 of the first fact named
					 * "anomaly.*" (0: none), where a
					 * reader of them starts */
	const char	*src_in;	/* the last evidence source given */
	char		*src_copy;	/* and its copy, shared by the
					 * facts given the same pointer */
	uint32_t	*hidx;		/* open-addressing index: slot + 1 */
	size_t		 hsize;		/* power of two, >= 2 * size */
	/* Slots, index, values, evidence and sources live in one arena
	 * freed together (a table holds ~100 short strings; one malloc
	 * each was a third of the capture analyzer's allocations). */
	struct arena	 arena;
	/* Scratch text for the derivation (escaped reply lines). */
	struct buf	 scratch;
};

void	facts_init(struct facts *fs);
void	facts_free(struct facts *fs);

/*
 * Compute every fact from n transcripts into out (which is initialised
 * here; free it with facts_free even on error).  n == 0 gives a table
 * with conn.connected = 0 and nothing else, which the matcher calls
 * inconclusive.
 */
int	facts_from_transcripts(struct transcript *const *t, size_t n,
	    struct facts *out, char *errbuf);

/*
 * Same from dialogs already built (d[i] from t[i], both non-NULL), so a
 * caller that also needs the dialogs (report.c) parses each connection
 * once.  out is initialised here.
 */
struct dialog;
void	facts_from_dialogs(struct dialog *const *d,
	    struct transcript *const *t, size_t n, struct facts *out);

/*
 * Every setter and getter takes the name's length and hash (the _h
 * forms); the usual forms below are inline and compute both from the
 * name, so for a literal name (most of them) the compiler folds the
 * strlen and the hash away: no name is measured or hashed per session.
 * The hash is of the length and the first and last eight bytes (names
 * are 6 to 40 bytes and differ at one end or the other; a rare
 * collision only costs a compare).
 */
static inline uint32_t
facts_hash_l(const char *name, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, a = 0, b = 0;
	size_t i;

	if (n >= 8) {
		memcpy(&a, name, 8);
		memcpy(&b, name + n - 8, 8);
	} else
		for (i = 0; i < n; i++)
			a |= (uint64_t)(unsigned char)name[i] << (8 * i);
	h = (h ^ a) * 0xff51afd7ed558ccdULL;
	h ^= h >> 32;
	h = (h ^ b) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	return (uint32_t)h;
}

void	facts_set_int_h(struct facts *fs, const char *name, size_t len,
	    uint32_t h, int64_t v, int replace);
int	facts_add_int_h(struct facts *fs, const char *name, size_t len,
	    uint32_t h, int64_t v);
void	facts_set_str_h(struct facts *fs, const char *name, size_t len,
	    uint32_t h, const char *v, int replace);
void	facts_set_static_h(struct facts *fs, const char *name, size_t len,
	    uint32_t h, const char *v);
void	facts_set_evidence_h(struct facts *fs, const char *name,
	    size_t len, uint32_t h, const char *evidence, const char *source);
const struct fact *facts_get_h(const struct facts *fs, const char *name,
	    size_t len, uint32_t h);

/* Setters: keep the first value unless replace != 0. */
static inline void
facts_set_int(struct facts *fs, const char *name, int64_t v, int replace)
{
	size_t n = strlen(name);

	facts_set_int_h(fs, name, n, facts_hash_l(name, n), v, replace);
}

static inline void
facts_set_str(struct facts *fs, const char *name, const char *v,
    int replace)
{
	size_t n = strlen(name);

	facts_set_str_h(fs, name, n, facts_hash_l(name, n), v, replace);
}

/*
 * facts_set_str(fs, name, v, 0) for a name whose facts_name_hash() the
 * caller keeps and a value that outlives the table (a literal), which is
 * not copied.  v must be shorter than MG_FACT_VALUE_MAX.
 */
static inline void
facts_set_static(struct facts *fs, const char *name, uint32_t hash,
    const char *v)
{
	facts_set_static_h(fs, name, strlen(name), hash, v);
}

/* facts_set_int(fs, name, v, 0), saying whether name was there already
 * (1: nothing changed) or not (0: set, or dropped by the cap). */
static inline int
facts_add_int(struct facts *fs, const char *name, int64_t v)
{
	size_t n = strlen(name);

	return facts_add_int_h(fs, name, n, facts_hash_l(name, n), v);
}

/*
 * Attach evidence (escaped text, copied) and source to an existing fact.
 * The source is copied once per pointer given (the facts of a transcript
 * share its label's copy): the text behind a pointer given again must
 * not have changed.
 */
static inline void
facts_set_evidence(struct facts *fs, const char *name,
    const char *evidence, const char *source)
{
	size_t n = strlen(name);

	facts_set_evidence_h(fs, name, n, facts_hash_l(name, n), evidence,
	    source);
}

/* Lookup; NULL when absent. */
static inline const struct fact *
facts_get(const struct facts *fs, const char *name)
{
	size_t n = strlen(name);

	return facts_get_h(fs, name, n, facts_hash_l(name, n));
}

/*
 * The hash facts_get() computes from a name, so a caller that looks the
 * same name up in table after table (a fingerprint condition) computes
 * it once; facts_get_hashed(fs, name, facts_name_hash(name)) is
 * facts_get(fs, name).
 */
static inline uint32_t
facts_name_hash(const char *name)
{
	return facts_hash_l(name, strlen(name));
}

static inline const struct fact *
facts_get_hashed(const struct facts *fs, const char *name, uint32_t hash)
{
	return facts_get_h(fs, name, strlen(name), hash);
}

/* Numeric value of a numeric fact, def when absent or not numeric. */
static inline int64_t
facts_get_int(const struct facts *fs, const char *name, int64_t def)
{
	const struct fact *f = facts_get(fs, name);

	return f != NULL && f->is_num ? f->num : def;
}

/* Text value, def when absent. */
static inline const char *
facts_get_str(const struct facts *fs, const char *name, const char *def)
{
	const struct fact *f = facts_get(fs, name);

	return f != NULL ? f->value : def;
}

/*
 * dst = a b c (NULL parts skipped), cut to size - 1 bytes, NUL-terminated;
 * returns dst.  Fact names are built thousands of times per session, so
 * this avoids printf.
 */
char	*facts_cat(char *dst, size_t size, const char *a, const char *b,
	    const char *c);

/*
 * Is name a fact this module can produce (exact names and the patterns
 * ehlo.kw.NAME, verb.NAME.*, tls.inner.kw.NAME, anomaly.NAME)?  The
 * fingerprint loader uses it to refuse typos.
 */
int	facts_known(const char *name);
/*
 * Is [p, p+len) a NAME those patterns accept (letters, digits, '-', '=',
 * '_'; not empty)?  facts_known("ehlo.kw." NAME) is facts_name_ok(NAME).
 */
int	facts_name_ok(const char *p, size_t len);

/* Verbs probed one by one (verb.NAME.*), NULL-terminated. */
extern const char *const facts_verbs[];

/* The same verbs with their fact names, in the same order, ending with
 * verb NULL. */
struct facts_verb_facts {
	const char	*verb;		/* "AUTH" */
	const char	*code;		/* "verb.AUTH.code" */
	const char	*text;
	const char	*xquoted;
	const char	*same;		/* "verb.AUTH.same_as_unknown" */
};
extern const struct facts_verb_facts facts_verb_facts[];

#endif /* FACTS_H */
