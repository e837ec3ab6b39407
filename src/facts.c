/* facts.c - the named-fact table: set, get, and the list of known names. */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "facts.h"
#include "util.h"

/* Verbs probed one by one (behaviour reference section 4.4), then the
 * legacy ones --exposure asks about. */
#define FACTS_VERB_LIST(X) \
	X("AUTH") X("STARTTLS") X("BDAT") X("X-LINK2STATE") X("XEXCH50") \
	X("ETRN") X("VRFY") X("HELP") X("EXPN") X("TURN") X("ATRN") \
	X("X-EXPS") X("VERB") X("WIZ") X("DEBUG") X("KILL")

#define FACTS_VERB_NAME(v)	v,
const char *const facts_verbs[] = {
	FACTS_VERB_LIST(FACTS_VERB_NAME) NULL
};

/* Their fact names, spelt out once (no name built per session). */
#define FACTS_VERB_FACTS(v) { .verb = v, .code = "verb." v ".code", \
	.text = "verb." v ".text", .xquoted = "verb." v ".xquoted", \
	.same = "verb." v ".same_as_unknown" },
const struct facts_verb_facts facts_verb_facts[] = {
	FACTS_VERB_LIST(FACTS_VERB_FACTS)
	{ .verb = NULL },
};

/* Exact fact names (docs/fingerprints.md lists them with their values). */
static const char *const facts_exact[] = {
	"conn.connected", "conn.transcripts", "conn.dropped", "conn.timeouts",
	"greeting.class", "greeting.lines", "greeting.code", "greeting.text",
	"greeting.end",
	"ehlo.code", "ehlo.keywords", "ehlo.masked", "ehlo.mask_letters_ok",
	"ehlo.xquoted", "ehlo.text", "ehlo.lines", "ehlo.end",
	"helo.code", "helo.text",
	"unknown.code", "unknown.xquoted", "unknown.text", "unknown.end",
	"mail.8bitmime.code", "mail.smtputf8.code",
	"seg1.code", "seg1.xquoted", "seg1.end",
	"pipelined.count", "pipelined.ok",
	"starttls.offered", "starttls.code",
	"tls.ok", "tls.kw_masked_outside", "tls.kw_missing_outside",
	"tls.kw_xmasked_outside", "tls.greeting_diff", "tls.inner.ehlo.code",
	"tls.inner.keywords",
	"eod_split.code", "eod_split.answered", "eod_split.late",
	"data.code", "anomalies.total",
	NULL
};

/* Patterns: prefix, then a name, then an optional fixed suffix. */
static const struct facts_pattern {
	const char	*prefix;
	const char	*suffix;	/* NULL: any name, no suffix */
} facts_patterns[] = {
	{ .prefix = "ehlo.kw.", .suffix = NULL },
	{ .prefix = "tls.inner.kw.", .suffix = NULL },
	{ .prefix = "anomaly.", .suffix = NULL },
	{ .prefix = "verb.", .suffix = ".code" },
	{ .prefix = "verb.", .suffix = ".xquoted" },
	{ .prefix = "verb.", .suffix = ".same_as_unknown" },
	{ .prefix = "verb.", .suffix = ".text" },
	{ .prefix = "verb.", .suffix = ".end" },
	{ .prefix = NULL, .suffix = NULL },
};

char *
facts_cat(char *dst, size_t size, const char *a, const char *b,
    const char *c)
{
	const char *parts[3] = { a, b, c };
	size_t i, n = 0, l;

	for (i = 0; i < 3 && size > 0; i++) {
		if (parts[i] == NULL)
			continue;
		l = strlen(parts[i]);
		if (l > size - 1 - n)
			l = size - 1 - n;
		memcpy(dst + n, parts[i], l);
		n += l;
	}
	if (size > 0)
		dst[n] = '\0';
	return dst;
}

/* First chunk of a table's arena: the ~128 slots (14 KB), their index
 * and ~100 short values of a session fit. */
#define FACTS_ARENA_FIRST	(32 * 1024)

/* n bytes from the table's arena (freed by facts_free only). */
static char *
facts_alloc(struct facts *fs, size_t n)
{
	return arena_alloc(&fs->arena, n);
}

static char *
facts_strndup(struct facts *fs, const char *s, size_t n)
{
	return arena_memdup0(&fs->arena, s, n);
}

void
facts_init(struct facts *fs)
{
	memset(fs, 0, sizeof(*fs));
	arena_init_size(&fs->arena, FACTS_ARENA_FIRST);
}

void
facts_free(struct facts *fs)
{
	if (fs == NULL)
		return;
	arena_free(&fs->arena);
	buf_free(&fs->scratch);
	memset(fs, 0, sizeof(*fs));
}

/*
 * An index entry: slot + 1 in the low FACTS_SLOT_BITS bits (MG_FACTS_MAX
 * fits), the high bits of the name's hash above, so a probe that meets
 * another name is refused without comparing strings.
 */
#define FACTS_SLOT_BITS		11
#define FACTS_SLOT_MASK		((1u << FACTS_SLOT_BITS) - 1)
#define FACTS_TAG(h)		((h) & ~FACTS_SLOT_MASK)
_Static_assert(MG_FACTS_MAX < FACTS_SLOT_MASK, "fact slots fit the index");

static void
facts_index_put(struct facts *fs, size_t slot, uint32_t h)
{
	size_t m = fs->hsize - 1, i = h & m;

	while (fs->hidx[i] != 0)
		i = (i + 1) & m;
	fs->hidx[i] = FACTS_TAG(h) | ((uint32_t)slot + 1);
}

static void
facts_index_grow(struct facts *fs)
{
	size_t i;

	/* The old index stays in the arena (freed with the table). */
	fs->hsize = fs->size * 2;
	fs->hidx = arena_calloc(&fs->arena, fs->hsize, sizeof(*fs->hidx));
	for (i = 0; i < fs->n; i++)
		facts_index_put(fs, i, facts_hash_l(fs->f[i].name,
		    fs->f[i].nlen));
}

/* Are the n bytes at a and b the same?  A word at a time, inline (fact
 * names are 6 to 40 bytes: a call to memcmp cost more than the compare). */
static inline int
facts_name_eq(const char *a, const char *b, size_t n)
{
	uint64_t x, y;

	for (; n >= 8; n -= 8, a += 8, b += 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return 0;
	}
	for (; n > 0; n--)
		if (*a++ != *b++)
			return 0;
	return 1;
}

/* The fact named name (len bytes, hash h), or NULL. */
static struct fact *
facts_find_h(const struct facts *fs, const char *name, size_t len,
    uint32_t h)
{
	size_t m, i;
	uint32_t v;
	struct fact *f;

	if (fs->hsize == 0)
		return NULL;
	m = fs->hsize - 1;
	for (i = h & m; (v = fs->hidx[i]) != 0; i = (i + 1) & m) {
		if (FACTS_TAG(v) != FACTS_TAG(h))
			continue;
		f = &fs->f[(v & FACTS_SLOT_MASK) - 1];
		if (f->nlen == len && facts_name_eq(f->name, name, len))
			return f;
	}
	return NULL;
}

/* The slot for name (len bytes, hash h): existing (when replace) or
 * new; NULL to keep (*existed set when it was there already) or when
 * dropped. */
static struct fact *
facts_slot_h(struct facts *fs, const char *name, uint32_t h, size_t len,
    int replace, int *existed)
{
	struct fact *f;

	size_t m, i = 0;
	uint32_t v;

	*existed = 0;
	/* The look-up of facts_find_h, keeping where it stopped: a new
	 * name's index entry goes there. */
	if (fs->hsize > 0) {
		m = fs->hsize - 1;
		for (i = h & m; (v = fs->hidx[i]) != 0; i = (i + 1) & m) {
			if (FACTS_TAG(v) != FACTS_TAG(h))
				continue;
			f = &fs->f[(v & FACTS_SLOT_MASK) - 1];
			if (f->nlen == len &&
			    facts_name_eq(f->name, name, len)) {
				*existed = 1;
				/* value reused or replaced */
				return replace ? f : NULL;
			}
		}
	}
	if (fs->n >= MG_FACTS_MAX || len >= MG_FACT_NAME_MAX) {
		fs->dropped++;
		return NULL;
	}
	if (fs->n == fs->size) {
		/* 128 slots first, then twice; the old array stays in the
		 * arena (freed with the table) */
		fs->f = arena_grow(&fs->arena, fs->f, &fs->size,
		    fs->n < 128 ? 128 : fs->n + 1, sizeof(*fs->f));
		facts_index_grow(fs);
		/* A new index: look for the free entry again. */
		m = fs->hsize - 1;
		for (i = h & m; fs->hidx[i] != 0; i = (i + 1) & m)
			;
	}
	if (fs->anom_first == 0 && name[0] == 'a' && len >= 8 &&
	    memcmp(name, "anomaly.", 8) == 0)
		fs->anom_first = fs->n + 1;
	f = &fs->f[fs->n++];
	memcpy(f->name, name, len);
	f->name[len] = '\0';
	f->nlen = (uint32_t)len;
	f->value = NULL;
	f->vroom = 0;
	f->is_num = 0;
	f->num = 0;
	f->evidence = NULL;
	f->source = NULL;
	fs->hidx[i] = FACTS_TAG(h) | (uint32_t)fs->n;	/* slot + 1 */
	return f;
}

/* Small numbers' text, so most integer facts point at it instead of
 * formatting into the table (vroom 0: a replace never writes in it). */
#define FACTS_SMALL	1000
static char facts_small[FACTS_SMALL][4];
static pthread_once_t facts_small_once = PTHREAD_ONCE_INIT;

static void
facts_small_init(void)
{
	size_t v;
	char *p;

	for (v = 0; v < FACTS_SMALL; v++) {
		p = facts_small[v];
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p = '\0';
	}
}

/* The number v as f's value. */
static void
facts_int_value(struct facts *fs, struct fact *f, int64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	f->is_num = 1;
	f->num = v;
	if (v >= 0 && v < FACTS_SMALL) {
		pthread_once(&facts_small_once, facts_small_init);
		f->value = facts_small[v];
		f->vroom = 0;
		return;
	}
	*--p = '\0';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	/* Room for any int64, so counting up replaces in place. */
	if (f->value == NULL || f->vroom < sizeof(tmp)) {
		f->value = facts_alloc(fs, sizeof(tmp));
		f->vroom = sizeof(tmp);
	}
	memcpy(f->value, p, (size_t)(tmp + sizeof(tmp) - p));
}

void
facts_set_int_h(struct facts *fs, const char *name, size_t len, uint32_t h,
    int64_t v, int replace)
{
	struct fact *f;
	int existed;

	if ((f = facts_slot_h(fs, name, h, len, replace, &existed)) != NULL)
		facts_int_value(fs, f, v);
}

int
facts_add_int_h(struct facts *fs, const char *name, size_t len, uint32_t h,
    int64_t v)
{
	struct fact *f;
	int existed;

	if ((f = facts_slot_h(fs, name, h, len, 0, &existed)) != NULL)
		facts_int_value(fs, f, v);
	return existed;
}

void
facts_set_str_h(struct facts *fs, const char *name, size_t len, uint32_t h,
    const char *v, int replace)
{
	struct fact *f;
	uint64_t u;
	size_t n;
	int existed;

	if ((f = facts_slot_h(fs, name, h, len, replace, &existed)) == NULL)
		return;
	v = v != NULL ? v : "";
	/* Bound the copy by the fact value cap. */
	n = strnlen(v, MG_FACT_VALUE_MAX);
	if (f->value != NULL && f->vroom > n) {
		memcpy(f->value, v, n);
		f->value[n] = '\0';
	} else {
		f->value = facts_strndup(fs, v, n);
		f->vroom = n + 1;
	}
	f->is_num = 0;
	f->num = 0;
	if (n > 0 && v[0] >= '0' && v[0] <= '9' &&
	    util_parse_u64n(f->value, n, 0, INT64_MAX, &u) == 0) {
		f->is_num = 1;
		f->num = (int64_t)u;
	}
}

void
facts_set_static_h(struct facts *fs, const char *name, size_t len,
    uint32_t h, const char *v)
{
	struct fact *f;
	uint64_t u;
	int existed;
	size_t n;

	if ((f = facts_slot_h(fs, name, h, len, 0, &existed)) == NULL)
		return;
	/* vroom 0: a later replace never writes into v. */
	f->value = (char *)(uintptr_t)v;
	f->vroom = 0;
	if (v[0] >= '0' && v[0] <= '9' &&
	    (n = strlen(v)) <= MG_FACT_VALUE_MAX &&
	    util_parse_u64n(v, n, 0, INT64_MAX, &u) == 0) {
		f->is_num = 1;
		f->num = (int64_t)u;
	}
}

void
facts_set_evidence_h(struct facts *fs, const char *name, size_t len,
    uint32_t h, const char *evidence, const char *source)
{
	struct fact *f;

	if ((f = facts_find_h(fs, name, len, h)) == NULL ||
	    f->evidence != NULL)
		return;
	if (evidence != NULL)
		f->evidence = facts_strndup(fs, evidence,
		    strnlen(evidence, 4 * MG_FACT_VALUE_MAX));
	if (source == NULL)
		return;
	/* Every fact of a transcript is given the same label: one copy. */
	if (source != fs->src_in) {
		fs->src_copy = facts_strndup(fs, source, strlen(source));
		fs->src_in = source;
	}
	f->source = fs->src_copy;
}

const struct fact *
facts_get_h(const struct facts *fs, const char *name, size_t len,
    uint32_t h)
{
	return facts_find_h(fs, name, len, h);
}

/* A keyword or verb name: letters, digits, '-', '=' ... no dots. */
int
facts_name_ok(const char *p, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		char c = p[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '=' ||
		    c == '_'))
			return 0;
	}
	return 1;
}

int
facts_known(const char *name)
{
	const struct facts_pattern *pt;
	size_t i, n = strlen(name), pl, sl;

	/* Patterns first: keyword facts are checked by the dozen per
	 * session, and the answer is the same in either order. */
	for (pt = facts_patterns; pt->prefix != NULL; pt++) {
		pl = strlen(pt->prefix);
		sl = pt->suffix != NULL ? strlen(pt->suffix) : 0;
		if (n <= pl + sl || strncmp(name, pt->prefix, pl) != 0)
			continue;
		if (sl > 0 && strcmp(name + n - sl, pt->suffix) != 0)
			continue;
		if (facts_name_ok(name + pl, n - pl - sl))
			return 1;
	}
	for (i = 0; facts_exact[i] != NULL; i++)
		if (strcmp(facts_exact[i], name) == 0)
			return 1;
	return 0;
}
