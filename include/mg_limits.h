/*
 * mg_limits.h - every cap in mailguard, in one place.
 *
 * Wire bytes are hostile: each container that grows on input has a cap here.
 * Hitting a cap records an anomaly or evicts; nothing grows without bound.
 */
#ifndef MG_LIMITS_H
#define MG_LIMITS_H

/* RFC 5321 4.5.3.1.4: a command line is at most 512 octets with CRLF;
 * 4.5.3.1.5: a reply line at most 512.  We accept more than the RFC and
 * record an anomaly past it; past MG_LINE_MAX the line is cut and the rest
 * discarded until LF. */
#define MG_SMTP_LINE_RFC	512
#define MG_LINE_MAX		4096

/* Lines in one multi-line reply (an EHLO reply has ~20 in practice). */
#define MG_REPLY_LINES_MAX	256

/* Bytes kept per direction of one transcript; past it events are counted
 * but their bytes dropped (anomaly "transcript-truncated"). */
#define MG_TRANSCRIPT_BYTES_MAX	(1024 * 1024)
/* Events kept per transcript. */
#define MG_TRANSCRIPT_EVENTS_MAX	65536
/* Anomalies kept per transcript (further ones are counted only). */
#define MG_TRANSCRIPT_ANOMALIES_MAX	256

/* Default cap for a growable buffer when the caller gives none. */
#define MG_BUF_DEFAULT_CAP	(1024 * 1024)

/* Error buffers passed to modules that touch the outside world. */
#define MG_ERRBUF_SIZE		256

/* Fingerprint file. */
#define MG_FP_LINE_MAX		1024
#define MG_FP_ENTRIES_MAX	1024

/* Capture reading: concurrent TCP flows and bytes buffered out of order
 * per direction before the oldest data is given up as a gap. */
#define MG_FLOWS_MAX		65536
#define MG_REASM_PENDING_MAX	(256 * 1024)
#define MG_FLOW_IDLE_SEC	300

/* Live prober: whole-run deadline and per-reply timeout (seconds). */
#define MG_PROBE_DEADLINE_SEC	120
#define MG_PROBE_REPLY_TIMEOUT_SEC	10
#define MG_PROBE_REPLY_BYTES_MAX	(64 * 1024)

/* Emulator: concurrent connections and per-connection buffering. */
#define MG_EMU_CONNS_MAX	4096
#define MG_EMU_CONN_BUF_MAX	(256 * 1024)

#endif /* MG_LIMITS_H */
