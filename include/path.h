/*
 * path.h - where in the path is the box?  `mailguard-detect --path
 * HOST[:PORT]` sends TTL-limited TCP SYNs (raw IPv4, built with libnet) to
 * the SMTP port and to a closed control port, captures the answers with
 * libpcap (ICMP time-exceeded, SYN-ACK, RST) and says per hop who
 * answered, the hop at which a SYN-ACK first comes back for the SMTP port
 * against the hop where the control port reaches the server (a SYN-ACK
 * from fewer hops is a transparent proxy at that hop), and the first hop
 * at which each field of the SYN quoted in ICMP time-exceeded differs from
 * what we sent (the tracebox technique: ISN rewritten, MSS clamped, window
 * or options changed).  Owner: the "path" helper.
 *
 * LAYERS
 *  - pure (path.c): the SYN we send (path_syn_default), parsing of one
 *    captured packet into a struct path_reply (path_reply_parse*),
 *    matching replies to probes and the hop analysis (path_analyze).
 *    Bounded cursors over hostile bytes; unit-tested with built packets.
 *  - I/O (path_net.c): opening the raw socket and the capture (needs
 *    CAP_NET_RAW; PATH_ENOPERM when missing), dropping privileges, the
 *    send/receive loop.
 *  - the driver cmd_path.c (cmd_path.h) prints.
 *
 * Hops are numbered by the TTL that reached them (1 = first router).  A
 * change "at hop k" means the quote from hop k+1 (or later) differs while
 * hop k still quoted what we sent: the box is hop k, forwarding (Linux and
 * Cisco routers quote the packet as it arrived, before their own
 * forwarding rewrites).
 *
 * Errors: functions return 0 / -1 with a message in errbuf
 * (MG_ERRBUF_SIZE); nothing here prints or exits.
 */
#ifndef PATH_H
#define PATH_H

#include <stddef.h>
#include <stdint.h>

#define PATH_HOPS_MAX		32
#define PATH_HOPS_DEFAULT	16
#define PATH_CONTROL_PORT	1	/* tcpmux: closed almost everywhere */
#define PATH_SILENT_MAX		3	/* silent hops in a row: stop */
#define PATH_WAIT_MS		1000	/* per try and hop */
#define PATH_TRIES		2
#define PATH_OPTS_MAX		40	/* TCP options (RFC 9293 3.1) */
#define PATH_ENOPERM		(-2)	/* no CAP_NET_RAW */

enum path_kind {
	PATH_SMTP = 0,		/* the SMTP port */
	PATH_CONTROL = 1,	/* the closed control port */
	PATH_KINDS
};

/* The header fields of a SYN, as sent or as quoted by a router. */
struct path_syn {
	uint8_t		 tos;
	uint16_t	 ipid;
	uint16_t	 sport, dport;
	uint32_t	 seq;
	uint16_t	 win;		/* valid with have_hdr */
	uint8_t		 opts[PATH_OPTS_MAX];
	uint8_t		 optlen;	/* valid with have_opts */
	int		 have_hdr;	/* >= 20 TCP bytes quoted */
	int		 have_opts;	/* all options quoted */
};

enum path_ans {
	PATH_ANS_NONE = 0,
	PATH_ANS_TIMXCEED,	/* ICMP time exceeded in transit */
	PATH_ANS_UNREACH,	/* ICMP destination unreachable */
	PATH_ANS_SYNACK,
	PATH_ANS_RST,
	PATH_ANS_OTHER,		/* other TCP flags */
};

/* One captured packet that answers one of our probes. */
struct path_reply {
	enum path_ans	 type;
	uint8_t		 from[4];	/* who sent the answer */
	uint8_t		 target[4];	/* the probe's destination */
	uint16_t	 our_port;	/* the probe's source port */
	uint16_t	 dport;		/* the probe's destination */
	uint8_t		 icmp_code;
	struct path_syn	 quote;		/* ICMP: the SYN as it arrived */
	uint32_t	 seq, ack;	/* TCP answers */
	uint16_t	 mss;		/* SYN-ACK's MSS, 0 none */
};

struct path_probe {
	uint8_t		 ttl;
	enum path_kind	 kind;
	struct path_syn	 syn;		/* as sent */
	int		 tries;
	int		 answered;
	uint64_t	 sent_us, rtt_us;
	struct path_reply reply;	/* the first answer */
};

struct path_run {
	uint8_t		 target[4], source[4];
	uint16_t	 port[PATH_KINDS];	/* SMTP, control */
	unsigned	 max_hops;
	unsigned	 nhops;		/* TTLs probed */
	struct path_probe probe[PATH_HOPS_MAX][PATH_KINDS];
};

/* Quoted fields compared with what we sent. */
enum path_field {
	PATH_F_SEQ = 0,		/* ISN randomisation */
	PATH_F_MSS,		/* MSS clamp (value 0: option removed) */
	PATH_F_WIN,
	PATH_F_OPTS,		/* other options (MSS value masked) */
	PATH_F_TOS,
	PATH_F__COUNT
};

struct path_change {
	unsigned	 first_diff;	/* first hop quoting a change */
	unsigned	 last_same;	/* last hop before it quoting ours */
	uint32_t	 sent, seen;	/* numeric fields */
};

struct path_result {
	unsigned	 last_hop;	/* last hop that answered at all */
	unsigned	 server_hop;	/* control port answered by TCP */
	unsigned	 smtp_hop;	/* SMTP port answered by TCP */
	enum path_ans	 smtp_ans;	/* ... with this */
	uint8_t		 smtp_from[4];
	unsigned	 proxy_hop;	/* SYN-ACK before the server: hop */
	unsigned	 quotes[PATH_KINDS];	/* ICMP quotes compared */
	struct path_change change[PATH_KINDS][PATH_F__COUNT];
};

/* Our SYN: options MSS 1460, SACK permitted, timestamps, NOP, wscale 7
 * (what Linux sends), window 64240. */
void	path_syn_default(struct path_syn *s, uint16_t sport, uint16_t dport,
	    uint32_t seq, uint32_t tsval);

/* MSS option value (RFC 9293 3.2) in opts; 0 when absent. */
uint16_t path_opts_mss(const uint8_t *opts, size_t optlen);

/*
 * Parse one IPv4 packet (ip[0..len)) sent to `us`: an ICMP error quoting
 * a TCP packet from us, or a TCP packet to us.  0 and *r filled, or -1
 * when it is neither (or truncated before the ports).
 */
int	path_reply_parse(const uint8_t *ip, size_t len, const uint8_t us[4],
	    struct path_reply *r);
/* Same, from a captured frame of link type dlt (Ethernet, Linux SLL and
 * SLL2, raw IP). */
int	path_reply_parse_link(int dlt, const uint8_t *p, size_t caplen,
	    const uint8_t us[4], struct path_reply *r);

/* Set up the probes of a run: ports, random sequence numbers and source
 * ports from seed. */
void	path_run_init(struct path_run *pr, const uint8_t target[4],
	    const uint8_t source[4], uint16_t smtp_port, uint16_t control_port,
	    unsigned max_hops, uint32_t seed);
/* The probe a reply answers (by our source port and its destination);
 * records the first answer.  NULL when none. */
struct path_probe *path_run_match(struct path_run *pr,
	    const struct path_reply *r, uint64_t now_us);

void	path_analyze(const struct path_run *pr, struct path_result *res);

/*
 * On the wire (path_net.c).  path_net_open() finds our source address
 * toward target (a connected UDP socket: nothing is sent), opens the raw
 * IPv4 socket (libnet) and the capture (libpcap on "any", a BPF filter
 * for TCP from the target and ICMP errors to us).  Returns 0, -1 with
 * errbuf, or PATH_ENOPERM when raw sockets are not allowed (no
 * CAP_NET_RAW).  path_net_run() sends each hop's two probes (PATH_TRIES
 * tries, PATH_WAIT_MS each), stops when the end host answered both ports
 * over TCP or after PATH_SILENT_MAX silent hops, and matches answers.
 */
struct path_net;

int	path_net_open(struct path_net **pn, const uint8_t target[4],
	    uint8_t source[4], char *errbuf);
int	path_net_run(struct path_net *pn, struct path_run *pr, char *errbuf);
void	path_net_close(struct path_net *pn);	/* NULL: no-op */

/*
 * After opening the raw sockets: when running as root, become `user`
 * (when given) or the user who ran sudo (SUDO_UID/SUDO_GID); otherwise
 * stay.  Returns 1 dropped, 0 nothing to do, -1 with errbuf.
 */
int	path_drop_privs(const char *user, char *errbuf);

const char *path_field_name(enum path_field f);
const char *path_ans_name(enum path_ans a);

#endif /* PATH_H */
