/* transcript.c - the events of one SMTP connection, with hard caps. */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_limits.h"
#include "transcript.h"
#include "util.h"

static const char *const kind_names[TR_EV__COUNT] = {
	[TR_EV_CONNECT] = "connect",
	[TR_EV_DATA] = "data",
	[TR_EV_FIN] = "fin",
	[TR_EV_RST] = "rst",
	[TR_EV_GAP] = "gap",
	[TR_EV_TLS] = "tls",
	[TR_EV_TIMEOUT] = "timeout",
	[TR_EV_ANOMALY] = "anomaly",
	[TR_EV_NOTE] = "note",
};

/*
 * Finished transcripts keep their stream buffers and event array for the
 * next transcript_new(): a capture of 50,000 sessions otherwise grows two
 * buffers from 64 bytes and frees them again per session (realloc, malloc
 * and free were 13% of the capture reader's time).  At most
 * TR_POOL_MAX transcripts and TR_POOL_BYTES of their storage wait here;
 * a transcript whose storage grew past TR_POOL_ONE_MAX is freed.  Any
 * thread may free (the capture analyzer commits on its judging threads),
 * hence the lock.
 */
#if defined(__SANITIZE_ADDRESS__)
#define TR_POOL_MAX	0	/* ASan builds: every free is a real free */
#else
#define TR_POOL_MAX	128
#endif
#define TR_POOL_BYTES	(4 * 1024 * 1024)
#define TR_POOL_ONE_MAX	(96 * 1024)

static pthread_mutex_t	 tr_pool_mu = PTHREAD_MUTEX_INITIALIZER;
static struct transcript *tr_pool[TR_POOL_MAX + 1];
static size_t		 tr_pool_n;
static size_t		 tr_pool_bytes;

static size_t
transcript_storage(const struct transcript *t)
{
	return t->stream[TR_C2S].size + t->stream[TR_S2C].size +
	    t->evsize * sizeof(*t->ev);
}

static void
transcript_release(struct transcript *t)
{
	free(t->ev);
	buf_free(&t->stream[TR_C2S]);
	buf_free(&t->stream[TR_S2C]);
	free(t);
}

struct transcript *
transcript_new(const char *label)
{
	struct transcript *t = NULL;

	pthread_mutex_lock(&tr_pool_mu);
	if (tr_pool_n > 0) {
		t = tr_pool[--tr_pool_n];
		tr_pool_bytes -= transcript_storage(t);
	}
	pthread_mutex_unlock(&tr_pool_mu);
	if (t == NULL) {
		t = xcalloc(1, sizeof(*t));
		buf_init(&t->stream[TR_C2S], MG_TRANSCRIPT_BYTES_MAX);
		buf_init(&t->stream[TR_S2C], MG_TRANSCRIPT_BYTES_MAX);
	}
	util_strlcpy(t->label, label ? label : "", sizeof(t->label));
	return t;
}

void
transcript_free(struct transcript *t)
{
	struct transcript keep;
	size_t i, sz;

	if (t == NULL)
		return;
	for (i = 0; i < t->nev; i++)
		free(t->ev[i].detail);
	sz = transcript_storage(t);
	if (sz > TR_POOL_ONE_MAX) {
		transcript_release(t);
		return;
	}
	/* Back to the state transcript_new() gives, storage kept. */
	keep = *t;
	memset(t, 0, sizeof(*t));
	t->stream[TR_C2S] = keep.stream[TR_C2S];
	t->stream[TR_S2C] = keep.stream[TR_S2C];
	buf_reset(&t->stream[TR_C2S]);
	buf_reset(&t->stream[TR_S2C]);
	t->ev = keep.ev;
	t->evsize = keep.evsize;
	pthread_mutex_lock(&tr_pool_mu);
	if (tr_pool_n < TR_POOL_MAX && tr_pool_bytes + sz <= TR_POOL_BYTES) {
		tr_pool[tr_pool_n++] = t;
		tr_pool_bytes += sz;
		t = NULL;
	}
	pthread_mutex_unlock(&tr_pool_mu);
	if (t != NULL)
		transcript_release(t);
}

void
transcript_pool_drain(void)
{
	pthread_mutex_lock(&tr_pool_mu);
	while (tr_pool_n > 0)
		transcript_release(tr_pool[--tr_pool_n]);
	tr_pool_bytes = 0;
	pthread_mutex_unlock(&tr_pool_mu);
}

void
transcript_set_peers(struct transcript *t, const char *client, uint16_t cport,
    const char *server, uint16_t sport)
{
	util_strlcpy(t->client, client ? client : "", sizeof(t->client));
	util_strlcpy(t->server, server ? server : "", sizeof(t->server));
	t->cport = cport;
	t->sport = sport;
}

/* Reserve one event slot, or NULL when the cap is reached (counted). */
static struct tr_event *
transcript_slot(struct transcript *t, enum tr_kind kind, enum tr_dir dir,
    uint64_t ts_us)
{
	struct tr_event *e;

	if (t->nev >= MG_TRANSCRIPT_EVENTS_MAX) {
		t->events_dropped++;
		return NULL;
	}
	if (t->nev == t->evsize) {
		size_t n = t->evsize ? t->evsize * 2 : 16;

		t->ev = xreallocarray(t->ev, n, sizeof(*t->ev));
		t->evsize = n;
	}
	e = &t->ev[t->nev++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->dir = dir;
	e->ts_us = ts_us;
	e->off = t->stream[dir].len;
	if (t->start_us == 0 || ts_us < t->start_us)
		t->start_us = ts_us;
	if (ts_us > t->end_us)
		t->end_us = ts_us;
	return e;
}

static void
transcript_vanomaly(struct transcript *t, enum tr_dir dir, uint64_t ts_us,
    const char *name, const char *fmt, va_list ap)
{
	struct tr_event *e;
	char detail[256];

	if (t->nanomalies >= MG_TRANSCRIPT_ANOMALIES_MAX) {
		t->anomalies_dropped++;
		return;
	}
	if ((e = transcript_slot(t, TR_EV_ANOMALY, dir, ts_us)) == NULL)
		return;
	t->nanomalies++;
	e->name = name;
	if (fmt != NULL) {
		vsnprintf(detail, sizeof(detail), fmt, ap);
		e->detail = xstrdup(detail);
	}
}

void
transcript_data(struct transcript *t, enum tr_dir dir, uint64_t ts_us,
    int64_t seq, const uint8_t *p, size_t n)
{
	struct tr_event *e;
	size_t keep = n;
	struct buf *s = &t->stream[dir];

	if (s->len + keep > s->cap) {
		/* First byte dropped in this direction: say so once. */
		if (t->total[dir] == s->len)
			transcript_anomaly(t, dir, ts_us, "transcript-truncated",
			    "more than %d bytes in one direction; the rest is "
			    "counted, not kept", MG_TRANSCRIPT_BYTES_MAX);
		keep = s->cap - s->len;
	}
	t->total[dir] += n;
	if ((e = transcript_slot(t, TR_EV_DATA, dir, ts_us)) == NULL)
		return;
	if (seq >= 0) {
		e->seq = (uint32_t)seq;
		e->have_seq = 1;
	}
	if (keep > 0 && buf_append(s, p, keep) == 0)
		e->len = keep;
}

void
transcript_event(struct transcript *t, enum tr_kind kind, enum tr_dir dir,
    uint64_t ts_us)
{
	if (transcript_slot(t, kind, dir, ts_us) == NULL)
		return;
	if (kind == TR_EV_TLS && !t->tls) {
		t->tls = 1;
		t->tls_off[TR_C2S] = t->stream[TR_C2S].len;
		t->tls_off[TR_S2C] = t->stream[TR_S2C].len;
	}
}

void
transcript_gap(struct transcript *t, enum tr_dir dir, uint64_t ts_us,
    uint64_t missing)
{
	struct tr_event *e;

	if ((e = transcript_slot(t, TR_EV_GAP, dir, ts_us)) != NULL)
		e->len = missing;
}

void
transcript_anomaly(struct transcript *t, enum tr_dir dir, uint64_t ts_us,
    const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	transcript_vanomaly(t, dir, ts_us, name, fmt, ap);
	va_end(ap);
}

void
transcript_note(struct transcript *t, enum tr_dir dir, uint64_t ts_us,
    const char *fmt, ...)
{
	struct tr_event *e;
	va_list ap;
	char text[256];

	if ((e = transcript_slot(t, TR_EV_NOTE, dir, ts_us)) == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	e->detail = xstrdup(text);
}

const uint8_t *
transcript_bytes(const struct transcript *t, enum tr_dir dir, size_t *len)
{
	*len = t->stream[dir].len;
	return t->stream[dir].data ? t->stream[dir].data
	    : (const uint8_t *)"";
}

size_t
transcript_anomaly_count(const struct transcript *t, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < t->nev; i++)
		if (t->ev[i].kind == TR_EV_ANOMALY &&
		    strcmp(t->ev[i].name, name) == 0)
			n++;
	return n;
}

const char *
transcript_kind_name(enum tr_kind kind)
{
	if ((unsigned)kind >= TR_EV__COUNT)
		return "?";
	return kind_names[kind];
}

const char *
transcript_dir_name(enum tr_dir dir)
{
	return dir == TR_C2S ? "C>S" : "S>C";
}
