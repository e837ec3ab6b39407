#!/bin/sh
# tests/lab/install.sh - install and unpack what the test lab needs (root,
# idempotent; quickstart.sh runs it, lab tests run it when something is
# missing).
#
# Debian packages installed (apt-get install):
#	postfix (preseeded "No configuration": we never use /etc/postfix)
#	swaks openssl iproute2 nftables iptables tcpdump python3 procps
#	iputils-ping util-linux (flock)
#	libidn12 libgnutls-dane0 libnsl2 libpcre2-8-0 libdb5.3 (Exim's
#	libraries) libevent-2.1-7 libssl3 libpam0g (OpenSMTPD's libraries)
# Debian packages unpacked, not installed (only one mail-transport-agent
# can be installed; see shared/docs/lab-notes.md): exim4-daemon-light
# exim4-base exim4-config opensmtpd, with apt-get download + dpkg -x into
# $MG_LAB_CACHE (default /var/cache/mailguard-lab)/root.
# System changes: users Debian-exim (Exim's binary looks it up), opensmtpd
# and opensmtpq (Debian's OpenSMTPD build runs as them), /var/spool/smtpd
# (0711) and /var/lib/opensmtpd/empty (its compiled-in queue and chroot),
# and /usr/libexec/opensmtpd -> the unpacked helpers (mail.maildir ...) when
# OpenSMTPD is not installed.
#
# Usage: tests/lab/install.sh [--check]   (--check: exit 1 if not ready)

set -u
MG_LAB_CACHE=${MG_LAB_CACHE:-/var/cache/mailguard-lab}
ROOT=$MG_LAB_CACHE/root
APT_PKGS="postfix swaks openssl iproute2 nftables iptables tcpdump python3
procps iputils-ping util-linux libidn12 libgnutls-dane0 libnsl2 libpcre2-8-0 libdb5.3
libevent-2.1-7 libssl3 libpam0g"
UNPACK_PKGS="exim4-daemon-light exim4-base exim4-config opensmtpd"

say()
{
	printf 'lab-install: %s\n' "$*" >&2
}

die()
{
	say "error: $*"
	exit 1
}

# ready: everything in place (cheap, no apt)
ready()
{
	command -v postfix >/dev/null 2>&1 || return 1
	command -v swaks >/dev/null 2>&1 || return 1
	[ -x "$ROOT/usr/sbin/exim4" ] || return 1
	[ -x "$ROOT/usr/sbin/smtpd" ] || return 1
	for u in Debian-exim opensmtpd opensmtpq postfix; do
		id "$u" >/dev/null 2>&1 || return 1
	done
	[ -d /var/spool/smtpd ] && [ -d /var/lib/opensmtpd/empty ] || return 1
	[ -x /usr/libexec/opensmtpd/mail.maildir ] || return 1
	for b in "$ROOT/usr/sbin/exim4" "$ROOT/usr/sbin/smtpd"; do
		ldd "$b" 2>/dev/null | grep -q 'not found' && return 1
	done
	return 0
}

if [ "${1:-}" = --check ]; then
	ready
	exit $?
fi
ready && { say "lab ready ($ROOT)"; exit 0; }
[ "$(id -u)" -eq 0 ] || die "must run as root"

export DEBIAN_FRONTEND=noninteractive
missing=
for p in $APT_PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed' || missing="$missing $p"
done
need_update=0
[ -n "$missing" ] && need_update=1
[ -x "$ROOT/usr/sbin/exim4" ] && [ -x "$ROOT/usr/sbin/smtpd" ] ||
    need_update=1
if [ "$need_update" = 1 ]; then
	say "apt-get update"
	apt-get update -q >/dev/null || die "apt-get update failed"
fi
if [ -n "$missing" ]; then
	echo "postfix postfix/main_mailer_type select No configuration" |
	    debconf-set-selections
	say "apt-get install$missing"
	# shellcheck disable=SC2086
	apt-get install -y -q $missing >/dev/null ||
	    die "apt-get install$missing failed"
fi

if ! [ -x "$ROOT/usr/sbin/exim4" ] || ! [ -x "$ROOT/usr/sbin/smtpd" ]; then
	mkdir -p "$MG_LAB_CACHE/debs" "$ROOT" || die "mkdir $MG_LAB_CACHE"
	chmod 755 "$MG_LAB_CACHE" "$MG_LAB_CACHE/debs"
	say "apt-get download $UNPACK_PKGS"
	# shellcheck disable=SC2086
	(cd "$MG_LAB_CACHE/debs" && rm -f ./*.deb &&
	    apt-get download $UNPACK_PKGS >/dev/null 2>&1) ||
	    die "apt-get download $UNPACK_PKGS failed"
	for d in "$MG_LAB_CACHE"/debs/*.deb; do
		dpkg -x "$d" "$ROOT" || die "dpkg -x $d failed"
	done
fi

for u in Debian-exim opensmtpd opensmtpq; do
	id "$u" >/dev/null 2>&1 && continue
	say "useradd $u"
	useradd -r -M -d /var/lib/opensmtpd/empty -s /usr/sbin/nologin "$u" ||
	    die "useradd $u failed"
done
mkdir -p /var/spool/smtpd /var/lib/opensmtpd/empty
chmod 711 /var/spool/smtpd
chmod 755 /var/lib/opensmtpd/empty
if ! [ -e /usr/libexec/opensmtpd ]; then
	mkdir -p /usr/libexec
	ln -s "$ROOT/usr/libexec/opensmtpd" /usr/libexec/opensmtpd
fi

for b in "$ROOT/usr/sbin/exim4" "$ROOT/usr/sbin/smtpd"; do
	if ldd "$b" | grep 'not found' >&2; then
		die "$b lacks libraries (see above)"
	fi
done
ready || die "lab still incomplete after install"
vers=
for d in "$MG_LAB_CACHE"/debs/exim4-daemon-light_*.deb \
    "$MG_LAB_CACHE"/debs/opensmtpd_*.deb; do
	vers="$vers $(dpkg-deb -f "$d" Package Version 2>/dev/null | tr '\n' ' ')"
done
say "lab ready in $ROOT:$vers"
