/* cmd_probe.c - mailguard-detect HOST...: options, targets, run, output. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd_probe.h"
#include "cmd_probe_int.h"
#include "cmd_path.h"	/* --path (helper "path", issue 6) */
#include "fp_load.h"
#include "probe_render.h"
#include "probe_run.h"
#include "tls.h"
#include "util.h"

enum {
	OPT_LIST = 256, OPT_PROBES, OPT_DRY, OPT_JSON, OPT_SAVE, OPT_COMPARE,
	OPT_PARALLEL, OPT_DEADLINE, OPT_TIMEOUT, OPT_HELO, OPT_TESTMSG,
	OPT_SEED, OPT_NOMX, OPT_LOCKDOWN, OPT_ALLOWED, OPT_EGRESS,
	OPT_EXPOSURE, OPT_NOCOLOR, OPT_INPUT, OPT_PAUSE, OPT_PERHOST,
	/* --path and its options: cmd_path.c (issue 6) */
	OPT_PATH, OPT_CONTROL_PORT = OPT_PATH + CMD_PATH_OPT_CONTROL,
	OPT_PATH_USER = OPT_PATH + CMD_PATH_OPT_USER,
	OPT_MAX_HOPS = OPT_PATH + CMD_PATH_OPT_HOPS,
};

static struct cmd_path_opts cp_path;	/* --path (cmd_path.c) */

static const struct option cp_longopts[] = {
	{ "list-probes", no_argument, NULL, OPT_LIST },
	{ "probes", required_argument, NULL, OPT_PROBES },
	{ "dry-run", no_argument, NULL, OPT_DRY },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "save", required_argument, NULL, OPT_SAVE },
	{ "compare", required_argument, NULL, OPT_COMPARE },
	{ "parallel", required_argument, NULL, OPT_PARALLEL },
	{ "per-host", required_argument, NULL, OPT_PERHOST },
	{ "deadline", required_argument, NULL, OPT_DEADLINE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "segment-pause", required_argument, NULL, OPT_PAUSE },
	{ "helo", required_argument, NULL, OPT_HELO },
	{ "send-test-message", required_argument, NULL, OPT_TESTMSG },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "no-mx", no_argument, NULL, OPT_NOMX },
	{ "lockdown", no_argument, NULL, OPT_LOCKDOWN },
	{ "allowed", required_argument, NULL, OPT_ALLOWED },
	{ "egress", required_argument, NULL, OPT_EGRESS },
	{ "exposure", no_argument, NULL, OPT_EXPOSURE },
	{ "no-color", no_argument, NULL, OPT_NOCOLOR },
	{ "verbose", no_argument, NULL, 'v' },
	{ "input-list", required_argument, NULL, OPT_INPUT },
	{ "path", required_argument, NULL, OPT_PATH },
	{ "control-port", required_argument, NULL, OPT_CONTROL_PORT },
	{ "user", required_argument, NULL, OPT_PATH_USER },
	{ "max-hops", required_argument, NULL, OPT_MAX_HOPS },
	{ "fingerprints", required_argument, NULL, 'F' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

void
cmd_probe_usage(FILE *fp)
{
	fprintf(fp,
"usage: mailguard-detect [options] TARGET...\n"
"       mailguard-detect -r outside.pcap [-r inside.pcap]\n"
"TARGET: host, host:port, IPv4, [IPv6]:port, or a mail domain (MX lookup)\n"
"  -iL FILE             read targets from FILE (- for stdin)\n"
"  --probes a,b         run only these probes (--list-probes)\n"
"  --dry-run            print every byte and segment, connect to nothing\n"
"  --json               one JSON object per target (JSON Lines)\n"
"  --save FILE          write the JSON report to FILE\n"
"  --compare FILE       probe again and show what changed since FILE\n"
"  --parallel N         targets probed at once (default 10)\n"
"  --per-host N         connections at once per target (default 4)\n"
"  --deadline SEC       total time per target (default %d)\n"
"  --timeout SEC        wait per reply (default %d)\n"
"  --segment-pause MS   pause between split segments (default %d)\n"
"  --helo NAME          name for EHLO/HELO (default %s)\n"
"  --send-test-message RCPT  send one real message (end-of-data probe)\n"
"  --seed N             seed for the random unknown verb\n"
"  --no-mx              treat names as hosts, no MX lookup\n"
"  --lockdown           filtering-service firewall test\n"
"  --allowed CIDR,...   the filtering service's (or mail servers') ranges\n"
"  --egress HOST        can this machine open port 25 to HOST?\n"
"  --exposure           what the server accepts once nothing filters it\n"
"  -F FILE              fingerprint file (default $MG_FP_FILE or %s)\n"
"  --no-color           no ANSI colours\n"
"  -v, --verbose        text report: each probe's bytes sent and reply\n"
"  --path HOST[:PORT]   TTL-limited SYNs: proxy, ISN/MSS rewrite per hop\n"
"                       (needs CAP_NET_RAW; --control-port N, default 1;\n"
"                       --max-hops N; --user NAME to drop privileges to)\n"
"exit: 0 no interference, 1 interference found, 2 usage or I/O error,\n"
"      3 unreachable or inconclusive\n",
	    MG_PROBE_DEADLINE_SEC, MG_PROBE_REPLY_TIMEOUT_SEC,
	    PROBE_SEG_PAUSE_US / 1000, PROBE_HELO_DEFAULT,
	    PKGDATADIR "/mailguard.fp");
}

static int
cp_num(const char *s, uint64_t min, uint64_t max, uint64_t *out,
    const char *what)
{
	if (util_parse_u64(s, min, max, out) == -1) {
		warnmsg("%s: bad number \"%s\" (%llu..%llu)", what, s,
		    (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	return 0;
}

static int
cp_read_list(struct cp_opts *o, const char *path)
{
	char err[MG_ERRBUF_SIZE];
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	int rc;

	if (fp == NULL) {
		warnmsg("%s: cannot open", path);
		return -1;
	}
	rc = target_list_read(fp, path, &o->specs, &o->nspecs, err);
	if (fp != stdin)
		fclose(fp);
	if (rc == -1)
		warnmsg("%s", err);
	return rc;
}

static int
cp_option(struct cp_opts *o, int ch, const char *arg)
{
	uint64_t v;

	switch (ch) {
	case OPT_LIST: o->list = 1; break;
	case OPT_PROBES: o->probes = arg; break;
	case OPT_DRY: o->dry_run = 1; break;
	case OPT_JSON: o->json = 1; break;
	case OPT_SAVE: o->save = arg; break;
	case OPT_COMPARE: o->compare = arg; break;
	case OPT_HELO: o->po.helo = arg; break;
	case OPT_TESTMSG: o->po.test_rcpt = arg; break;
	case OPT_NOMX: o->use_mx = 0; break;
	case OPT_LOCKDOWN: o->lockdown = 1; break;
	case OPT_ALLOWED: o->allowed = arg; break;
	case OPT_EGRESS: o->egress = arg; break;
	case OPT_EXPOSURE: o->exposure = 1; break;
	case OPT_NOCOLOR: o->color = 0; break;
	case 'v': o->verbose = 1; break;
	case 'F': o->fp_file = arg; break;
	case OPT_INPUT: return cp_read_list(o, arg);
	case OPT_PATH: case OPT_CONTROL_PORT: case OPT_PATH_USER:
	case OPT_MAX_HOPS:
		return cmd_path_option(&cp_path,
		    (enum cmd_path_opt)(ch - OPT_PATH), arg);
	case OPT_PARALLEL:
		if (cp_num(arg, 1, 4096, &v, "--parallel") == -1)
			return -1;
		o->parallel = (unsigned)v;
		break;
	case OPT_PERHOST:
		if (cp_num(arg, 1, 64, &v, "--per-host") == -1)
			return -1;
		o->po.per_host = (unsigned)v;
		break;
	case OPT_DEADLINE:
	case OPT_TIMEOUT:
		if (cp_num(arg, 1, 86400, &v, ch == OPT_DEADLINE ?
		    "--deadline" : "--timeout") == -1)
			return -1;
		if (ch == OPT_DEADLINE)
			o->po.deadline_us = v * 1000000;
		else
			o->po.reply_timeout_us = v * 1000000;
		break;
	case OPT_PAUSE:
		if (cp_num(arg, 0, 10000, &v, "--segment-pause") == -1)
			return -1;
		o->po.seg_pause_us = v * 1000;
		break;
	case OPT_SEED:
		if (cp_num(arg, 0, UINT32_MAX, &v, "--seed") == -1)
			return -1;
		o->po.seed = (uint32_t)v;
		break;
	default:
		return -1;
	}
	return 0;
}

/* nmap spells the list option "-iL"; getopt cannot, so rewrite it. */
static void
cp_rewrite_il(int argc, char **argv)
{
	static char il[] = "--input-list";
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-iL") == 0)
			argv[i] = il;
	}
}

static int
cp_parse(struct cp_opts *o, int argc, char **argv)
{
	int ch;

	memset(o, 0, sizeof(*o));
	probe_opts_defaults(&o->po);
	o->po.seed = (uint32_t)(util_wall_us() ^ (uint64_t)getpid());
	o->parallel = 10;
	o->use_mx = 1;
	o->color = isatty(fileno(stdout)) && getenv("NO_COLOR") == NULL;
	cp_rewrite_il(argc, argv);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "F:hVv", cp_longopts,
	    NULL)) != -1) {
		if (ch == 'h') {
			cmd_probe_usage(stdout);
			return 1;
		}
		if (ch == 'V') {
			printf("mailguard-detect %s\n", PACKAGE_VERSION);
			return 1;
		}
		if (cp_option(o, ch, optarg) == -1) {
			if (ch == '?')
				cmd_probe_usage(stderr);
			return -1;
		}
	}
	for (; optind < argc; optind++) {
		if ((o->nspecs & (o->nspecs - 1)) == 0)
			o->specs = xreallocarray(o->specs,
			    o->nspecs ? o->nspecs * 2 : 1, sizeof(*o->specs));
		o->specs[o->nspecs++] = xstrdup(argv[optind]);
	}
	return 0;
}

static void
cp_list_probes(void)
{
	size_t i;

	for (i = 0; probe_table[i] != NULL; i++) {
		const struct probe_def *d = probe_table[i];
		const char *set = d->flags & PROBE_F_DEFAULT ? "default" :
		    d->flags & PROBE_F_DATA ? "--send-test-message" :
		    d->flags & PROBE_F_EXPOSURE ? "--exposure" :
		    d->flags & PROBE_F_LOCKDOWN ? "--lockdown" : "-";
		printf("%-18s %-20s %s\n", d->name, set, d->description);
	}
}

/* Which probes: --probes, or the set the mode implies. */
static int
cp_select(struct cp_opts *o)
{
	unsigned want = PROBE_F_DEFAULT;
	size_t i;

	o->ndefs = 0;
	if (o->lockdown || o->egress != NULL) {
		/* The verdict reads the lockdown probe's dialogue only. */
		if (o->probes != NULL)
			warnmsg("--probes ignored with --lockdown/--egress");
		want = PROBE_F_LOCKDOWN;
	} else if (o->probes != NULL)
		return cp_select_named(o);
	else if (o->exposure)
		want = PROBE_F_EXPOSURE;
	for (i = 0; probe_table[i] != NULL; i++) {
		const struct probe_def *d = probe_table[i];
		int take = (d->flags & want) != 0;

		if ((d->flags & PROBE_F_DATA) && o->po.test_rcpt != NULL &&
		    want == PROBE_F_DEFAULT)
			take = 1;
		/* Exposure also needs EHLO (AUTH in clear), EXPN, VRFY. */
		if (want == PROBE_F_EXPOSURE && (!strcmp(d->name, "ehlo") ||
		    !strcmp(d->name, "verb-expn") ||
		    !strcmp(d->name, "verb-vrfy")))
			take = 1;
		if (take && o->ndefs < CP_DEFS_MAX)
			o->defs[o->ndefs++] = d;
	}
	return 0;
}

int
cp_select_named(struct cp_opts *o)
{
	char *list = xstrdup(o->probes), *p = list, *name;
	int rc = 0;

	while ((name = strsep(&p, ",")) != NULL) {
		const struct probe_def *d;

		if (*name == '\0')
			continue;
		if ((d = probe_table_find(name)) == NULL) {
			warnmsg("unknown probe \"%s\" (see --list-probes)",
			    name);
			rc = -1;
			break;
		}
		if ((d->flags & PROBE_F_DATA) && o->po.test_rcpt == NULL) {
			warnmsg("probe %s sends a message: it needs "
			    "--send-test-message RCPT", name);
			rc = -1;
			break;
		}
		if (o->ndefs < CP_DEFS_MAX)
			o->defs[o->ndefs++] = d;
	}
	free(list);
	if (rc == 0 && o->ndefs == 0) {
		warnmsg("--probes: no probe named");
		rc = -1;
	}
	return rc;
}

static int
cp_dry_run(struct cp_opts *o)
{
	struct target_spec t;
	char err[MG_ERRBUF_SIZE];
	struct buf b;
	size_t i;

	for (i = 0; i < o->nspecs; i++) {
		if (target_parse(o->specs[i], &t, err) == -1) {
			warnmsg("%s", err);
			return CMD_EXIT_USAGE;
		}
		printf("target %s: host %s port %u%s\n", t.spec, t.host,
		    t.port, t.kind == TARGET_NAME && o->use_mx &&
		    !t.have_port ? " (MX lookup)" : "");
	}
	buf_init(&b, 0);
	for (i = 0; i < o->ndefs; i++) {
		buf_reset(&b);
		probe_dry_run(o->defs[i], &o->po, &b);
		fwrite(b.data, 1, b.len, stdout);
	}
	buf_free(&b);
	return ferror(stdout) ? CMD_EXIT_USAGE : CMD_EXIT_NONE;
}

static void
cp_free(struct cp_opts *o)
{
	target_list_free(o->specs, o->nspecs);
}

int
cmd_probe(int argc, char **argv)
{
	struct cp_opts o;
	int rc, prc = CMD_EXIT_NONE;

	rc = cp_parse(&o, argc, argv);
	if (rc != 0) {
		cp_free(&o);
		return rc == 1 ? CMD_EXIT_NONE : CMD_EXIT_USAGE;
	}
	if (o.list) {
		cp_list_probes();
		cp_free(&o);
		return CMD_EXIT_NONE;
	}
	if (cp_path.target != NULL) {	/* --path (cmd_path.c, issue 6) */
		prc = cmd_path_run(&cp_path, o.json);
		if (o.nspecs == 0 && o.egress == NULL) {
			cp_free(&o);
			return prc;
		}
	}
	if (o.egress != NULL) {
		o.specs = xreallocarray(o.specs, o.nspecs + 1,
		    sizeof(*o.specs));
		o.specs[o.nspecs++] = xstrdup(o.egress);
	}
	if (o.nspecs == 0) {
		warnmsg("no target (try --help)");
		cmd_probe_usage(stderr);
		cp_free(&o);
		return CMD_EXIT_USAGE;
	}
	if (cp_select(&o) == -1) {
		cp_free(&o);
		return CMD_EXIT_USAGE;
	}
	if (o.dry_run)
		rc = cp_dry_run(&o);
	else
		rc = cp_run(&o);
	cp_free(&o);
	if (rc == CMD_EXIT_NONE && prc == CMD_EXIT_FOUND)
		rc = prc;	/* the path found a box */
	return rc;
}
