#!/bin/sh
# quickstart.sh - set up mailguard on a fresh Debian 12 machine and run it.
#
#   ./quickstart.sh        install what is missing, build, run the built-in demo:
#                          an emulated Cisco ASA (inspect esmtp) in front of a
#                          built-in Exchange 2003 personality on loopback,
#                          probed by mailguard-detect
#   ./quickstart.sh test   install, build, then the whole test suite: make check
#                          in build/, then make check in build-san/ (ASan+UBSan)
#
# Runs as root (it installs Debian packages with apt-get).  Builds out of
# tree in build/ and build-san/.  Exit status: 0 on success, 1 when the build
# or a test failed, 2 on bad usage.
set -eu

mode=${1:-demo}
case $mode in
demo|test) ;;
-h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
*) echo "usage: $0 [test]" >&2; exit 2 ;;
esac

top=$(cd "$(dirname "$0")" && pwd)
cd "$top"

say() { printf '==> %s\n' "$*"; }

# Packages: build, then what the tests drive (real MTAs, clients, capture and
# namespace tools).  Installed without Recommends, so swaks's TLS and AUTH
# modules (the Perl SSL/SASL packages), GNU time and valgrind (make check runs
# one end-to-end pass under it) are named here.  Exim and OpenSMTPD are
# unpacked by tests/lab/install.sh.
BUILD_PKGS="build-essential autoconf automake pkg-config libpcap-dev
libnet1-dev libcmocka-dev libjansson-dev libevent-dev libssl-dev
libnetfilter-queue-dev"
DEMO_PKGS="python3"
TEST_PKGS="postfix swaks curl tcpdump tshark iproute2 nftables iptables
openssl procps psmisc iputils-ping util-linux gzip nmap ca-certificates
clang libclang-rt-14-dev time libnet-ssleay-perl libio-socket-ssl-perl
libio-socket-inet6-perl libnet-dns-perl libauthen-sasl-perl valgrind mount"

missing_pkgs() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		    grep -q '^install ok installed' || printf '%s ' "$p"
	done
}

install_pkgs() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "quickstart: run as root to install packages (apt-get)" >&2
		exit 1
	fi
	say "apt-get update"
	apt-get update -q >/dev/null
	need=$(missing_pkgs "$@")
	if [ -n "$need" ]; then
		say "installing: $need"
		# Postfix asks how to configure itself; the tests configure
		# private instances, so the system one stays unconfigured.
		echo "postfix postfix/main_mailer_type select No configuration" |
		    debconf-set-selections
		echo "wireshark-common wireshark-common/install-setuid boolean false" |
		    debconf-set-selections
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		    --no-install-recommends $need >/dev/null
	fi
}

build() {	# build DIR [configure args]
	dir=$1; shift
	if [ ! -x configure ] || [ configure.ac -nt configure ] ||
	    [ Makefile.am -nt Makefile.in ]; then
		say "autoreconf"
		autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
	fi
	mkdir -p "$dir"
	say "configure $* in $dir/"
	(cd "$dir" && "$top/configure" -q "$@")
	say "make in $dir/"
	(cd "$dir" && make -j"$(nproc)" >/dev/null)
}

# Sum the automake test-suite.log counters of the runs given.
summary() {
	pass=0 fail=0 skip=0
	for log in "$@"; do
		[ -f "$log" ] || continue
		p=$(sed -n 's/^# PASS: *//p' "$log"); pass=$((pass + ${p:-0}))
		s=$(sed -n 's/^# SKIP: *//p' "$log"); skip=$((skip + ${s:-0}))
		for k in FAIL XPASS ERROR; do
			f=$(sed -n "s/^# $k: *//p" "$log"); fail=$((fail + ${f:-0}))
		done
	done
	echo "$pass passed, $fail failed, $skip skipped"
}

run_check() {	# run_check DIR
	say "make check in $1/"
	rc=0
	(cd "$1" && make check) || rc=1
	if [ $rc -ne 0 ] && [ -f "$1/test-suite.log" ]; then
		# Show what failed, for the CI log.
		grep -E '^(FAIL|ERROR|XPASS):' "$1/test-suite.log" || true
	fi
	return $rc
}

demo() {
	port_file=$(mktemp)
	trap 'kill "$emu_pid" 2>/dev/null; rm -f "$port_file"' EXIT INT TERM
	say "starting mailguard-emulate --profile asa --upstream builtin:exchange2003"
	./build/mailguard-emulate --profile asa --upstream builtin:exchange2003 \
	    --listen 127.0.0.1:0 >"$port_file" 2>/dev/null &
	emu_pid=$!
	i=0
	while ! grep -q 'listening on' "$port_file" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$emu_pid" 2>/dev/null; then
			echo "quickstart: the emulator did not start" >&2
			exit 1
		fi
		sleep 0.1
	done
	addr=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$port_file" | head -n 1)
	say "mailguard-detect $addr"
	echo
	rc=0
	./build/mailguard-detect "$addr" || rc=$?
	echo
	# 1 = interference found, which is what the demo must show.
	if [ $rc -eq 1 ]; then
		say "demo done: mailguard-detect found the emulated ASA (exit 1 = interference found)"
		return 0
	fi
	echo "quickstart: unexpected exit $rc from mailguard-detect" >&2
	return 1
}

case $mode in
demo)
	install_pkgs $BUILD_PKGS $DEMO_PKGS
	build build
	demo
	;;
test)
	install_pkgs $BUILD_PKGS $DEMO_PKGS $TEST_PKGS
	if [ -x tests/lab/install.sh ]; then
		say "tests/lab/install.sh (real MTAs for the lab)"
		tests/lab/install.sh
	fi
	build build
	build build-san --enable-sanitizers
	status=0
	rm -f build/test-suite.log build-san/test-suite.log
	run_check build || status=1
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    run_check build-san || status=1
	summary build/test-suite.log build-san/test-suite.log
	exit $status
	;;
esac
