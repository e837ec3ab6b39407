/*
 * emu_cli.h - command-line parsing of mailguard-emulate, apart from main()
 * so that it can be unit-tested.
 *
 * emu_cli_parse() fills a struct emu_cli from argv (getopt_long) and checks
 * the combinations; it neither prints nor exits: -1 with a one-line
 * message in errbuf (MG_ERRBUF_SIZE) is a usage error (exit 2).  Strings
 * in the struct point into argv.  The usage text (emu_cli_usage) and the
 * man page docs/mailguard-emulate.1 list the same options and exit codes.
 */
#ifndef EMU_CLI_H
#define EMU_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* --set may be given this many times. */
#define EMU_CLI_SETS_MAX	64
/* Default listen address when only a port, or nothing, is given. */
#define EMU_CLI_LISTEN_HOST	"127.0.0.1"
#define EMU_CLI_LISTEN_DEFAULT	"127.0.0.1:2525"

/* Exit codes (man page EXIT STATUS). */
#define EMU_EXIT_OK		0
#define EMU_EXIT_RUNTIME	1
#define EMU_EXIT_USAGE		2

enum emu_cli_mode {
	EMU_CLI_PROXY = 0,
	EMU_CLI_HELP,
	EMU_CLI_VERSION,
	EMU_CLI_LIST_PROFILES,
	EMU_CLI_LIST_SERVERS,
	EMU_CLI_REPLAY,		/* --replay IN -w OUT */
};

struct emu_cli {
	enum emu_cli_mode mode;
	const char	*profile;	/* --profile */
	const char	*profile_file;	/* --profile-file */
	const char	*sets[EMU_CLI_SETS_MAX];	/* --set name=value */
	size_t		 nsets;
	const char	*listen;	/* --listen, default above */
	const char	*upstream;	/* --upstream HOST:PORT */
	const char	*builtin;	/* --upstream builtin:NAME -> NAME */
	const char	*spool;		/* --spool DIR */
	const char	*hostname;	/* --hostname NAME */
	const char	*server_log;	/* --server-log FILE */
	const char	*log;		/* --log FILE (default stderr) */
	int		 timestamps;	/* --timestamps */
	int		 transparent;	/* --transparent */
	unsigned	 max_conns;	/* --max-conns, 0 default */
	unsigned	 idle_sec;	/* --idle-timeout, 0 default */
	int		 ready_fd;	/* --ready-fd, -1 none */
	const char	*replay_in;	/* --replay IN */
	const char	*replay_out;	/* -w OUT */
	int		 randomize_isn;	/* --randomize-isn */
	uint32_t	 seed;		/* --seed N */
	int		 have_seed;
};

int emu_cli_parse(int argc, char **argv, struct emu_cli *cli, char *errbuf);
/* The --help text. */
void emu_cli_usage(FILE *fp, const char *prog);

#endif /* EMU_CLI_H */
