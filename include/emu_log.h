/*
 * emu_log.h - device-format syslog lines for the emulator: one line per
 * event, in the format a PIX or ASA prints, so an engineer recognises them.
 *
 * Formats follow docs/middlebox-behaviour.md section 2 (108002, 108004,
 * 108007 verbatim there) and the Cisco ASA syslog message guide for the
 * others (108003, 108005, 108006).  Examples:
 *   %PIX-2-108002: SMTP replaced string: out 10.0.0.1 in 10.0.0.2 data: ...
 *   %ASA-6-108007: TLS started on ESMTP session between client
 *     inside:10.0.0.2/1025 and server outside:10.0.0.1/25
 *   %ASA-4-108004: ESMTP Classification: Dropped connection for ESMTP
 *     Request from outside:1.2.3.4/1025 to inside:10.0.0.2/25; matched
 *     Class 2: cmd RCPT count gt 100
 *
 * Ownership: a struct emu_log does not own its FILE (the driver opens and
 * closes it: stderr or --log FILE).  fp NULL: events are counted only.
 * Wire text given in an event is escaped (escape.h) before printing.
 * Nothing here fails: a failed fprintf is ignored (the counters still
 * count).  Timestamps are off unless EMU_LOG_F_TIMESTAMP is given, so
 * tests get deterministic lines.
 */
#ifndef EMU_LOG_H
#define EMU_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Which device prints the line: "%PIX-" or "%ASA-" (NONE: no lines). */
enum emu_log_style {
	EMU_LOG_NONE = 0,
	EMU_LOG_PIX,
	EMU_LOG_ASA,
	EMU_LOG_STYLE__COUNT
};

/* The events (Cisco message numbers). */
enum emu_log_id {
	EMU_LOG_108002_REPLACED = 0,	/* '|' replaced by a space */
	EMU_LOG_108003_MALICIOUS,	/* special character: connection cut */
	EMU_LOG_108004_DROPPED,		/* a drop-connection class matched */
	EMU_LOG_108005_LOGONLY,		/* a log-only class matched */
	EMU_LOG_108006_SIZE,		/* declared SIZE < data sent */
	EMU_LOG_108007_TLS,		/* TLS started, inspection stops */
	EMU_LOG_ID__COUNT
};

/* emu_log_new() flags. */
#define EMU_LOG_F_TIMESTAMP	0x01	/* "Nov 22 2026 16:40:01: " prefix */

#define EMU_PEER_IFC_MAX	32
#define EMU_PEER_IP_MAX		64	/* INET6_ADDRSTRLEN and then some */

/*
 * The two ends of one connection, as text for log lines.  The driver
 * fills it (the proxy from its sockets, replay from the capture).  ifc
 * names default to "outside" (client) and "inside" (server): mail
 * arriving from the Internet at a server behind the box.
 */
struct emu_peers {
	char		client_ifc[EMU_PEER_IFC_MAX];
	char		client_ip[EMU_PEER_IP_MAX];
	uint16_t	client_port;
	char		server_ifc[EMU_PEER_IFC_MAX];
	char		server_ip[EMU_PEER_IP_MAX];
	uint16_t	server_port;
};

/* Fill with "outside"/"inside", "0.0.0.0", ports 0. */
void	emu_peers_init(struct emu_peers *p);

/*
 * Event details; unused fields stay zero/NULL.  data/data_len is wire
 * text (escaped and cut to 200 bytes before printing).
 */
struct emu_log_arg {
	int		 class_no;	/* 108004/108005: "matched Class N" */
	const char	*what;		/* "cmd RCPT count gt 100" */
	int		 response;	/* 108005: 1 = ESMTP Response (S2C) */
	const uint8_t	*data;		/* 108002/108003: the string */
	size_t		 data_len;
	uint64_t	 declared;	/* 108006 */
	uint64_t	 actual;	/* 108006 */
};

struct emu_log;

struct emu_log	*emu_log_new(FILE *fp, int flags);
void		 emu_log_free(struct emu_log *l);	/* NULL: no-op */

/*
 * One line for event id in the given style (NONE: counted, not
 * printed).  peers NULL: emu_peers_init() defaults.  l NULL: no-op.
 */
void	emu_log_event(struct emu_log *l, enum emu_log_style style,
	    enum emu_log_id id, const struct emu_peers *peers,
	    const struct emu_log_arg *a);

/*
 * Format the line (without timestamp and without the trailing newline)
 * into out/size; returns what snprintf returns.  Used by emu_log_event
 * and by tests.
 */
int	emu_log_format(char *out, size_t size, enum emu_log_style style,
	    enum emu_log_id id, const struct emu_peers *peers,
	    const struct emu_log_arg *a);

/* A free-form line from the emulator itself ("mailguard-emulate: ..."). */
void	emu_log_printf(struct emu_log *l, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Events of this id seen so far (printed or not). */
uint64_t emu_log_count(const struct emu_log *l, enum emu_log_id id);

/* "108002"..., for tests and reports. */
const char *emu_log_id_name(enum emu_log_id id);

#endif /* EMU_LOG_H */
