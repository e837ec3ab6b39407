/* path_net.c - path probes on the wire: libnet raw SYNs, libpcap answers. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libnet.h>
#include <pcap/pcap.h>

#include "mg_limits.h"
#include "path.h"
#include "util.h"

#define PN_SNAPLEN	1024
#define PN_DRAIN_MS	300

struct path_net {
	libnet_t	*ln;
	pcap_t		*pc;
	int		 dlt;
	int		 fd;
	uint8_t		 source[4], target[4];
};

/* Our address toward target: a connected UDP socket sends nothing. */
static int
pn_source(const uint8_t target[4], uint8_t source[4], char *errbuf)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(9);
	memcpy(&sin.sin_addr, target, 4);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) < 0) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "no route to the target: "
		    "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	memcpy(source, &sin.sin_addr, 4);
	return 0;
}

static int
pn_pcap(struct path_net *pn, char *errbuf)
{
	char pe[PCAP_ERRBUF_SIZE], filter[256], t[INET_ADDRSTRLEN],
	    s[INET_ADDRSTRLEN];
	struct bpf_program prog;
	int rc = 0;

	inet_ntop(AF_INET, pn->target, t, sizeof(t));
	inet_ntop(AF_INET, pn->source, s, sizeof(s));
	/* answers only: TCP from the target to us, ICMP errors to us */
	snprintf(filter, sizeof(filter), "dst host %s and ((tcp and src host "
	    "%s) or (icmp and (icmp[0] == 11 or icmp[0] == 3)))", s, t);
	pe[0] = '\0';
	if ((pn->pc = pcap_create("any", pe)) == NULL ||
	    pcap_set_snaplen(pn->pc, PN_SNAPLEN) != 0 ||
	    pcap_set_immediate_mode(pn->pc, 1) != 0 ||
	    pcap_set_timeout(pn->pc, 10) != 0 ||
	    (rc = pcap_activate(pn->pc)) < 0) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "capture: %s", pn->pc ?
		    pcap_geterr(pn->pc) : pe);
		return pn->pc != NULL && rc == PCAP_ERROR_PERM_DENIED ?
		    PATH_ENOPERM : -1;
	}
	if (pcap_compile(pn->pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0 ||
	    pcap_setfilter(pn->pc, &prog) < 0) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "capture filter: %s",
		    pcap_geterr(pn->pc));
		return -1;
	}
	pcap_freecode(&prog);
	if (pcap_setnonblock(pn->pc, 1, pe) < 0 ||
	    (pn->fd = pcap_get_selectable_fd(pn->pc)) < 0) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "capture: no selectable "
		    "descriptor");
		return -1;
	}
	pn->dlt = pcap_datalink(pn->pc);
	return 0;
}

/* -1 (errno EPERM/EACCES) when raw sockets are not allowed here. */
static int
pn_can_raw(void)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno == EPERM || errno == EACCES ? -1 : 0;
}

int
path_net_open(struct path_net **out, const uint8_t target[4],
    uint8_t source[4], char *errbuf)
{
	char le[LIBNET_ERRBUF_SIZE];
	struct path_net *pn;
	int rc;

	*out = NULL;
	if (pn_source(target, source, errbuf) == -1)
		return -1;
	pn = xcalloc(1, sizeof(*pn));
	pn->fd = -1;
	memcpy(pn->target, target, 4);
	memcpy(pn->source, source, 4);
	if (pn_can_raw() == -1) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "raw socket: %s",
		    strerror(errno));
		free(pn);
		return PATH_ENOPERM;
	}
	le[0] = '\0';
	if ((pn->ln = libnet_init(LIBNET_RAW4, NULL, le)) == NULL) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "raw socket: %s", le);
		free(pn);
		return -1;
	}
	if ((rc = pn_pcap(pn, errbuf)) < 0) {
		path_net_close(pn);
		return rc;
	}
	*out = pn;
	return 0;
}

void
path_net_close(struct path_net *pn)
{
	if (pn == NULL)
		return;
	if (pn->pc != NULL)
		pcap_close(pn->pc);
	if (pn->ln != NULL)
		libnet_destroy(pn->ln);
	free(pn);
}

int
path_drop_privs(const char *user, char *errbuf)
{
	const char *su = getenv("SUDO_UID"), *sg = getenv("SUDO_GID");
	uint64_t uid, gid;
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	if (user != NULL) {
		if ((pw = getpwnam(user)) == NULL) {
			util_errbuf(errbuf, MG_ERRBUF_SIZE, "--user %s: no "
			    "such user", user);
			return -1;
		}
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	} else if (su != NULL && sg != NULL &&
	    util_parse_u64(su, 1, UINT32_MAX - 1, &uid) == 0 &&
	    util_parse_u64(sg, 0, UINT32_MAX - 1, &gid) == 0) {
		/* run through sudo: back to the user who ran it */
	} else
		return 0;
	if (setgroups(0, NULL) < 0 || setgid((gid_t)gid) < 0 ||
	    setuid((uid_t)uid) < 0 || (uid != 0 && setuid(0) == 0)) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "cannot drop privileges "
		    "to uid %llu: %s", (unsigned long long)uid,
		    strerror(errno));
		return -1;
	}
	return 1;
}

static int
pn_send(struct path_net *pn, struct path_probe *p, char *errbuf)
{
	const struct path_syn *s = &p->syn;
	uint32_t src, dst;
	libnet_t *l = pn->ln;

	memcpy(&src, pn->source, 4);
	memcpy(&dst, pn->target, 4);
	libnet_clear_packet(l);
	if (libnet_build_tcp_options(s->opts, s->optlen, l, 0) == -1 ||
	    libnet_build_tcp(s->sport, s->dport, s->seq, 0, TH_SYN, s->win, 0,
	    0, (uint16_t)(LIBNET_TCP_H + s->optlen), NULL, 0, l, 0) == -1 ||
	    libnet_build_ipv4((uint16_t)(LIBNET_IPV4_H + LIBNET_TCP_H +
	    s->optlen), s->tos, s->ipid, 0, p->ttl, IPPROTO_TCP, 0, src, dst,
	    NULL, 0, l, 0) == -1 || libnet_write(l) == -1) {
		util_errbuf(errbuf, MG_ERRBUF_SIZE, "send: %s",
		    libnet_geterror(l));
		return -1;
	}
	p->tries++;
	p->sent_us = util_mono_us();
	return 0;
}

/* Read every captured packet that is ready and match it. */
static void
pn_read(struct path_net *pn, struct path_run *pr)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	struct path_reply r;

	while (pcap_next_ex(pn->pc, &h, &data) == 1)
		if (path_reply_parse_link(pn->dlt, data, h->caplen,
		    pn->source, &r) == 0)
			(void)path_run_match(pr, &r, util_mono_us());
}

/* Wait up to ms for answers; early when both probes of hop t have one. */
static void
pn_wait(struct path_net *pn, struct path_run *pr, int t, unsigned ms)
{
	uint64_t end = util_mono_us() + (uint64_t)ms * 1000, now;
	struct pollfd pfd;

	pfd.fd = pn->fd;
	pfd.events = POLLIN;
	while ((now = util_mono_us()) < end) {
		if (t >= 0 && pr->probe[t][PATH_SMTP].answered &&
		    pr->probe[t][PATH_CONTROL].answered)
			return;
		if (poll(&pfd, 1, (int)((end - now) / 1000) + 1) > 0)
			pn_read(pn, pr);
	}
	pn_read(pn, pr);
}

/* An answer that ends the path: TCP from the end host, unreachable. */
static int
pn_final(const struct path_probe *p)
{
	return p->answered && p->reply.type != PATH_ANS_TIMXCEED;
}

/* Both ports reached their end: further hops add nothing. */
static int
pn_done(const struct path_run *pr, unsigned t)
{
	return pn_final(&pr->probe[t][PATH_SMTP]) &&
	    pn_final(&pr->probe[t][PATH_CONTROL]);
}

int
path_net_run(struct path_net *pn, struct path_run *pr, char *errbuf)
{
	unsigned t, k, silent = 0;
	int try, any;

	pn_read(pn, pr);	/* nothing of ours yet: empties the buffer */
	for (t = 0; t < pr->max_hops; t++) {
		pr->nhops = t + 1;
		for (try = 0; try < PATH_TRIES; try++) {
			for (k = 0; k < PATH_KINDS; k++)
				if (!pr->probe[t][k].answered &&
				    pn_send(pn, &pr->probe[t][k], errbuf) < 0)
					return -1;
			pn_wait(pn, pr, (int)t, PATH_WAIT_MS);
			if (pr->probe[t][0].answered &&
			    pr->probe[t][1].answered)
				break;
		}
		any = pr->probe[t][0].answered || pr->probe[t][1].answered;
		silent = any ? 0 : silent + 1;
		if (pn_done(pr, t) || silent >= PATH_SILENT_MAX)
			break;
	}
	pn_wait(pn, pr, -1, PN_DRAIN_MS);
	return 0;
}
