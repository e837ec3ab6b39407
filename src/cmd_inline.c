/* cmd_inline.c - mailguard-emulate --inline: options, profile, queue loop. */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd_inline.h"
#include "emu_cli.h"
#include "emu_inline.h"
#include "emu_log.h"
#include "emu_profile.h"
#include "mg_limits.h"
#include "util.h"

#define CI_SETS_MAX	64

enum {
	CI_OPT_INLINE = 256, CI_OPT_QUEUE, CI_OPT_PROFILE_FILE,
	CI_OPT_RANDOMIZE, CI_OPT_SEED, CI_OPT_PORT, CI_OPT_MAXFLOWS,
	CI_OPT_IDLE, CI_OPT_TIMESTAMPS, CI_OPT_READY,
};

static const struct option ci_longopts[] = {
	{ "inline", no_argument, NULL, CI_OPT_INLINE },
	{ "queue", required_argument, NULL, CI_OPT_QUEUE },
	{ "profile", required_argument, NULL, 'p' },
	{ "profile-file", required_argument, NULL, CI_OPT_PROFILE_FILE },
	{ "set", required_argument, NULL, 's' },
	{ "randomize-isn", no_argument, NULL, CI_OPT_RANDOMIZE },
	{ "seed", required_argument, NULL, CI_OPT_SEED },
	{ "port", required_argument, NULL, CI_OPT_PORT },
	{ "max-flows", required_argument, NULL, CI_OPT_MAXFLOWS },
	{ "idle-timeout", required_argument, NULL, CI_OPT_IDLE },
	{ "log", required_argument, NULL, 'l' },
	{ "timestamps", no_argument, NULL, CI_OPT_TIMESTAMPS },
	{ "ready-fd", required_argument, NULL, CI_OPT_READY },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

struct ci_opts {
	int		 have_queue;
	uint16_t	 queue;
	const char	*profile, *profile_file, *log;
	const char	*sets[CI_SETS_MAX];
	size_t		 nsets;
	int		 timestamps, ready_fd, have_seed;
	struct emu_inline_cfg cfg;
};

static volatile sig_atomic_t ci_stop;

static void
ci_on_signal(int sig)
{
	(void)sig;
	ci_stop = 1;
}

void
cmd_inline_usage(FILE *fp)
{
	fprintf(fp,
"usage: mailguard-emulate --inline --queue N [--profile P] [--set k=v]...\n"
"           [--profile-file F] [--randomize-isn [--seed N]] [--port N]\n"
"           [--max-flows N] [--idle-timeout SEC] [--log FILE] [--timestamps]\n"
"           [--ready-fd FD]\n"
"  Inline mode: consume netfilter queue N (iptables ... -j NFQUEUE\n"
"  --queue-num N, both directions), rewrite SMTP payloads of server port\n"
"  --port (default 25) in place, fix checksums, and with --randomize-isn\n"
"  shift sequence numbers per connection and direction (ASA default).\n"
"  Needs CAP_NET_ADMIN.  Stops on SIGINT/SIGTERM.\n");
}

int
cmd_inline_wanted(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--inline") == 0)
			return 1;
	}
	return 0;
}

static int
ci_num(const char *opt, const char *arg, uint64_t max, uint64_t *v)
{
	if (util_parse_u64(arg, 0, max, v) == -1) {
		warnmsg("--%s: bad number \"%s\" (0..%llu)", opt, arg,
		    (unsigned long long)max);
		return -1;
	}
	return 0;
}

static int
ci_option(struct ci_opts *o, int ch, const char *arg)
{
	uint64_t v;

	switch (ch) {
	case CI_OPT_INLINE: return 0;
	case 'p': o->profile = arg; return 0;
	case CI_OPT_PROFILE_FILE: o->profile_file = arg; return 0;
	case 'l': o->log = arg; return 0;
	case CI_OPT_TIMESTAMPS: o->timestamps = 1; return 0;
	case CI_OPT_RANDOMIZE: o->cfg.randomize_isn = 1; return 0;
	case 's':
		if (o->nsets >= CI_SETS_MAX) {
			warnmsg("--set: at most %d", CI_SETS_MAX);
			return -1;
		}
		o->sets[o->nsets++] = arg;
		return 0;
	case CI_OPT_QUEUE:
		if (ci_num("queue", arg, 65535, &v) == -1)
			return -1;
		o->queue = (uint16_t)v;
		o->have_queue = 1;
		return 0;
	case CI_OPT_SEED:
		if (ci_num("seed", arg, UINT32_MAX, &v) == -1)
			return -1;
		o->cfg.seed = (uint32_t)v;
		o->have_seed = 1;
		return 0;
	case CI_OPT_PORT:
		if (ci_num("port", arg, 65535, &v) == -1 || v == 0)
			return -1;
		o->cfg.port = (uint16_t)v;
		return 0;
	case CI_OPT_MAXFLOWS:
		if (ci_num("max-flows", arg, 1000000, &v) == -1 || v == 0)
			return -1;
		o->cfg.max_flows = (unsigned)v;
		return 0;
	case CI_OPT_IDLE:
		if (ci_num("idle-timeout", arg, 86400, &v) == -1 || v == 0)
			return -1;
		o->cfg.idle_sec = (unsigned)v;
		return 0;
	case CI_OPT_READY:
		if (ci_num("ready-fd", arg, 1024, &v) == -1)
			return -1;
		o->ready_fd = (int)v;
		return 0;
	}
	return -1;
}

/* 0 run, 1 help shown, -1 usage error (already reported). */
static int
ci_parse(struct ci_opts *o, int argc, char **argv)
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->ready_fd = -1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", ci_longopts, NULL)) != -1) {
		if (ch == 'h') {
			cmd_inline_usage(stdout);
			return 1;
		}
		if (ch == '?' || ci_option(o, ch, optarg) == -1) {
			cmd_inline_usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		warnmsg("--inline: unexpected argument \"%s\"", argv[optind]);
		return -1;
	}
	if (!o->have_queue) {
		warnmsg("--inline needs --queue N");
		return -1;
	}
	if (o->have_seed && !o->cfg.randomize_isn) {
		warnmsg("--seed needs --randomize-isn");
		return -1;
	}
	if (!o->have_seed)
		o->cfg.seed = (uint32_t)(util_wall_us() ^ (uint64_t)getpid());
	return 0;
}

/* The profile: a built-in, then the file, then each --set. */
static int
ci_profile(const struct ci_opts *o, struct emu_profile *prof)
{
	const struct emu_profile *base;
	char err[MG_ERRBUF_SIZE];
	size_t i;

	base = emu_profile_builtin(o->profile ? o->profile : "off");
	if (base == NULL) {
		warnmsg("--profile %s: unknown profile (try --list-profiles)",
		    o->profile);
		return -1;
	}
	*prof = *base;
	if (o->profile_file != NULL &&
	    emu_profile_load(prof, o->profile_file, err) == -1) {
		warnmsg("%s", err);
		return -1;
	}
	for (i = 0; i < o->nsets; i++)
		if (emu_profile_set_arg(prof, o->sets[i], err) == -1) {
			warnmsg("--set %s: %s", o->sets[i], err);
			return -1;
		}
	return 0;
}

static void
ci_summary(struct emu_log *log, const struct emu_inline *ei)
{
	const struct emu_inline_stats *s = emu_inline_stats(ei);

	emu_log_printf(log, "inline: %llu packets, %llu tcp, %llu flows, "
	    "%llu segments, %llu bytes changed, %llu packets changed, "
	    "%llu retransmissions, %llu dropped (%llu reordered, %llu "
	    "suppressed), %llu own answers sent, %llu untracked",
	    (unsigned long long)s->packets, (unsigned long long)s->tcp,
	    (unsigned long long)s->flows, (unsigned long long)s->segments,
	    (unsigned long long)s->bytes_changed,
	    (unsigned long long)s->changed,
	    (unsigned long long)s->retransmissions,
	    (unsigned long long)s->dropped, (unsigned long long)s->reordered,
	    (unsigned long long)s->suppressed,
	    (unsigned long long)s->injected,
	    (unsigned long long)s->untracked);
}

static int
ci_run(struct ci_opts *o, struct emu_log *log)
{
	char err[MG_ERRBUF_SIZE];
	struct emu_inline_queue *iq;
	struct emu_inline *ei;
	int rc;

	o->cfg.log = log;
	ei = emu_inline_new(&o->cfg);
	if ((iq = emu_inline_queue_open(ei, o->queue, err)) == NULL) {
		warnmsg("%s", err);
		emu_inline_free(ei);
		return EMU_EXIT_RUNTIME;
	}
	emu_log_printf(log, "inline: profile %s on netfilter queue %u, "
	    "server port %u%s", o->cfg.profile->name, (unsigned)o->queue,
	    (unsigned)(o->cfg.port ? o->cfg.port : 25),
	    o->cfg.randomize_isn ? ", ISN randomised" : "");
	if (o->ready_fd >= 0) {
		if (write(o->ready_fd, "ready\n", 6) != 6)
			warnmsg("--ready-fd %d: write failed", o->ready_fd);
		(void)close(o->ready_fd);
	}
	rc = emu_inline_queue_run(iq, &ci_stop, err);
	if (rc == -1)
		warnmsg("%s", err);
	ci_summary(log, ei);
	emu_inline_queue_close(iq);
	emu_inline_free(ei);
	return rc == -1 ? EMU_EXIT_RUNTIME : EMU_EXIT_OK;
}

int
cmd_inline(int argc, char **argv)
{
	struct emu_profile prof;
	struct ci_opts o;
	struct emu_log *log;
	struct sigaction sa;
	FILE *logfp = stderr;
	int rc;

	if ((rc = ci_parse(&o, argc, argv)) != 0)
		return rc == 1 ? EMU_EXIT_OK : EMU_EXIT_USAGE;
	if (ci_profile(&o, &prof) == -1)
		return EMU_EXIT_USAGE;
	o.cfg.profile = &prof;
	if (o.log != NULL && (logfp = fopen(o.log, "a")) == NULL) {
		warnmsg("log file %s: cannot open", o.log);
		return EMU_EXIT_RUNTIME;
	}
	setvbuf(logfp, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ci_on_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	log = emu_log_new(logfp, o.timestamps ? EMU_LOG_F_TIMESTAMP : 0);
	rc = ci_run(&o, log);
	emu_log_free(log);
	if (logfp != stderr)
		(void)fclose(logfp);
	return rc;
}
