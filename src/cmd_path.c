/* cmd_path.c - mailguard-detect --path: run the path probes and print. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd_path.h"
#include "cmd_probe.h"
#include "mg_limits.h"
#include "path.h"
#include "target.h"
#include "util.h"

int
cmd_path_option(struct cmd_path_opts *o, enum cmd_path_opt which,
    const char *arg)
{
	uint64_t v;

	switch (which) {
	case CMD_PATH_OPT_TARGET:
		o->target = arg;
		return 0;
	case CMD_PATH_OPT_USER:
		o->user = arg;
		return 0;
	case CMD_PATH_OPT_CONTROL:
		if (util_parse_u64(arg, 1, 65535, &v) == -1) {
			warnmsg("--control-port: bad port \"%s\"", arg);
			return -1;
		}
		o->control_port = (uint16_t)v;
		return 0;
	case CMD_PATH_OPT_HOPS:
		if (util_parse_u64(arg, 1, PATH_HOPS_MAX, &v) == -1) {
			warnmsg("--max-hops: bad number \"%s\" (1..%d)", arg,
			    PATH_HOPS_MAX);
			return -1;
		}
		o->max_hops = (unsigned)v;
		return 0;
	}
	return -1;
}

/* The first IPv4 address of the target (no MX lookup: a host). */
static int
cp_target(const char *spec, uint8_t addr[4], uint16_t *port)
{
	struct target_addr a[TARGET_ADDRS_MAX];
	struct target_spec t;
	char err[MG_ERRBUF_SIZE];
	size_t n, i;

	if (target_parse(spec, &t, err) == -1 ||
	    target_resolve(&t, 0, a, TARGET_ADDRS_MAX, &n, err) == -1) {
		warnmsg("--path %s: %s", spec, err);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (a[i].ss.ss_family == AF_INET) {
			memcpy(addr, &((struct sockaddr_in *)
			    &a[i].ss)->sin_addr, 4);
			*port = t.port;
			return 0;
		}
	warnmsg("--path %s: no IPv4 address (path probes are IPv4 only)",
	    spec);
	return -1;
}

static const char *
cp_addr(const uint8_t a[4], char *buf)
{
	return inet_ntop(AF_INET, a, buf, INET_ADDRSTRLEN);
}

static void
cp_cell(const struct path_probe *p, char *out, size_t n)
{
	char a[INET_ADDRSTRLEN];

	if (!p->answered)
		snprintf(out, n, "*");
	else
		snprintf(out, n, "%s %s %.1fms", cp_addr(p->reply.from, a),
		    path_ans_name(p->reply.type), (double)p->rtt_us / 1000.0);
}

/* "at hop 3" / "between hop 2 and hop 4" / "before hop 1". */
static void
cp_where(const struct path_change *c, char *out, size_t n)
{
	if (c->last_same == 0)
		snprintf(out, n, "before hop %u", c->first_diff);
	else if (c->last_same + 1 == c->first_diff)
		snprintf(out, n, "at hop %u", c->last_same);
	else
		snprintf(out, n, "between hop %u and hop %u", c->last_same,
		    c->first_diff - 1);
}

static int
cp_print_changes(const struct path_run *pr, const struct path_result *res)
{
	static const char *const verb[PATH_F__COUNT] = {
		[PATH_F_SEQ] = "rewritten", [PATH_F_MSS] = "clamped",
		[PATH_F_WIN] = "changed", [PATH_F_OPTS] = "changed",
		[PATH_F_TOS] = "changed",
	};
	char where[64];
	unsigned k, f;
	int found = 0;

	for (k = 0; k < PATH_KINDS; k++)
		for (f = 0; f < PATH_F__COUNT; f++) {
			const struct path_change *c = &res->change[k][f];

			if (c->first_diff == 0)
				continue;
			found = 1;
			cp_where(c, where, sizeof(where));
			printf("path: port %u %s %s %s (sent %lu, hop %u "
			    "quotes %lu)\n", pr->port[k],
			    path_field_name((enum path_field)f),
			    f == PATH_F_MSS && c->seen > c->sent ?
			    "changed" : verb[f], where,
			    (unsigned long)c->sent, c->first_diff,
			    (unsigned long)c->seen);
		}
	return found;
}

static int
cp_text(const struct path_run *pr, const struct path_result *res)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], c0[64], c1[64];
	unsigned t;
	int found = 0;

	printf("path to %s from %s: SMTP port %u, control port %u\n",
	    cp_addr(pr->target, a), cp_addr(pr->source, b),
	    pr->port[PATH_SMTP], pr->port[PATH_CONTROL]);
	printf("%4s  %-36s %s\n", "hop", "port", "control port");
	for (t = 0; t < pr->nhops; t++) {
		cp_cell(&pr->probe[t][PATH_SMTP], c0, sizeof(c0));
		cp_cell(&pr->probe[t][PATH_CONTROL], c1, sizeof(c1));
		printf("%4u  %-36s %s\n", t + 1, c0, c1);
	}
	if (res->server_hop != 0)
		printf("path: server reached at hop %u (control port %u)\n",
		    res->server_hop, pr->port[PATH_CONTROL]);
	else
		printf("path: the control port never reached the server "
		    "(last answer from hop %u)\n", res->last_hop);
	if (res->proxy_hop != 0) {
		found = 1;
		printf("path: transparent proxy at hop %u: SYN-ACK for port "
		    "%u from %s after %u hops", res->proxy_hop,
		    pr->port[PATH_SMTP], cp_addr(res->smtp_from, a),
		    res->smtp_hop);
		if (res->server_hop != 0)
			printf(", the server is %u hops away", res->server_hop);
		printf("\n");
	}
	found |= cp_print_changes(pr, res);
	if (res->quotes[PATH_SMTP] + res->quotes[PATH_CONTROL] == 0)
		printf("path: no ICMP quote to compare\n");
	if (!found)
		printf("path: no proxy and no change seen\n");
	return found;
}

static json_t *
cp_json_probe(const struct path_probe *p)
{
	char a[INET_ADDRSTRLEN];

	if (!p->answered)
		return json_pack("{s:i, s:s}", "ttl", p->ttl, "answer", "none");
	return json_pack("{s:i, s:s, s:s, s:f}", "ttl", p->ttl, "answer",
	    path_ans_name(p->reply.type), "from", cp_addr(p->reply.from, a),
	    "rtt_ms", (double)p->rtt_us / 1000.0);
}

static int
cp_json(const struct path_run *pr, const struct path_result *res)
{
	json_t *o, *hops, *ch;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	unsigned t, k, f;
	int found = res->proxy_hop != 0;

	hops = json_array();
	for (t = 0; t < pr->nhops; t++)
		json_array_append_new(hops, json_pack("{s:o, s:o}", "port",
		    cp_json_probe(&pr->probe[t][PATH_SMTP]), "control",
		    cp_json_probe(&pr->probe[t][PATH_CONTROL])));
	ch = json_array();
	for (k = 0; k < PATH_KINDS; k++)
		for (f = 0; f < PATH_F__COUNT; f++) {
			const struct path_change *c = &res->change[k][f];

			if (c->first_diff == 0)
				continue;
			found = 1;
			json_array_append_new(ch, json_pack("{s:i, s:s, s:i, "
			    "s:i, s:I, s:I}", "port", pr->port[k], "field",
			    path_field_name((enum path_field)f), "hop",
			    c->last_same, "first_seen_hop", c->first_diff,
			    "sent", (json_int_t)c->sent, "seen",
			    (json_int_t)c->seen));
		}
	o = json_pack("{s:{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:o, s:o}}",
	    "path", "target", cp_addr(pr->target, a), "source",
	    cp_addr(pr->source, b), "port", pr->port[PATH_SMTP],
	    "control_port", pr->port[PATH_CONTROL], "server_hop",
	    res->server_hop, "proxy_hop", res->proxy_hop, "smtp_hop",
	    res->smtp_hop, "hops", hops, "changes", ch);
	json_dumpf(o, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(o);
	return found;
}

int
cmd_path_run(const struct cmd_path_opts *o, int json)
{
	static struct path_run pr;
	struct path_result res;
	struct path_net *pn;
	char err[MG_ERRBUF_SIZE];
	uint8_t target[4], source[4];
	uint16_t port;
	int rc, found;

	if (cp_target(o->target, target, &port) == -1)
		return CMD_EXIT_USAGE;
	rc = path_net_open(&pn, target, source, err);
	if (rc == PATH_ENOPERM) {
		printf("path: skipped: raw packets need CAP_NET_RAW (run as "
		    "root, or setcap cap_net_raw+ep on mailguard-detect)\n");
		fflush(stdout);
		return CMD_EXIT_INCONCLUSIVE;
	}
	if (rc == -1 || path_drop_privs(o->user, err) == -1) {
		warnmsg("--path %s: %s", o->target, err);
		path_net_close(pn);
		return CMD_EXIT_INCONCLUSIVE;
	}
	path_run_init(&pr, target, source, port, o->control_port ?
	    o->control_port : PATH_CONTROL_PORT, o->max_hops,
	    (uint32_t)(util_wall_us() ^ (uint64_t)getpid() << 16));
	rc = path_net_run(pn, &pr, err);
	path_net_close(pn);
	if (rc == -1) {
		warnmsg("--path %s: %s", o->target, err);
		return CMD_EXIT_INCONCLUSIVE;
	}
	path_analyze(&pr, &res);
	found = json ? cp_json(&pr, &res) : cp_text(&pr, &res);
	fflush(stdout);
	if (found)
		return CMD_EXIT_FOUND;
	return res.last_hop == 0 ? CMD_EXIT_INCONCLUSIVE : CMD_EXIT_NONE;
}
