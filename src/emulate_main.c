/* emulate_main.c - mailguard-emulate: options, profile, log files, and the
 * live proxy run. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cmd_inline.h"	/* --inline (helper "path", issue 6) */
#include "emu_cli.h"
#include "emu_log.h"
#include "emu_profile.h"
#include "emu_proxy.h"
#include "emu_replay.h"
#include "emu_server.h"
#include "mg_limits.h"
#include "util.h"

static int
emulate_list_profiles(void)
{
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	for (i = 0; i < emu_profile_count(); i++) {
		buf_reset(&b);
		if (emu_profile_format(emu_profile_at(i), &b) == -1)
			fatal(EMU_EXIT_RUNTIME, "cannot format profile %zu", i);
		fputs(buf_cstr(&b), stdout);
		if (i + 1 < emu_profile_count())
			fputc('\n', stdout);
	}
	buf_free(&b);
	return EMU_EXIT_OK;
}

static int
emulate_list_servers(void)
{
	const struct emu_server_personality *const *p;

	for (p = emu_server_personalities; *p != NULL; p++)
		printf("builtin:%-14s %s\n", (*p)->name, (*p)->description);
	return EMU_EXIT_OK;
}

/* The profile: a built-in, then the file, then each --set. */
static void
emulate_profile(const struct emu_cli *cli, struct emu_profile *prof)
{
	const struct emu_profile *base;
	char errbuf[MG_ERRBUF_SIZE];
	size_t i;

	base = emu_profile_builtin(cli->profile ? cli->profile : "off");
	if (base == NULL)
		fatal(EMU_EXIT_USAGE, "--profile %s: unknown profile (try "
		    "--list-profiles)", cli->profile);
	*prof = *base;
	if (cli->profile_file != NULL &&
	    emu_profile_load(prof, cli->profile_file, errbuf) == -1)
		fatal(EMU_EXIT_RUNTIME, "%s", errbuf);
	for (i = 0; i < cli->nsets; i++)
		if (emu_profile_set_arg(prof, cli->sets[i], errbuf) == -1)
			fatal(EMU_EXIT_USAGE, "--set %s: %s", cli->sets[i],
			    errbuf);
}

static FILE *
emulate_open_log(const char *path)
{
	FILE *fp = fopen(path, "a");

	if (fp == NULL)
		fatal(EMU_EXIT_RUNTIME, "log file %s: %s", path,
		    strerror(errno));
	return fp;
}

static void
emulate_announce(const struct emu_cli *cli, const char *bound)
{
	char line[EMU_PROXY_ADDR_MAX + 32];
	int n;

	n = snprintf(line, sizeof(line), "listening on %s\n", bound);
	if (cli->ready_fd < 0) {
		fputs(line, stdout);
		fflush(stdout);
		return;
	}
	if (n < 0 || write(cli->ready_fd, line, (size_t)n) != n)
		fatal(EMU_EXIT_RUNTIME, "--ready-fd %d: %s", cli->ready_fd,
		    strerror(errno));
	(void)close(cli->ready_fd);
}

static int
emulate_replay(const struct emu_cli *cli)
{
	struct emu_replay_stats st;
	struct emu_profile prof;
	struct emu_log *log;
	FILE *logfp = stderr;
	char errbuf[MG_ERRBUF_SIZE];
	int rc;

	emulate_profile(cli, &prof);
	if (cli->log != NULL)
		logfp = emulate_open_log(cli->log);
	log = emu_log_new(logfp, 0);
	memset(&st, 0, sizeof(st));
	rc = emu_replay_run_log(&prof, cli->replay_in, cli->replay_out,
	    cli->randomize_isn, cli->seed, log, &st, errbuf);
	if (rc == 0)
		emu_log_printf(log, "replay %s -> %s under %s: %llu records, "
		    "%llu written, %llu flows, %llu segments, %llu bytes "
		    "changed, %llu left out", cli->replay_in,
		    cli->replay_out, prof.name,
		    (unsigned long long)st.records,
		    (unsigned long long)st.written,
		    (unsigned long long)st.flows,
		    (unsigned long long)st.segments,
		    (unsigned long long)st.bytes_changed,
		    (unsigned long long)(st.suppressed + st.dropped));
	if (rc == 0 && st.evicted > 0)
		warnmsg("%s: %llu flows forgotten while still open (silent "
		    "for %d s, or more than %d open at once): their later "
		    "packets were rewritten as new mid-stream flows",
		    cli->replay_in, (unsigned long long)st.evicted,
		    MG_FLOW_IDLE_SEC, MG_FLOWS_MAX);
	emu_log_free(log);
	if (logfp != stderr)
		(void)fclose(logfp);
	if (rc == -1)
		fatal(EMU_EXIT_RUNTIME, "%s", errbuf);
	return EMU_EXIT_OK;
}

static int
emulate_proxy(const struct emu_cli *cli)
{
	struct emu_proxy_cfg cfg;
	struct emu_profile prof;
	struct emu_proxy *px;
	FILE *logfp = stderr, *srvlog = NULL;
	char errbuf[MG_ERRBUF_SIZE];
	struct stat st;
	int rc;

	emulate_profile(cli, &prof);
	memset(&cfg, 0, sizeof(cfg));
	if (emu_proxy_parse_addr(cli->listen, EMU_CLI_LISTEN_HOST, 1, 1,
	    &cfg.listen, errbuf) == -1)
		fatal(EMU_EXIT_USAGE, "--listen %s", errbuf);
	if (cli->upstream != NULL) {
		if (emu_proxy_parse_addr(cli->upstream, NULL, 1, 0,
		    &cfg.upstream, errbuf) == -1)
			fatal(EMU_EXIT_USAGE, "--upstream %s", errbuf);
		cfg.have_upstream = 1;
	}
	if (cli->spool != NULL && (stat(cli->spool, &st) == -1 ||
	    !S_ISDIR(st.st_mode)))
		fatal(EMU_EXIT_RUNTIME, "--spool %s: %s", cli->spool,
		    errno && !S_ISDIR(st.st_mode) ? strerror(errno) :
		    "not a directory");
	if (cli->log != NULL)
		logfp = emulate_open_log(cli->log);
	if (cli->server_log != NULL)
		srvlog = emulate_open_log(cli->server_log);
	cfg.profile = &prof;
	cfg.log = emu_log_new(logfp, cli->timestamps ? EMU_LOG_F_TIMESTAMP :
	    0);
	cfg.builtin = cli->builtin ? emu_server_find(cli->builtin) : NULL;
	cfg.spool_dir = cli->spool;
	cfg.hostname = cli->hostname;
	cfg.server_log = srvlog;
	cfg.transparent = cli->transparent;
	cfg.max_conns = cli->max_conns;
	cfg.idle_sec = cli->idle_sec;
	px = emu_proxy_new(&cfg, errbuf);
	if (px == NULL)
		fatal(EMU_EXIT_RUNTIME, "%s", errbuf);
	emu_log_printf(cfg.log, "profile %s, listening on %s, upstream %s%s",
	    prof.name, emu_proxy_bound(px), cli->transparent ?
	    "original destination (--transparent)" : cli->builtin ?
	    "builtin:" : cfg.upstream.text, cli->builtin ? cli->builtin : "");
	emulate_announce(cli, emu_proxy_bound(px));
	rc = emu_proxy_run(px, errbuf);
	emu_proxy_free(px);
	emu_log_free(cfg.log);
	if (srvlog != NULL)
		(void)fclose(srvlog);
	if (logfp != stderr)
		(void)fclose(logfp);
	if (rc == -1)
		fatal(EMU_EXIT_RUNTIME, "%s", errbuf);
	return EMU_EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct emu_cli cli;
	char errbuf[MG_ERRBUF_SIZE];
	int rc;

	util_set_progname(argv[0]);
	/* --inline --queue N: the NFQUEUE consumer (cmd_inline.c, issue 6) */
	if (cmd_inline_wanted(argc, argv))
		return cmd_inline(argc, argv);
	if (emu_cli_parse(argc, argv, &cli, errbuf) == -1)
		fatal(EMU_EXIT_USAGE, "%s", errbuf);
	switch (cli.mode) {
	case EMU_CLI_HELP:
		emu_cli_usage(stdout, util_progname());
		rc = EMU_EXIT_OK;
		break;
	case EMU_CLI_VERSION:
		printf("mailguard-emulate %s\n", PACKAGE_VERSION);
		rc = EMU_EXIT_OK;
		break;
	case EMU_CLI_LIST_PROFILES:
		rc = emulate_list_profiles();
		break;
	case EMU_CLI_LIST_SERVERS:
		rc = emulate_list_servers();
		break;
	case EMU_CLI_REPLAY:
		rc = emulate_replay(&cli);
		break;
	case EMU_CLI_PROXY:
	default:
		rc = emulate_proxy(&cli);
		break;
	}
	/* A listing that did not reach its reader (a full disk) is a
	 * failure, never a silent success. */
	if (util_stdout_check() == -1)
		return EMU_EXIT_RUNTIME;
	return rc;
}
