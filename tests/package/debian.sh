#!/bin/bash
#
# tests/package/debian.sh: the Debian package, end to end, on this machine.
# Run by hand, as root, on a Debian 12 machine that may be changed: it
# installs the package system-wide and purges it at the end.  Not part of
# `rc/quickstart check`, which must leave the machine as it found it.
#
#  1. builds the .debs from a copy of this checkout (dpkg-buildpackage
#     -us -uc -b) and prints what lintian says of them;
#  2. installs them with apt (dpkg, and the dependencies), and checks the
#     quill account, the directories' owners and modes, and that nothing
#     was started;
#  3. against a private PostgreSQL: writes /etc/quill.conf, migrates with
#     the installed quillctl, starts every daemon with its init script,
#     shows quillctl status, registers and logs in through the gateway,
#     reloads each daemon (new workers), and stops them;
#  4. purges the package.
#
# Prints "ok"/"not ok" lines and ends with "N passed, N failed"; exits 1
# when anything failed.
set -u
# the SysV scripts themselves, even where systemd would take the action
export SYSTEMCTL_SKIP_REDIRECT=1
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/quill-deb.XXXXXX)
chmod 755 "$work"
passed=0 failed=0

ok() { passed=$((passed + 1)); echo "ok - $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
is() { if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3 (got '$1', want '$2')"; fi; }
finish() {
	for d in quill-gatewayd quill-ocr-worker quill-ocrd quill-chatd quill-authd; do
		[ -x /etc/init.d/$d ] && /etc/init.d/$d stop >/dev/null 2>&1
	done
	"$src/tests/pgcluster.sh" stop "$work/pg" >/dev/null 2>&1
	echo "$passed passed, $failed failed"
	rm -rf "$work"
	[ "$failed" = 0 ]
	exit
}
[ "$(id -u)" = 0 ] || { echo "run as root: it installs the package" >&2; exit 64; }
if dpkg-query -W -f='${Status}' quill 2>/dev/null | grep -q installed; then
	echo "the quill package is installed already; purge it first" >&2
	exit 64
fi
need=()
for p in debhelper dpkg-dev lintian; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null ||
		{ echo "cannot install ${need[*]}" >&2; exit 1; }
fi

# --- 1. build ---
tree=$work/quill-$(sed -n '1s/^quill (\([^)]*\)).*/\1/p' "$src/debian/changelog")
mkdir -p "$tree"
(cd "$src" && git ls-files -co --exclude-standard | tar -cf - -T -) | tar -xf - -C "$tree"
(cd "$tree" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1
check "dpkg-buildpackage -us -uc -b builds the .debs" test -f "$work"/quill_*_amd64.deb
[ "$failed" = 0 ] || { tail -n 30 "$work/build.log"; finish; }
echo "# lintian:"
lintian -I --show-overrides "$work"/quill_*.changes 2>&1 | grep -v 'running with root privileges' >"$work/lintian.out"
sed 's/^/#   /' "$work/lintian.out"
is "$(grep -c '^E:' "$work/lintian.out")" 0 "lintian reports no error"
is "$(grep -c '^W:' "$work/lintian.out")" 0 "  and no warning"

# --- 2. install ---
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$work"/quill_*_amd64.deb >"$work/install.log" 2>&1
check "apt installs the package" sh -c "dpkg-query -W -f='\${Status}' quill | grep -q 'install ok installed'"
check "the quill account exists" sh -c "getent passwd quill >/dev/null"
while read -r mode path; do
	is "$(stat -c '%a %U' "$path" 2>/dev/null)" "$mode quill" "$path: mode $mode, owner quill"
done <<DIRS
750 /var/spool/quill
750 /var/spool/quill/new
2770 /var/spool/quill/incoming
750 /var/lib/quill
700 /var/lib/quill/keys
750 /var/log/quill
DIRS
is "$(pgrep -c -f '^/usr/sbin/quill-')" 0 "nothing was started"
check "the configuration is a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' quill | grep -q /etc/quill.conf"

# --- 3. run ---
"$src/tests/pgcluster.sh" start "$work/pg" >/dev/null 2>"$work/pg.err"
check "a private PostgreSQL runs" sh -c "\"$src/tests/pgcluster.sh\" status \"$work/pg\" >/dev/null"
host=$work/pg/socket
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 20000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}
g=$(free_port) a=$(free_port) c=$(free_port) o=$(free_port)
cp /etc/quill.conf "$work/quill.conf.shipped"
cat >/etc/quill.conf <<CONF
[log]
target = file
[database]
admin = "host=$host dbname=quill user=quill"
[auth]
listen = 127.0.0.1:$a
url = http://127.0.0.1:$a
workers = 2
database = "host=$host dbname=quill user=quill_auth"
[chat]
listen = 127.0.0.1:$c
workers = 2
database = "host=$host dbname=quill user=quill_chat"
[ocr]
listen = 127.0.0.1:$o
workers = 2
database = "host=$host dbname=quill user=quill_ocr"
[ocr_worker]
workers = 1
database = "host=$host dbname=quill user=quill_ocr"
[gateway]
listen = 127.0.0.1:$g
workers = 2
[route.login]
prefix = /api/auth/login /api/auth/register
upstreams = 127.0.0.1:$a
auth = public
[route.auth]
prefix = /api/auth
upstreams = 127.0.0.1:$a
[route.ocr]
prefix = /api/ocr
upstreams = 127.0.0.1:$o
CONF
check "quillctl migrate" sh -c "quillctl migrate >'$work/migrate.log' 2>&1"
daemons=(quill-authd quill-chatd quill-ocrd quill-ocr-worker quill-gatewayd)
for d in "${daemons[@]}"; do
	echo "# /etc/init.d/$d start: $(/etc/init.d/$d start 2>&1)"
	/etc/init.d/$d status >/dev/null
	is "$?" 0 "$d: the init script starts it and status says it runs"
done
for _ in $(seq 50); do quillctl status >"$work/status" 2>&1 && break; sleep 0.2; done
quillctl status >"$work/status" 2>&1
is "$?" 0 "quillctl status: every daemon runs and is ready"
sed 's/^/#   /' "$work/status"
is "$(stat -c %U /var/log/quill/quill-authd.log)" quill "the log files belong to quill"

email=deb.$$@example.org
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	-d "{\"email\":\"$email\",\"password\":\"garnet-lattice-8812\"}" "http://127.0.0.1:$g/api/auth/register")
is "$code" 201 "register through the gateway"
code=$(curl -s -o "$work/login" -w '%{http_code}' -H 'Content-Type: application/json' \
	-d "{\"email\":\"$email\",\"password\":\"garnet-lattice-8812\"}" "http://127.0.0.1:$g/api/auth/login")
is "$code" 200 "log in through the gateway"

for d in "${daemons[@]}"; do
	m=$(cat "/run/quill/$d.pid")
	before=$(pgrep -P "$m" | sort -n | paste -sd,)
	echo "# /etc/init.d/$d reload: $(/etc/init.d/$d reload 2>&1)"
	for _ in $(seq 100); do
		now=$(pgrep -P "$m" | sort -n | paste -sd,)
		old_gone=yes
		for p in ${before//,/ }; do
			kill -0 "$p" 2>/dev/null && old_gone=no
		done
		[ -n "$now" ] && [ "$old_gone" = yes ] && break
		sleep 0.1
	done
	check "$d: reload replaces its workers" test -n "$now" -a "$old_gone" = yes
done
for d in quill-gatewayd quill-ocr-worker quill-ocrd quill-chatd quill-authd; do
	echo "# /etc/init.d/$d stop: $(/etc/init.d/$d stop 2>&1)"
	/etc/init.d/$d status >/dev/null
	is "$?" 3 "$d: stopped, status 3"
done

# --- 4. purge ---
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q quill >"$work/purge.log" 2>&1
check "the package is purged" sh -c "! dpkg-query -W -f='\${Status}' quill 2>/dev/null | grep -q installed"
check "  with its configuration and logs" sh -c "[ ! -e /etc/quill.conf ] && [ ! -e /var/log/quill ]"
check "  and its programs" test ! -e /usr/sbin/quill-authd
finish
