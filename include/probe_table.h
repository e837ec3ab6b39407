/*
 * probe_table.h - the prober's probes as data (zmap style): a
 * NULL-terminated registry of const struct probe_def, looked up by name.
 *
 * A probe is one TCP connection: a list of steps ending in PS_END.  Step
 * text is a template: %h is the HELO name, %r a random unknown verb,
 * %t the --send-test-message recipient, %d a Date header value, %% a
 * percent sign.  probe.c renders templates and runs the steps; the table
 * itself holds no state and nothing here allocates.
 *
 * Probes flagged PROBE_F_DATA send a message body: they are never run
 * unless the user gave --send-test-message (safe by default).
 */
#ifndef PROBE_TABLE_H
#define PROBE_TABLE_H

#include <stddef.h>

enum probe_step_kind {
	PS_END = 0,	/* sentinel */
	PS_GREETING,	/* wait for the greeting (one reply) */
	PS_SEND,	/* send text, then wait for .replies replies */
	PS_HELO_FALLBACK, /* if the last reply was not 2xx: HELO %h, 1 reply */
	PS_REQUIRE_2XX,	/* stop (then QUIT) unless the last reply was 2xx */
	PS_REQUIRE_3XX,	/* same, for 354 to DATA */
	PS_STARTTLS,	/* STARTTLS; on 220 a TLS handshake, then the
			 * following steps run inside TLS ("starttls-inner") */
	PS_QUIT,	/* QUIT, wait for 221 briefly, close */
};

/* How the rendered text of a PS_SEND step is cut into TCP segments. */
enum probe_split {
	PSPLIT_WHOLE = 0,	/* one write */
	PSPLIT_BYTE,		/* one write per byte */
	PSPLIT_EOD,		/* body through "\r\n." in one write, the
				 * final "\r\n" in another (CSCds90792) */
};

struct probe_step {
	enum probe_step_kind	 kind;
	const char		*text;		/* PS_SEND template */
	enum probe_split	 split;
	unsigned		 replies;	/* replies to wait for */
};

#define PROBE_F_DEFAULT	0x01	/* in the default set */
#define PROBE_F_DATA	0x02	/* sends a body: needs --send-test-message */
#define PROBE_F_TLS	0x04	/* does a TLS handshake */
#define PROBE_F_EXPOSURE 0x08	/* part of --exposure, not the default set */
#define PROBE_F_LOCKDOWN 0x10	/* part of --lockdown, not the default set */

struct probe_def {
	const char		*name;
	const char		*description;
	unsigned		 flags;
	const struct probe_step	*steps;		/* ends with PS_END */
};

/* NULL-terminated, in run order. */
extern const struct probe_def *const probe_table[];

const struct probe_def *probe_table_find(const char *name);
size_t probe_table_count(void);
const char *probe_step_kind_name(enum probe_step_kind kind);

#endif /* PROBE_TABLE_H */
