#!/bin/sh
# tests/lab/netns.sh - the namespace lab of issue 6: client, two routers, a
# firewall router and a server in network namespaces joined by veth links.
#
#   client --- r1 --- r2 --- fw --- server
#   .1.2  .1.1  .2.1  .2.2 .3.1  .3.2 (fw-r2) .4.1 (fw-srv) .4.2
#
# All addresses are in 198.18.0.0/15 (RFC 2544 benchmarking range) and
# exist only inside the namespaces this script creates; nothing is added to
# the root namespace but /etc/netns/NS/{hosts,resolv.conf} (names of the
# lab hosts; DNS pointed at 127.0.0.1 so no query leaves the lab).  Hops seen from the client: r1 = 1, r2 = 2, fw = 3,
# server = 4.  Routers forward (ip_forward=1) and answer every expired probe
# (icmp_ratelimit=0, so TTL-limited probes each get their time-exceeded).
#
# USAGE (root)
#	netns.sh up PREFIX	create PREFIX-client, PREFIX-r1, PREFIX-r2,
#				PREFIX-fw, PREFIX-server; print shell
#				assignments (NS_*, IP_*, IF_FW_OUT, IF_FW_IN);
#				a failed set-up removes what it made.
#	netns.sh down PREFIX	kill every process left in those namespaces
#				and delete them (idempotent, never fails)
#	netns.sh env PREFIX	print the assignments again
#	netns.sh fw PREFIX none		remove all the firewall's rules (control);
#				the other modes replace only their own rules,
#				so mss combines with redirect or nfqueue
#	netns.sh fw PREFIX redirect PORT [DPORT]
#				nftables nat prerouting: TCP to DPORT (25)
#				arriving on the outside link goes to the fw's
#				local PORT (a transparent proxy listens there,
#				SO_ORIGINAL_DST gives the real destination)
#	netns.sh fw PREFIX nfqueue NUM [DPORT]
#				iptables FORWARD: TCP to and from DPORT (25)
#				goes to netfilter queue NUM (nftables' own
#				queue statement is missing from this kernel)
#	netns.sh fw PREFIX mss SIZE	nftables forward: clamp the MSS of SYNs
#				crossing the fw to SIZE
#	netns.sh exec PREFIX NODE CMD...	run CMD in PREFIX-NODE
#
# Tests: PREFIX=mg$$ keeps parallel tests apart; register
# "netns.sh down PREFIX" with mg_cleanup_add before "up".

set -u
NODES="client r1 r2 fw server"
NET=198.18

die()
{
	echo "netns.sh: $*" >&2
	exit 1
}

usage()
{
	echo "usage: netns.sh up|down|env PREFIX | fw PREFIX none|" \
	    "redirect PORT [DPORT]|nfqueue NUM [DPORT]|mss SIZE |" \
	    "exec PREFIX NODE CMD..." >&2
	exit 2
}

nsx()
{
	_ns=$1
	shift
	ip netns exec "$P-$_ns" "$@"
}

# link A IFA ADDRA B IFB ADDRB: a veth pair made directly inside the two
# namespaces (no name ever exists in the root namespace)
link()
{
	ip link add "$2" netns "$P-$1" type veth peer name "$5" \
	    netns "$P-$4" || return 1
	nsx "$1" ip addr add "$3/24" dev "$2" || return 1
	nsx "$4" ip addr add "$6/24" dev "$5" || return 1
	nsx "$1" ip link set "$2" up || return 1
	nsx "$4" ip link set "$5" up
}

hosts()
{
	cat <<EOF
127.0.0.1	localhost
::1		localhost ip6-localhost ip6-loopback
$NET.1.2	client.lab.test client
$NET.1.1	r1.lab.test r1
$NET.2.2	r2.lab.test r2
$NET.3.2	fw.lab.test fw
$NET.4.1	fw-inside.lab.test
$NET.4.2	server.lab.test server
EOF
}

env_out()
{
	cat <<EOF
NS_CLIENT=$P-client
NS_R1=$P-r1
NS_R2=$P-r2
NS_FW=$P-fw
NS_SERVER=$P-server
IP_CLIENT=$NET.1.2
IP_R1=$NET.1.1
IP_R2=$NET.2.2
IP_FW_OUT=$NET.3.2
IP_FW_IN=$NET.4.1
IP_SERVER=$NET.4.2
IF_FW_OUT=fw-r2
IF_FW_IN=fw-srv
EOF
}

build()
{
	for n in $NODES; do
		# ip netns exec bind-mounts /etc/netns/NS/* over /etc: the lab
		# resolves its names from a hosts file and asks no real DNS
		# server (127.0.0.1 refuses at once), so nothing is ever sent
		# towards the machine's resolver from inside the lab
		mkdir -p "/etc/netns/$P-$n" || return 1
		printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' \
		    >"/etc/netns/$P-$n/resolv.conf"
		hosts >"/etc/netns/$P-$n/hosts"
		ip netns add "$P-$n" || return 1
		nsx "$n" ip link set lo up || return 1
		nsx "$n" sysctl -qw net.ipv4.icmp_ratelimit=0 || return 1
	done
	link client c-r1 "$NET.1.2" r1 r1-c "$NET.1.1" || return 1
	link r1 r1-r2 "$NET.2.1" r2 r2-r1 "$NET.2.2" || return 1
	link r2 r2-fw "$NET.3.1" fw fw-r2 "$NET.3.2" || return 1
	link fw fw-srv "$NET.4.1" server srv-fw "$NET.4.2" || return 1
	for n in r1 r2 fw; do
		nsx "$n" sysctl -qw net.ipv4.ip_forward=1 || return 1
	done
	nsx client ip route add default via "$NET.1.1" || return 1
	nsx r1 ip route add default via "$NET.2.2" || return 1
	nsx r2 ip route add "$NET.1.0/24" via "$NET.2.1" || return 1
	nsx r2 ip route add default via "$NET.3.2" || return 1
	nsx fw ip route add "$NET.1.0/24" via "$NET.3.1" || return 1
	nsx fw ip route add "$NET.2.0/24" via "$NET.3.1" || return 1
	nsx server ip route add default via "$NET.4.1" || return 1
	return 0
}

cmd_down()
{
	for n in $NODES; do
		ip netns list 2>/dev/null | grep -q "^$P-$n\\b" || continue
		# processes a test left in the namespace (ours by creation)
		for pid in $(ip netns pids "$P-$n" 2>/dev/null); do
			kill -TERM "$pid" 2>/dev/null
		done
		_i=30
		while [ -n "$(ip netns pids "$P-$n" 2>/dev/null)" ] &&
		    [ "$_i" -gt 0 ]; do
			sleep 0.1
			_i=$((_i - 1))
		done
		for pid in $(ip netns pids "$P-$n" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns delete "$P-$n" 2>/dev/null
	done
	for n in $NODES; do
		rm -rf "/etc/netns/$P-$n"
	done
	return 0
}

cmd_up()
{
	[ "$(id -u)" -eq 0 ] || die "must run as root"
	for n in $NODES; do
		ip netns list 2>/dev/null | grep -q "^$P-$n\\b" &&
		    die "namespace $P-$n exists (netns.sh down $P first)"
	done
	if ! build >&2; then
		cmd_down
		die "set-up failed; removed what was made"
	fi
	env_out
}

cmd_fw()
{
	[ $# -ge 1 ] || usage
	mode=$1
	shift
	# each mode replaces only its own rules, so they combine (redirect
	# or nfqueue with mss); none removes them all
	case $mode in
	none)
		nsx fw nft delete table inet mglab 2>/dev/null
		nsx fw nft delete table ip mglabnat 2>/dev/null
		nsx fw iptables -F FORWARD 2>/dev/null
		;;
	redirect)
		[ $# -ge 1 ] || usage
		nsx fw nft delete table ip mglabnat 2>/dev/null
		nsx fw nft -f - <<EOF || die "nft redirect failed"
table ip mglabnat {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "fw-r2" tcp dport ${2:-25} redirect to :$1
	}
}
EOF
		;;
	nfqueue)
		[ $# -ge 1 ] || usage
		nsx fw iptables -F FORWARD 2>/dev/null
		nsx fw iptables -A FORWARD -p tcp --dport "${2:-25}" \
		    -j NFQUEUE --queue-num "$1" || die "NFQUEUE rule failed"
		nsx fw iptables -A FORWARD -p tcp --sport "${2:-25}" \
		    -j NFQUEUE --queue-num "$1" || die "NFQUEUE rule failed"
		;;
	mss)
		[ $# -ge 1 ] || usage
		# (no chain called "fwd": a keyword in nft, see lab-notes)
		nsx fw nft delete table inet mglab 2>/dev/null
		nsx fw nft -f - <<EOF || die "nft mss clamp failed"
table inet mglab {
	chain forward {
		type filter hook forward priority mangle; policy accept;
		tcp flags syn tcp option maxseg size set $1
	}
}
EOF
		;;
	*)
		usage ;;
	esac
}

[ $# -ge 2 ] || usage
cmd=$1
P=$2
shift 2
case $P in
''|*[!A-Za-z0-9_]*) die "PREFIX must be letters, digits, _" ;;
esac
[ "${#P}" -le 16 ] || die "PREFIX too long (namespaces names stay short)"
case $cmd in
up)	cmd_up ;;
down)	cmd_down ;;
env)	env_out ;;
fw)	cmd_fw "$@" ;;
exec)	[ $# -ge 2 ] || usage; n=$1; shift; nsx "$n" "$@" ;;
*)	usage ;;
esac
