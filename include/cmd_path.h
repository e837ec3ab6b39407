/*
 * cmd_path.h - the `mailguard-detect --path HOST[:PORT]` driver: resolve
 * the target, open the raw socket and the capture (path.h), drop
 * privileges, probe, print the per-hop table and the findings (text, or
 * one JSON object {"path": ...} with --json).  Owner: the "path" helper;
 * cmd_probe.c forwards the options and calls cmd_path_run().
 *
 * A program driver: it prints and returns a CMD_EXIT_* status (cmd_probe.h):
 * 1 a proxy or a change was found, 0 none, 3 skipped (no CAP_NET_RAW: one
 * line says so) or nothing answered, 2 bad target.  It never exits.
 */
#ifndef CMD_PATH_H
#define CMD_PATH_H

#include <stdint.h>

enum cmd_path_opt {
	CMD_PATH_OPT_TARGET,	/* --path HOST[:PORT] */
	CMD_PATH_OPT_CONTROL,	/* --control-port N */
	CMD_PATH_OPT_USER,	/* --user NAME (privileges dropped to) */
	CMD_PATH_OPT_HOPS,	/* --max-hops N */
};

struct cmd_path_opts {
	const char	*target;	/* NULL: no --path */
	uint16_t	 control_port;	/* 0: PATH_CONTROL_PORT */
	const char	*user;
	unsigned	 max_hops;	/* 0: PATH_HOPS_DEFAULT */
};

/* Store one option; -1 after a warning on a bad value. */
int	cmd_path_option(struct cmd_path_opts *o, enum cmd_path_opt which,
	    const char *arg);
int	cmd_path_run(const struct cmd_path_opts *o, int json);

#endif /* CMD_PATH_H */
