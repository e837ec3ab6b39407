/*
 * target.h - what the prober is asked to probe: parse a target spec, look
 * up a mail domain's MX hosts, resolve to socket addresses, read lists.
 *
 * A spec is one of: host, host:port, an IPv4 literal (with :port), an IPv6
 * literal bare or bracketed ([2001:db8::1]:25), or a mail domain.  A name
 * given without a port is treated as a mail domain: its MX records are
 * looked up and every MX host is resolved in preference order; a name with
 * no MX record is its own implicit MX (RFC 5321 5.1).  A name given with a
 * port is a host: no MX lookup.
 *
 * Everything is caller-owned fixed-size structs except the lists returned
 * by target_list_read() (free with target_list_free()).  Functions return
 * 0 on success and -1 with a message in errbuf (MG_ERRBUF_SIZE) on error;
 * nothing prints.
 */
#ifndef TARGET_H
#define TARGET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

/* RFC 1035 2.3.4: a name is at most 253 octets in text form. */
#define TARGET_HOST_MAX		256
/* MX records kept per domain, and addresses kept per target. */
#define TARGET_MX_MAX		16
#define TARGET_ADDRS_MAX	32
/* Lines read from one -iL list (each may hold several specs). */
#define TARGET_LIST_MAX		1000000
#define TARGET_DEFAULT_PORT	25

enum target_kind {
	TARGET_IPV4,
	TARGET_IPV6,
	TARGET_NAME,
};

struct target_spec {
	char		 spec[TARGET_HOST_MAX + 16];	/* as given */
	char		 host[TARGET_HOST_MAX];		/* no brackets */
	uint16_t	 port;
	int		 have_port;
	enum target_kind kind;
};

struct target_mx {
	char		host[TARGET_HOST_MAX];
	uint16_t	pref;
};

struct target_addr {
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	char			addr[INET6_ADDRSTRLEN];	/* numeric text */
	char			host[TARGET_HOST_MAX];	/* name it came from */
	uint16_t		port;
	int			mx_pref;	/* -1: not from an MX record */
};

/* Parse one spec; port defaults to TARGET_DEFAULT_PORT. */
int target_parse(const char *s, struct target_spec *t, char *errbuf);

/*
 * Parse a DNS answer to an MX query (wire format, as res_query returns
 * it) into mx[] sorted by preference (stable).  *n = 0 with return 0 means
 * no MX in the answer.  A single MX whose host is "." is a null MX (RFC
 * 7505): returns -1, "domain accepts no mail".
 */
int target_mx_parse(const uint8_t *ans, size_t len, struct target_mx *mx,
    size_t max, size_t *n, char *errbuf);

/* Resolve to addresses; use_mx 0 skips the MX lookup for names. */
int target_resolve(const struct target_spec *t, int use_mx,
    struct target_addr *out, size_t max, size_t *n, char *errbuf);

/*
 * Read whitespace-separated specs from fp (name is for messages); '#'
 * starts a comment to end of line.  Appends to *specs / *n.
 */
int target_list_read(FILE *fp, const char *name, char ***specs, size_t *n,
    char *errbuf);
void target_list_free(char **specs, size_t n);

#endif /* TARGET_H */
