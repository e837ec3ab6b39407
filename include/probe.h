/*
 * probe.h - run one probe (one TCP connection) against one address, as a
 * non-blocking state machine that a poll loop drives (probe_run.h), and
 * render a probe's bytes and segments for --dry-run.
 *
 * Each connection fills a struct probe_result: the transcript of the
 * connection (label = probe name; every write() and read() is one DATA
 * event, so segment boundaries survive), a second transcript labelled
 * "starttls-inner" for the dialogue inside TLS, the outcome and the last
 * reply code.  Sockets use TCP_NODELAY and one write() per segment with a
 * pause between segments.  Every wait has a per-reply timeout inside the
 * target's deadline; a connection receives at most
 * MG_PROBE_REPLY_BYTES_MAX bytes.  Whatever the server does, the
 * connection ends by its deadline with an outcome.
 *
 * Ownership: a probe_conn writes into a caller-owned probe_result and
 * closes its socket in probe_conn_free() (NULL is a no-op); the result's
 * transcripts belong to the result (probe_result_clear()).  Nothing here
 * prints; the caller must ignore SIGPIPE (TLS writes use write()).
 */
#ifndef PROBE_H
#define PROBE_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "mg_limits.h"
#include "probe_table.h"
#include "target.h"

struct tls_ctx;
struct transcript;

/* RFC 2606: a name that can never be real. */
#define PROBE_HELO_DEFAULT	"mailguard.invalid"
/* Pause between the segments of a split send. */
#define PROBE_SEG_PAUSE_US	10000
/* The end-of-data split must reach the box as two reads even on a busy
 * path: at least this long between "\r\n." and "\r\n". */
#define PROBE_EOD_PAUSE_US	200000
/* Longest wait for the reply to QUIT (we are leaving anyway). */
#define PROBE_QUIT_WAIT_US	3000000
/* Segments one send may be cut into (PSPLIT_BYTE). */
#define PROBE_SEGS_MAX		1024

struct probe_opts {
	const char	*helo;		/* NULL: PROBE_HELO_DEFAULT */
	const char	*test_rcpt;	/* NULL: PROBE_F_DATA never runs */
	uint64_t	 reply_timeout_us;
	uint64_t	 deadline_us;	/* per target */
	uint64_t	 seg_pause_us;
	unsigned	 per_host;	/* connections at once per target */
	struct tls_ctx	*tls;		/* NULL: no STARTTLS handshake */
	uint32_t	 seed;		/* for %r */
	uint64_t	 date_us;	/* for %d; 0: now */
};

enum probe_outcome {
	PO_PENDING,
	PO_DONE,		/* every step ran, QUIT sent */
	PO_CONNECT_FAILED,
	PO_TIMEOUT,		/* a reply did not come in time */
	PO_CLOSED,		/* the server closed before we were done */
	PO_RESET,
	PO_DEADLINE,		/* the target's deadline ended it */
	PO_STOPPED,		/* a required reply was refused */
	PO_TLS_FAILED,
	PO_TOO_LARGE,		/* more than MG_PROBE_REPLY_BYTES_MAX */
	PO_SKIPPED,		/* not run (safety, options) */
	PO_ERROR,		/* local error (socket ...) */
	PO__COUNT
};

struct probe_result {
	const struct probe_def	*def;
	struct transcript	*tr;
	struct transcript	*inner;		/* starttls-inner or NULL */
	enum probe_outcome	 outcome;
	int			 last_code;	/* -1: none */
	unsigned		 replies;	/* complete replies received */
	int			 tls_ok;
	char			 tls_proto[96];
	char			 tls_subject[256];
	char			 detail[MG_ERRBUF_SIZE];
	uint64_t		 elapsed_us;
};

void probe_opts_defaults(struct probe_opts *o);
void probe_result_clear(struct probe_result *r);
const char *probe_outcome_name(enum probe_outcome o);

struct probe_conn;

/*
 * Start a connection (non-blocking connect).  deadline_us is monotonic
 * (util_mono_us) for the whole target.  Never NULL: a local failure ends
 * the connection at once (probe_conn_done()).
 */
struct probe_conn *probe_conn_new(const struct probe_def *d,
    const struct target_addr *a, const struct probe_opts *o,
    uint64_t deadline_us, struct probe_result *res);
/* Events to poll for (fd -1: none) and the next timer (monotonic us). */
void probe_conn_want(const struct probe_conn *c, struct pollfd *pfd,
    uint64_t *timer_us);
/* Advance with what poll returned (0 on a timer wake-up). */
void probe_conn_step(struct probe_conn *c, short revents, uint64_t now_us);
int probe_conn_done(const struct probe_conn *c);
void probe_conn_free(struct probe_conn *c);

#endif /* PROBE_H */
