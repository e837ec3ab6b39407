/*
 * cmd_probe_int.h - state shared by the two halves of the mailguard-detect
 * prober driver: cmd_probe.c (options, probe selection, dry run) and
 * cmd_probe_run.c (the run, verdicts, output).  Private to the driver.
 */
#ifndef CMD_PROBE_INT_H
#define CMD_PROBE_INT_H

#include <stddef.h>

#include "probe.h"
#include "probe_table.h"

#define CP_DEFS_MAX	64

struct cp_opts {
	struct probe_opts	 po;
	unsigned		 parallel;
	int			 list, dry_run, json, use_mx, color;
	int			 verbose;	/* -v: each probe's bytes */
	int			 lockdown, exposure;
	const char		*probes, *save, *compare, *fp_file;
	const char		*allowed, *egress;
	char			**specs;
	size_t			 nspecs;
	const struct probe_def	*defs[CP_DEFS_MAX];
	size_t			 ndefs;
};

int cp_select_named(struct cp_opts *o);
/* Probe every target; returns the exit status. */
int cp_run(struct cp_opts *o);

#endif /* CMD_PROBE_INT_H */
