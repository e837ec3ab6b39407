/* fp_load.c - strict loader of the fingerprint signature file. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "facts.h"
#include "fp_load.h"
#include "fp_match.h"
#include "report_json.h"
#include "util.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/mailguard"
#endif

/* Largest signature file accepted. */
#define FP_FILE_MAX	(4 * 1024 * 1024)
/* Tokens on one line (match FACT OP VALUE is 4; effect lists more). */
#define FP_TOKENS_MAX	32

enum fp_block {
	FP_BLK_TOP,
	FP_BLK_FINGERPRINT,
	FP_BLK_FIX,
};

struct fp_parser {
	struct fp_db	*db;
	const char	*name;
	unsigned	 line;
	enum fp_block	 blk;
	unsigned	 blk_line;
	char		*tok[FP_TOKENS_MAX];
	int		 quoted[FP_TOKENS_MAX];
	size_t		 ntok;
	char		*errbuf;
};

static const char *const fp_op_names[] = {
	[FP_OP_EQ] = "==", [FP_OP_NE] = "!=", [FP_OP_GE] = ">=",
	[FP_OP_LE] = "<=", [FP_OP_GT] = ">", [FP_OP_LT] = "<",
	[FP_OP_CONTAINS] = "contains", [FP_OP_EXISTS] = "exists",
	[FP_OP_ABSENT] = "absent",
};

static const char *const fp_families[] = {
	"none", "pix", "asa", "proxy", NULL
};

static int
fp_family_ok(const char *s)
{
	size_t i;

	for (i = 0; fp_families[i] != NULL; i++)
		if (strcmp(fp_families[i], s) == 0)
			return 1;
	return 0;
}

/* ,"key": or "key": then s as report_json writes a string ("" when s
 * is not UTF-8, as jansson); 0, or -1 past the buffer's cap. */
static int
fp_json_kstr(struct buf *b, const char *key, const char *s, int first)
{
	int rc = 0;

	if (!first)
		rc |= buf_append(b, ",", 1);
	rc |= buf_append(b, "\"", 1);
	rc |= buf_append_str(b, key);
	rc |= buf_append(b, "\":", 2);
	return rc | report_json_string(b, s);
}

/* b's text as a new string, or NULL after a failure. */
static char *
fp_json_take(struct buf *b, int rc)
{
	char *s = rc == 0 ? xstrdup(buf_cstr(b)) : NULL;

	buf_reset(b);
	return s;
}

/* The JSON fragments of every entry, effect and fix (fp_load.h). */
static void
fp_json_prepare(struct fp_db *db)
{
	const struct fp_entry *e;
	struct buf b;
	size_t i, j;
	int rc;

	buf_init(&b, 0);
	for (i = 0; i < db->nentries; i++) {
		e = &db->entries[i];
		rc = fp_json_kstr(&b, "name", e->name, 1);
		rc |= fp_json_kstr(&b, "family", e->family, 0);
		rc |= fp_json_kstr(&b, "generation", e->generation, 0);
		rc |= buf_printf(&b, ",\"weight\":%d", e->weight);
		rc |= fp_json_kstr(&b, "ref", e->ref, 0);
		rc |= buf_append_str(&b, ",\"facts\":");
		db->entries[i].json = fp_json_take(&b, rc);
	}
	for (i = 0; i < db->neffects; i++) {
		rc = fp_json_kstr(&b, "name", db->effects[i].name, 1);
		rc |= fp_json_kstr(&b, "text", db->effects[i].text, 0);
		rc |= buf_append_str(&b, "}");
		db->effects[i].json = fp_json_take(&b, rc);
	}
	for (i = 0; i < db->nfixes; i++) {
		rc = buf_append_str(&b, "{");
		rc |= fp_json_kstr(&b, "generation", db->fixes[i].generation,
		    1);
		rc |= buf_append_str(&b, ",\"lines\":[");
		for (j = 0; j < db->fixes[i].nlines; j++) {
			if (j > 0)
				rc |= buf_append(&b, ",", 1);
			rc |= report_json_string(&b, db->fixes[i].lines[j]);
		}
		rc |= buf_append_str(&b, "]}");
		db->fixes[i].json = fp_json_take(&b, rc);
	}
	buf_free(&b);
}

const char *
fp_op_name(enum fp_op op)
{
	return (size_t)op < FP_OP__COUNT ? fp_op_names[op] : "?";
}

static int
fp_err(struct fp_parser *p, const char *msg, const char *arg)
{
	util_errbuf(p->errbuf, MG_ERRBUF_SIZE, "%s:%u: %s%s%s", p->name,
	    p->line, msg, arg != NULL ? ": " : "", arg != NULL ? arg : "");
	return -1;
}

/* Split one line into tokens; "..." with \" and \\ escapes; # comments. */
static int
fp_tokenize(struct fp_parser *p, char *s)
{
	char *w;

	p->ntok = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (*s == '\0' || *s == '#')
			return 0;
		if (p->ntok == FP_TOKENS_MAX)
			return fp_err(p, "too many words on the line", NULL);
		p->quoted[p->ntok] = *s == '"';
		if (*s != '"') {
			p->tok[p->ntok++] = s;
			while (*s != '\0' && *s != ' ' && *s != '\t' &&
			    *s != '\r')
				s++;
			if (*s != '\0')
				*s++ = '\0';
			continue;
		}
		p->tok[p->ntok++] = w = ++s;
		while (*s != '"') {
			if (*s == '\0')
				return fp_err(p, "unterminated string", NULL);
			if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
				s++;
			else if (*s == '\\')
				return fp_err(p, "bad escape in string", NULL);
			*w++ = *s++;
		}
		*w = '\0';
		s++;
		if (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\r')
			return fp_err(p, "text right after a string", NULL);
	}
}

/* Names of fingerprints, effects, generations: [a-z0-9._-]+. */
static int
fp_name_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '.' || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int
fp_need(struct fp_parser *p, size_t min, size_t max)
{
	if (p->ntok < min)
		return fp_err(p, "missing argument to", p->tok[0]);
	if (p->ntok > max)
		return fp_err(p, "too many arguments to", p->tok[0]);
	return 0;
}

static int
fp_int(const char *s, int64_t *out)
{
	uint64_t u;
	int neg = *s == '-';

	if (util_parse_u64(s + neg, 0, INT64_MAX, &u) != 0)
		return -1;
	*out = neg ? -(int64_t)u : (int64_t)u;
	return 0;
}

static struct fp_entry *
fp_cur(struct fp_parser *p)
{
	return &p->db->entries[p->db->nentries - 1];
}

/* The index of c's fact among those the conditions so far read (c is
 * the newest condition of the last entry). */
static size_t
fp_fact_idx(struct fp_db *db, const struct fp_cond *c)
{
	const struct fp_entry *e;
	size_t i, j;

	for (i = 0; i < db->nentries; i++) {
		e = &db->entries[i];
		for (j = 0; j < e->nconds; j++)
			if (&e->conds[j] != c &&
			    strcmp(e->conds[j].fact, c->fact) == 0)
				return e->conds[j].fact_idx;
	}
	return db->nfact_idx++;
}

/* The index of c's test (fact, op, value) among those so far. */
static size_t
fp_test_idx(struct fp_db *db, const struct fp_cond *c)
{
	const struct fp_entry *e;
	const struct fp_cond *o;
	size_t i, j;

	for (i = 0; i < db->nentries; i++) {
		e = &db->entries[i];
		for (j = 0; j < e->nconds; j++) {
			o = &e->conds[j];
			if (o == c || o->fact_idx != c->fact_idx ||
			    o->op != c->op || o->is_num != c->is_num ||
			    (o->value == NULL) != (c->value == NULL) ||
			    (o->value != NULL &&
			    strcmp(o->value, c->value) != 0))
				continue;
			return o->test_idx;
		}
	}
	return db->ntest_idx++;
}

static int
fp_match_line(struct fp_parser *p)
{
	struct fp_entry *e = fp_cur(p);
	struct fp_cond *c;
	size_t op;

	if (fp_need(p, 3, 4) != 0)
		return -1;
	if (!facts_known(p->tok[1]))
		return fp_err(p, "unknown fact", p->tok[1]);
	for (op = 0; op < FP_OP__COUNT; op++)
		if (strcmp(p->tok[2], fp_op_names[op]) == 0)
			break;
	if (op == FP_OP__COUNT)
		return fp_err(p, "unknown operator", p->tok[2]);
	if ((op == FP_OP_EXISTS || op == FP_OP_ABSENT) != (p->ntok == 3))
		return fp_err(p, op == FP_OP_EXISTS || op == FP_OP_ABSENT ?
		    "no value expected after" : "value expected after",
		    p->tok[2]);
	e->conds = xreallocarray(e->conds, e->nconds + 1, sizeof(*c));
	c = &e->conds[e->nconds++];
	memset(c, 0, sizeof(*c));
	c->fact = xstrdup(p->tok[1]);
	c->fact_len = strlen(c->fact);
	c->fact_hash = facts_hash_l(c->fact, c->fact_len);
	c->fact_idx = fp_fact_idx(p->db, c);
	c->op = (enum fp_op)op;
	c->negate = p->tok[0][0] == 'u';
	c->line = p->line;
	if (p->ntok == 4) {
		c->value = xstrdup(p->tok[3]);
		c->quoted = p->quoted[3];
		c->is_num = !p->quoted[3] && fp_int(p->tok[3], &c->num) == 0;
	}
	c->test_idx = fp_test_idx(p->db, c);
	c->used_head = xasprintf("%s%s %s%s%s (", c->negate ? "unless " : "",
	    c->fact, fp_op_name(c->op), c->value != NULL ? " " : "",
	    c->value != NULL ? c->value : "");
	c->used_head_len = strlen(c->used_head);
	if ((op == FP_OP_GE || op == FP_OP_LE || op == FP_OP_GT ||
	    op == FP_OP_LT) && !c->is_num)
		return fp_err(p, "number expected after", p->tok[2]);
	return 0;
}

static int
fp_fingerprint_line(struct fp_parser *p)
{
	struct fp_entry *e = fp_cur(p);
	const char *k = p->tok[0];
	int64_t w;
	size_t i;

	if (strcmp(k, "match") == 0 || strcmp(k, "unless") == 0)
		return fp_match_line(p);
	if (strcmp(k, "effect") == 0) {
		if (fp_need(p, 2, FP_TOKENS_MAX) != 0)
			return -1;
		for (i = 1; i < p->ntok; i++) {
			if (!fp_name_ok(p->tok[i]))
				return fp_err(p, "bad effect name", p->tok[i]);
			e->effects = xreallocarray(e->effects, e->neffects + 1,
			    sizeof(char *));
			e->effects[e->neffects++] = xstrdup(p->tok[i]);
		}
		return 0;
	}
	if (fp_need(p, 2, 2) != 0)
		return -1;
	if (strcmp(k, "family") == 0 || strcmp(k, "generation") == 0 ||
	    strcmp(k, "ref") == 0 || strcmp(k, "weight") == 0) {
		char **slot = k[0] == 'f' ? &e->family : k[0] == 'g' ?
		    &e->generation : &e->ref;

		if (k[0] == 'w') {
			if (e->weight != 0)
				return fp_err(p, "weight given twice", NULL);
			if (fp_int(p->tok[1], &w) != 0 || w < 1 || w > 100)
				return fp_err(p, "weight must be 1..100",
				    p->tok[1]);
			e->weight = (int)w;
			return 0;
		}
		if (*slot != NULL)
			return fp_err(p, "given twice", k);
		if (k[0] == 'f' && !fp_family_ok(p->tok[1]))
			return fp_err(p, "family must be none, pix, asa or "
			    "proxy, not", p->tok[1]);
		if (k[0] == 'g' && !fp_name_ok(p->tok[1]))
			return fp_err(p, "bad generation name", p->tok[1]);
		if (k[0] == 'r' && !p->quoted[1])
			return fp_err(p, "ref must be a quoted string", NULL);
		*slot = xstrdup(p->tok[1]);
		return 0;
	}
	return fp_err(p, "unknown keyword in fingerprint", k);
}

static int
fp_fix_line(struct fp_parser *p)
{
	struct fp_fix *f = &p->db->fixes[p->db->nfixes - 1];

	if (strcmp(p->tok[0], "line") != 0)
		return fp_err(p, "unknown keyword in fix", p->tok[0]);
	if (fp_need(p, 2, 2) != 0)
		return -1;
	if (!p->quoted[1])
		return fp_err(p, "line must be a quoted string", NULL);
	f->lines = xreallocarray(f->lines, f->nlines + 1, sizeof(char *));
	f->lines[f->nlines++] = xstrdup(p->tok[1]);
	return 0;
}

/* Checks when a block closes. */
static int
fp_close(struct fp_parser *p)
{
	struct fp_entry *e;
	size_t i;

	if (p->blk == FP_BLK_FIX) {
		if (p->db->fixes[p->db->nfixes - 1].nlines == 0)
			return fp_err(p, "fix without lines", NULL);
		return 0;
	}
	e = fp_cur(p);
	if (e->family == NULL)
		return fp_err(p, "fingerprint without family", e->name);
	if (e->generation == NULL)
		return fp_err(p, "fingerprint without generation", e->name);
	if (e->weight == 0)
		return fp_err(p, "fingerprint without weight", e->name);
	if (e->ref == NULL)
		return fp_err(p, "fingerprint without ref", e->name);
	if (e->nconds == 0)
		return fp_err(p, "fingerprint without match", e->name);
	for (i = 0; i < e->nconds && e->conds[i].negate; i++)
		continue;
	if (i == e->nconds)
		return fp_err(p, "fingerprint with only unless lines", e->name);
	for (i = 0; i + 1 < p->db->nentries; i++)
		if (strcmp(p->db->entries[i].name, e->name) == 0)
			return fp_err(p, "duplicate fingerprint", e->name);
	return 0;
}

static int
fp_top_line(struct fp_parser *p)
{
	struct fp_db *db = p->db;
	const char *k = p->tok[0];
	size_t total = db->nentries + db->neffects + db->nfixes;

	if (strcmp(k, "end") == 0)
		return fp_err(p, "end without a block", NULL);
	if (total >= MG_FP_ENTRIES_MAX)
		return fp_err(p, "too many entries (MG_FP_ENTRIES_MAX)", NULL);
	if (strcmp(k, "effect") == 0) {
		if (fp_need(p, 3, 3) != 0)
			return -1;
		if (!fp_name_ok(p->tok[1]))
			return fp_err(p, "bad effect name", p->tok[1]);
		if (!p->quoted[2])
			return fp_err(p, "effect text must be quoted", NULL);
		if (fp_db_effect(db, p->tok[1]) != NULL)
			return fp_err(p, "duplicate effect", p->tok[1]);
		db->effects = xreallocarray(db->effects, db->neffects + 1,
		    sizeof(*db->effects));
		db->effects[db->neffects].name = xstrdup(p->tok[1]);
		db->effects[db->neffects].json = NULL;
		db->effects[db->neffects++].text = xstrdup(p->tok[2]);
		return 0;
	}
	if (fp_need(p, 2, 2) != 0)
		return -1;
	if (!fp_name_ok(p->tok[1]))
		return fp_err(p, "bad name", p->tok[1]);
	p->blk_line = p->line;
	if (strcmp(k, "fix") == 0) {
		if (fp_db_fix(db, p->tok[1]) != NULL)
			return fp_err(p, "duplicate fix", p->tok[1]);
		db->fixes = xreallocarray(db->fixes, db->nfixes + 1,
		    sizeof(*db->fixes));
		memset(&db->fixes[db->nfixes], 0, sizeof(db->fixes[0]));
		db->fixes[db->nfixes++].generation = xstrdup(p->tok[1]);
		p->blk = FP_BLK_FIX;
		return 0;
	}
	if (strcmp(k, "fingerprint") == 0) {
		db->entries = xreallocarray(db->entries, db->nentries + 1,
		    sizeof(*db->entries));
		memset(&db->entries[db->nentries], 0, sizeof(db->entries[0]));
		db->entries[db->nentries].name = xstrdup(p->tok[1]);
		db->entries[db->nentries++].line = p->line;
		p->blk = FP_BLK_FINGERPRINT;
		return 0;
	}
	return fp_err(p, "unknown keyword", k);
}

static int
fp_line(struct fp_parser *p, char *s)
{
	if (fp_tokenize(p, s) != 0)
		return -1;
	if (p->ntok == 0)
		return 0;
	if (p->quoted[0])
		return fp_err(p, "line starts with a string", NULL);
	if (p->blk == FP_BLK_TOP)
		return fp_top_line(p);
	if (strcmp(p->tok[0], "end") == 0) {
		if (fp_need(p, 1, 1) != 0 || fp_close(p) != 0)
			return -1;
		p->blk = FP_BLK_TOP;
		return 0;
	}
	if (p->blk == FP_BLK_FIX)
		return fp_fix_line(p);
	return fp_fingerprint_line(p);
}

/* Every effect a fingerprint names must be defined (anywhere); each
 * entry keeps their indexes and its family's number, so a report looks
 * up neither by name. */
static int
fp_check_refs(struct fp_parser *p)
{
	struct fp_entry *e;
	const struct fp_effect *fe;
	size_t i, j;

	for (i = 0; i < p->db->nentries; i++) {
		e = &p->db->entries[i];
		e->fam = fp_family_parse(e->family);
		free(e->effect_idx);
		e->effect_idx = xcalloc(e->neffects ? e->neffects : 1,
		    sizeof(*e->effect_idx));
		for (j = 0; j < e->neffects; j++) {
			if ((fe = fp_db_effect(p->db, e->effects[j])) !=
			    NULL) {
				e->effect_idx[j] = (size_t)(fe -
				    p->db->effects);
				continue;
			}
			p->line = e->line;
			return fp_err(p, "undefined effect", e->effects[j]);
		}
	}
	return 0;
}

struct fp_db *
fp_load_buf(const char *name, const char *text, size_t len, char *errbuf)
{
	struct fp_parser p;
	char line[MG_FP_LINE_MAX + 2];
	const char *s = text, *end = text + len, *nl;
	size_t n;
	int rc = 0;

	memset(&p, 0, sizeof(p));
	p.db = xcalloc(1, sizeof(*p.db));
	p.db->path = xstrdup(name);
	p.name = name;
	p.errbuf = errbuf;
	if (memchr(text, '\0', len) != NULL) {
		p.line = 1;
		rc = fp_err(&p, "NUL byte in file", NULL);
	}
	while (rc == 0 && s < end) {
		p.line++;
		nl = memchr(s, '\n', (size_t)(end - s));
		n = nl != NULL ? (size_t)(nl - s) : (size_t)(end - s);
		if (n > MG_FP_LINE_MAX) {
			rc = fp_err(&p, "line too long (MG_FP_LINE_MAX)", NULL);
			break;
		}
		memcpy(line, s, n);
		line[n] = '\0';
		rc = fp_line(&p, line);
		s = nl != NULL ? nl + 1 : end;
	}
	if (rc == 0 && p.blk != FP_BLK_TOP) {
		p.line = p.blk_line;
		rc = fp_err(&p, "block not closed with end", NULL);
	}
	if (rc == 0 && p.db->nentries == 0) {
		p.line = p.line ? p.line : 1;
		rc = fp_err(&p, "no fingerprint in file", NULL);
	}
	if (rc == 0)
		rc = fp_check_refs(&p);
	if (rc != 0) {
		fp_db_free(p.db);
		return NULL;
	}
	fp_json_prepare(p.db);
	return p.db;
}

struct fp_db *
fp_load_file(const char *path, char *errbuf)
{
	FILE *fp;
	char *text;
	size_t n;
	struct fp_db *db;

	if ((fp = fopen(path, "r")) == NULL) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s:0: %s", path,
		    strerror(errno));
		return NULL;
	}
	text = xmalloc(FP_FILE_MAX + 1);
	n = fread(text, 1, FP_FILE_MAX + 1, fp);
	if (ferror(fp) || n > FP_FILE_MAX) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s:0: %s", path,
		    ferror(fp) ? "read error" : "file too large");
		fclose(fp);
		free(text);
		return NULL;
	}
	fclose(fp);
	db = fp_load_buf(path, text, n, errbuf);
	free(text);
	return db;
}

void
fp_db_free(struct fp_db *db)
{
	size_t i, j;

	if (db == NULL)
		return;
	for (i = 0; i < db->nentries; i++) {
		struct fp_entry *e = &db->entries[i];

		free(e->name);
		free(e->family);
		free(e->generation);
		free(e->ref);
		for (j = 0; j < e->nconds; j++) {
			free(e->conds[j].fact);
			free(e->conds[j].value);
			free(e->conds[j].used_head);
		}
		free(e->conds);
		for (j = 0; j < e->neffects; j++)
			free(e->effects[j]);
		free(e->effects);
		free(e->effect_idx);
		free(e->json);
	}
	free(db->entries);
	for (i = 0; i < db->neffects; i++) {
		free(db->effects[i].name);
		free(db->effects[i].text);
		free(db->effects[i].json);
	}
	free(db->effects);
	for (i = 0; i < db->nfixes; i++) {
		free(db->fixes[i].json);
		free(db->fixes[i].generation);
		for (j = 0; j < db->fixes[i].nlines; j++)
			free(db->fixes[i].lines[j]);
		free(db->fixes[i].lines);
	}
	free(db->fixes);
	free(db->path);
	free(db);
}

const char *
fp_load_default_path(void)
{
	const char *e = getenv("MG_FP_FILE");

	if (e != NULL && *e != '\0')
		return e;
#ifdef MG_SRC_FP
	/* Not installed yet (quickstart runs from the build tree): use the
	 * file in the source tree this binary was built from. */
	if (access(PKGDATADIR "/mailguard.fp", R_OK) != 0 &&
	    access(MG_SRC_FP, R_OK) == 0)
		return MG_SRC_FP;
#endif
	return PKGDATADIR "/mailguard.fp";
}

const struct fp_effect *
fp_db_effect(const struct fp_db *db, const char *name)
{
	size_t i;

	for (i = 0; i < db->neffects; i++)
		if (strcmp(db->effects[i].name, name) == 0)
			return &db->effects[i];
	return NULL;
}

const struct fp_fix *
fp_db_fix(const struct fp_db *db, const char *generation)
{
	size_t i;

	for (i = 0; i < db->nfixes; i++)
		if (strcmp(db->fixes[i].generation, generation) == 0)
			return &db->fixes[i];
	return NULL;
}
