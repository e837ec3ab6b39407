/*
 * lockdown.h - the filtering-service firewall test (--lockdown) and its
 * inside twin (--egress): does port 25 accept a connection from this
 * address, and if so could mail actually be delivered (greeting, EHLO or
 * HELO, MAIL, RCPT accepted; DATA is never sent)?
 *
 * lockdown_judge() reads one probe result of the "lockdown" probe (its
 * transcript, through the dialog parser) and fills a caller-owned struct;
 * lockdown_format() writes the report lines ("Checking firewall from
 * <addr>...passed (did not accept connection)") into a buf.  CIDR lists
 * are parsed into caller storage.  Functions return 0/-1 with errbuf;
 * nothing prints.
 */
#ifndef LOCKDOWN_H
#define LOCKDOWN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "probe.h"
#include "target.h"

#define LOCKDOWN_CIDRS_MAX	64

struct lockdown_cidr {
	int		family;		/* AF_INET / AF_INET6 */
	uint8_t		addr[16];
	unsigned	bits;
};

struct lockdown_result {
	char	our_addr[INET6_ADDRSTRLEN];	/* "" if unknown */
	char	server[80];
	int	accepted;	/* TCP connection established */
	int	greeted;	/* a 220 greeting */
	int	hello_ok;	/* EHLO or HELO got 2xx */
	int	mail_ok, rcpt_ok;
	int	rcpt_code;	/* 0: never answered */
	int	cut;		/* closed/reset/timed out before QUIT */
	int	in_allowed;	/* our address is in --allowed (-1: no list) */
	char	why[320];	/* how far the dialogue went */
};

int lockdown_parse_cidrs(const char *list, struct lockdown_cidr *out,
    size_t max, size_t *n, char *errbuf);
/* 1 if addr (numeric text) is inside one of the ranges. */
int lockdown_addr_in(const char *addr, const struct lockdown_cidr *c,
    size_t n);
/* The source address the kernel would use towards a (no packet sent). */
int lockdown_source_addr(const struct target_addr *a, char *out,
    size_t size);

void lockdown_judge(const struct probe_result *r, const char *our_addr,
    const struct lockdown_cidr *allowed, size_t nallowed,
    struct lockdown_result *out);
/* egress != 0: the inside test (--egress) wording. */
void lockdown_format(const struct lockdown_result *lr, int egress,
    struct buf *out);
/* 0 as it should be, 1 a finding (see the man page). */
int lockdown_exit_code(const struct lockdown_result *lr, int egress);

#endif /* LOCKDOWN_H */
