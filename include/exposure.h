/*
 * exposure.h - what disabling the fixup would expose (--exposure): from
 * the results of the exposure probes (WIZ, DEBUG, KILL, TURN, ATRN, EXPN,
 * VRFY, open relay, long lines) and the EHLO probe (AUTH before
 * STARTTLS), a list of findings with a severity.
 *
 * Replies are read from each probe's transcript through the dialog parser
 * (what came back to which command).  Findings are caller storage; text is
 * escaped where it quotes the server.  Nothing prints or fails.
 */
#ifndef EXPOSURE_H
#define EXPOSURE_H

#include <stddef.h>

#include "probe.h"

#define EXPOSURE_FINDINGS_MAX	32

enum exposure_sev {
	EXPOSURE_INFO,
	EXPOSURE_LOW,
	EXPOSURE_MEDIUM,
	EXPOSURE_HIGH,
};

struct exposure_finding {
	enum exposure_sev	sev;
	char			probe[32];
	char			text[256];	/* what becomes reachable */
	char			reply[160];	/* escaped first reply line */
};

size_t exposure_judge(const struct probe_result *res, size_t n,
    struct exposure_finding *out, size_t max);
const char *exposure_sev_name(enum exposure_sev s);

#endif /* EXPOSURE_H */
