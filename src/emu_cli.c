/* emu_cli.c - mailguard-emulate's options: parsing and the usage text. */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "emu_cli.h"
#include "emu_server.h"
#include "mg_limits.h"
#include "util.h"

enum {
	OPT_PROFILE_FILE = 256,
	OPT_SPOOL,
	OPT_TRANSPARENT,
	OPT_MAX_CONNS,
	OPT_IDLE,
	OPT_LIST_PROFILES,
	OPT_LIST_SERVERS,
	OPT_READY_FD,
	OPT_HOSTNAME,
	OPT_SERVER_LOG,
	OPT_TIMESTAMPS,
	OPT_REPLAY,
	OPT_RANDOMIZE_ISN,
	OPT_SEED,
};

static const struct option emu_cli_longopts[] = {
	{ "profile", required_argument, NULL, 'p' },
	{ "set", required_argument, NULL, 's' },
	{ "profile-file", required_argument, NULL, OPT_PROFILE_FILE },
	{ "listen", required_argument, NULL, 'l' },
	{ "upstream", required_argument, NULL, 'u' },
	{ "spool", required_argument, NULL, OPT_SPOOL },
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "server-log", required_argument, NULL, OPT_SERVER_LOG },
	{ "transparent", no_argument, NULL, OPT_TRANSPARENT },
	{ "log", required_argument, NULL, 'L' },
	{ "timestamps", no_argument, NULL, OPT_TIMESTAMPS },
	{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE },
	{ "ready-fd", required_argument, NULL, OPT_READY_FD },
	{ "list-profiles", no_argument, NULL, OPT_LIST_PROFILES },
	{ "list-servers", no_argument, NULL, OPT_LIST_SERVERS },
	{ "replay", required_argument, NULL, OPT_REPLAY },
	{ "write", required_argument, NULL, 'w' },
	{ "randomize-isn", no_argument, NULL, OPT_RANDOMIZE_ISN },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

void
emu_cli_usage(FILE *fp, const char *prog)
{
	fprintf(fp,
"usage: %s --profile P [--set name=value]... [--profile-file F]\n"
"           [--listen [ADDR:]PORT] --upstream HOST:PORT | builtin:NAME\n"
"           | --transparent [--spool DIR] [--hostname NAME]\n"
"           [--server-log FILE] [--log FILE] [--timestamps]\n"
"           [--max-conns N] [--idle-timeout SEC] [--ready-fd N]\n"
"       %s --profile P [--set name=value]... [--profile-file F]\n"
"           --replay IN.pcap -w OUT.pcap [--randomize-isn [--seed N]]\n"
"       %s --inline --queue N ...  (NFQUEUE inline mode: --inline --help)\n"
"       %s --list-profiles | --list-servers | --help | --version\n"
"\n"
"Reproduce PIX Mailguard / ASA ESMTP inspection as a proxy in a lab.\n"
"  -p, --profile P        off pix-4.1 pix-4.4 pix-5.1 pix-6.3 asa\n"
"                         asa-allow-tls (see --list-profiles)\n"
"  -s, --set NAME=VALUE   override one profile parameter (repeatable)\n"
"      --profile-file F   read parameters from F over the profile\n"
"  -l, --listen [ADDR:]PORT  where to accept clients (default %s;\n"
"                         [::1]:PORT for IPv6; port 0 picks a free one)\n"
"  -u, --upstream HOST:PORT  the real mail server\n"
"  -u, --upstream builtin:NAME  a built-in server personality\n"
"                         (exchange2003 exchange2007 postfix sendmail)\n"
"      --spool DIR        built-in server: one file per accepted message\n"
"                         (default: accepted and discarded)\n"
"      --hostname NAME    built-in server: name in its greeting\n"
"      --server-log FILE  built-in server: log every command and reply\n"
"      --transparent      relay each client to its original destination\n"
"                         (nftables redirect, SO_ORIGINAL_DST)\n"
"  -L, --log FILE         device syslog and proxy lines (default stderr)\n"
"      --timestamps       prefix log lines with the time\n"
"      --max-conns N      concurrent clients; more get 421 (default %d)\n"
"      --idle-timeout SEC close a silent connection (default 300)\n"
"      --ready-fd N       write \"listening on ADDR:PORT\" to fd N instead\n"
"                         of standard output once bound\n"
"      --replay IN -w OUT rewrite a capture (pcap/pcapng) offline as if\n"
"                         it had passed through the box; writes pcap\n"
"      --randomize-isn    replay: shift sequence numbers per direction,\n"
"                         as the ASA does by default\n"
"      --seed N           replay: seed for --randomize-isn (default 0)\n"
"      --list-profiles    print every profile with its parameters\n"
"      --list-servers     print the built-in server personalities\n"
"  -h, --help, -V, --version\n"
"\n"
"Exit status: 0 stopped cleanly (SIGINT/SIGTERM), listed or replayed;\n"
"1 runtime failure (cannot listen, bad profile file, spool missing,\n"
"unreadable or damaged capture); 2 usage error.\n",
	    prog, prog, prog, prog, EMU_CLI_LISTEN_DEFAULT,
	    MG_EMU_CONNS_MAX);
}

static int
emu_cli_number(const char *opt, const char *arg, uint64_t min, uint64_t max,
    unsigned *out, char *errbuf)
{
	uint64_t v;

	if (util_parse_u64(arg, min, max, &v) == -1) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "--%s: \"%s\" is not a "
		    "number from %llu to %llu", opt, arg,
		    (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int
emu_cli_check_replay(const struct emu_cli *cli, char *errbuf)
{
	if (cli->profile == NULL && cli->profile_file == NULL)
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "--profile is required "
		    "(try --list-profiles)");
	else if (cli->replay_out == NULL)
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "--replay needs -w OUT");
	else if (cli->upstream != NULL || cli->builtin != NULL ||
	    cli->transparent || cli->spool != NULL)
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "--replay works offline: "
		    "no --upstream, --transparent or --spool");
	else if (cli->have_seed && !cli->randomize_isn)
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "--seed needs "
		    "--randomize-isn");
	else
		return 0;
	return -1;
}

/* The combinations that make sense for the proxy. */
static int
emu_cli_check(struct emu_cli *cli, char *errbuf)
{
	if (cli->mode == EMU_CLI_PROXY && cli->replay_in != NULL)
		cli->mode = EMU_CLI_REPLAY;
	if ((cli->replay_out != NULL || cli->randomize_isn ||
	    cli->have_seed) && cli->mode != EMU_CLI_REPLAY) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "-w, --randomize-isn and "
		    "--seed need --replay IN");
		return -1;
	}
	if (cli->mode == EMU_CLI_REPLAY)
		return emu_cli_check_replay(cli, errbuf);
	if (cli->mode != EMU_CLI_PROXY)
		return 0;
	if (cli->profile == NULL && cli->profile_file == NULL) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "--profile is required "
		    "(try --list-profiles)");
		return -1;
	}
	if ((cli->upstream != NULL || cli->builtin != NULL) ==
	    (cli->transparent != 0)) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "give exactly one of "
		    "--upstream and --transparent");
		return -1;
	}
	if (cli->builtin != NULL && emu_server_find(cli->builtin) == NULL) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "--upstream builtin:%s: "
		    "unknown server personality (try --list-servers)",
		    cli->builtin);
		return -1;
	}
	if (cli->builtin == NULL && (cli->spool != NULL ||
	    cli->hostname != NULL || cli->server_log != NULL)) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "--spool, --hostname and "
		    "--server-log need --upstream builtin:NAME");
		return -1;
	}
	return 0;
}

static int
emu_cli_opt(struct emu_cli *cli, int ch, const char *arg, char *errbuf)
{
	unsigned v;

	switch (ch) {
	case 'p': cli->profile = arg; break;
	case OPT_PROFILE_FILE: cli->profile_file = arg; break;
	case 'l': cli->listen = arg; break;
	case OPT_SPOOL: cli->spool = arg; break;
	case OPT_HOSTNAME: cli->hostname = arg; break;
	case OPT_SERVER_LOG: cli->server_log = arg; break;
	case OPT_TRANSPARENT: cli->transparent = 1; break;
	case 'L': cli->log = arg; break;
	case OPT_TIMESTAMPS: cli->timestamps = 1; break;
	case OPT_LIST_PROFILES: cli->mode = EMU_CLI_LIST_PROFILES; break;
	case OPT_LIST_SERVERS: cli->mode = EMU_CLI_LIST_SERVERS; break;
	case 'h': cli->mode = EMU_CLI_HELP; break;
	case 'V': cli->mode = EMU_CLI_VERSION; break;
	case 's':
		if (cli->nsets == EMU_CLI_SETS_MAX ||
		    strchr(arg, '=') == NULL) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE, "--set %s: %s", arg,
			    cli->nsets == EMU_CLI_SETS_MAX ? "too many --set" :
			    "expected NAME=VALUE");
			return -1;
		}
		cli->sets[cli->nsets++] = arg;
		break;
	case 'u':
		if (strncmp(arg, "builtin:", 8) == 0)
			cli->builtin = arg + 8;
		else
			cli->upstream = arg;
		break;
	case OPT_MAX_CONNS:
		if (emu_cli_number("max-conns", arg, 1, MG_EMU_CONNS_MAX,
		    &cli->max_conns, errbuf) == -1)
			return -1;
		break;
	case OPT_IDLE:
		if (emu_cli_number("idle-timeout", arg, 1, 86400,
		    &cli->idle_sec, errbuf) == -1)
			return -1;
		break;
	case OPT_REPLAY: cli->replay_in = arg; break;
	case 'w': cli->replay_out = arg; break;
	case OPT_RANDOMIZE_ISN: cli->randomize_isn = 1; break;
	case OPT_SEED:
		if (emu_cli_number("seed", arg, 0, UINT32_MAX, &v,
		    errbuf) == -1)
			return -1;
		cli->seed = (uint32_t)v;
		cli->have_seed = 1;
		break;
	case OPT_READY_FD:
		if (emu_cli_number("ready-fd", arg, 0, 65535, &v,
		    errbuf) == -1)
			return -1;
		cli->ready_fd = (int)v;
		break;
	default:
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "unknown or incomplete "
		    "option (try --help)");
		return -1;
	}
	return 0;
}

int
emu_cli_parse(int argc, char **argv, struct emu_cli *cli, char *errbuf)
{
	int ch;

	memset(cli, 0, sizeof(*cli));
	cli->listen = EMU_CLI_LISTEN_DEFAULT;
	cli->ready_fd = -1;
	optind = 0;		/* GNU: full re-initialisation (tests) */
	opterr = 0;		/* errors go through errbuf */
	while ((ch = getopt_long(argc, argv, "p:s:l:u:L:w:hV", emu_cli_longopts,
	    NULL)) != -1) {
		if (ch == '?' || ch == ':') {
			util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: unknown "
			    "option or missing argument (try --help)",
			    optind > 0 && optind <= argc ? argv[optind - 1] :
			    "?");
			return -1;
		}
		if (emu_cli_opt(cli, ch, optarg, errbuf) == -1)
			return -1;
	}
	if (optind < argc) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "%s: unexpected argument "
		    "(try --help)", argv[optind]);
		return -1;
	}
	return emu_cli_check(cli, errbuf);
}
