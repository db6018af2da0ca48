#!/bin/bash
#
# pgcluster.sh: a private PostgreSQL 15 cluster for the quick start and the
# tests, run by an unprivileged user and reachable only through a unix
# socket in DIR/socket (no TCP port is opened).
#
#   tests/pgcluster.sh start DIR    initdb if DIR/data is missing, start,
#                                   create database "quill" if missing, and
#                                   print the conninfo on stdout
#   tests/pgcluster.sh stop DIR     fast shutdown; waits until it is down
#   tests/pgcluster.sh status DIR   says whether it runs; exit 0 if it does
#
# Guarantees: start is idempotent (a running cluster is left alone and its
# conninfo printed again); stdout carries only the conninfo, everything else
# goes to stderr; the server's own log is DIR/postgres.log.
#
# As root, the cluster belongs to $QUILL_PG_USER (default quill), a system
# user created here when missing, and every PostgreSQL program runs as that
# user through runuser.  As anyone else it runs as that user.  The database
# superuser role is "quill" either way (initdb -U quill, trust auth: only
# users who can open the socket directory can connect).
#
# Environment: QUILL_PG_USER (account when run as root, default quill),
# QUILL_PG_BIN (default /usr/lib/postgresql/15/bin).

set -eu

PG_BIN=${QUILL_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_ROLE=quill
PG_PORT=5432
# sockaddr_un.sun_path holds 108 bytes including the terminating NUL.
SOCKET_PATH_MAX=107

prog=${0##*/}

die() {
	echo "$prog: $*" >&2
	exit 1
}

usage() {
	echo "usage: $prog start|stop|status DIR" >&2
	exit 2
}

# Runs a command as the cluster's owner.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$owner" -- "$@"
	else
		"$@"
	fi
}

ensure_owner_account() {
	if [ "$(id -u)" -ne 0 ]; then
		owner=$(id -un)
		return
	fi
	owner=${QUILL_PG_USER:-quill}
	if ! id -u "$owner" >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin "$owner" ||
		    die "could not create the system user $owner"
	fi
}

# Every parent of DIR must be searchable by the owner, or PostgreSQL cannot
# reach its data and socket; name the first one that is not.
check_reachable() {
	local p=$dir
	local parents=()

	while [ "$p" != / ]; do
		p=${p%/*}
		[ -n "$p" ] || p=/
		parents=("$p" "${parents[@]}")
	done
	for p in "${parents[@]}" "$dir"; do
		if ! as_owner test -x "$p"; then
			die "user $owner cannot enter $p ($(stat -c '%A %U:%G' "$p")); choose a DIR under a path every user can search (e.g. /tmp), or: chmod o+x $p"
		fi
	done
	as_owner test -w "$dir" || die "user $owner cannot write to $dir"
}

# Settings for this cluster, rewritten on every start so a moved DIR works.
write_settings() {
	local quoted=${socket_dir//\'/\'\'}

	as_owner tee "$data/quill-cluster.conf" >/dev/null <<EOF
# Written by $prog on every start; local changes are lost.
listen_addresses = ''
port = $PG_PORT
unix_socket_directories = '$quoted'
EOF
}

is_running() {
	[ -f "$data/PG_VERSION" ] && as_owner "$PG_BIN/pg_ctl" status -D "$data" >/dev/null 2>&1
}

cmd_start() {
	mkdir -p "$dir"
	if [ "$(id -u)" -eq 0 ]; then
		chown "$owner:" "$dir"
	fi
	check_reachable

	if ! is_running; then
		if [ ! -f "$data/PG_VERSION" ]; then
			[ ! -e "$data" ] || [ -z "$(ls -A "$data")" ] ||
			    die "$data exists but is not a PostgreSQL data directory"
			as_owner "$PG_BIN/initdb" -D "$data" --auth=trust -U "$PG_ROLE" \
			    --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
			    die "initdb failed; see $dir/initdb.log"
			echo "include_if_exists = 'quill-cluster.conf'" |
			    as_owner tee -a "$data/postgresql.conf" >/dev/null
		fi
		as_owner mkdir -p -m 0700 "$socket_dir"
		write_settings
		as_owner touch "$log"
		as_owner "$PG_BIN/pg_ctl" start -D "$data" -l "$log" -w -t 60 >/dev/null ||
		    die "PostgreSQL did not start; see $log"
	fi

	if [ -z "$(as_owner "$PG_BIN/psql" -X -q -h "$socket_dir" -p $PG_PORT -U "$PG_ROLE" \
	    -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'quill'")" ]; then
		as_owner "$PG_BIN/createdb" -h "$socket_dir" -p $PG_PORT -U "$PG_ROLE" quill ||
		    die "could not create database quill"
	fi
	echo "$conninfo"
}

cmd_stop() {
	if ! is_running; then
		echo "$prog: not running ($dir)" >&2
		return 0
	fi
	as_owner "$PG_BIN/pg_ctl" stop -D "$data" -m fast -w -t 60 >/dev/null ||
	    die "PostgreSQL did not stop; see $log"
}

cmd_status() {
	if is_running; then
		echo "running: $conninfo"
	else
		echo "stopped ($dir)"
		return 3
	fi
}

[ $# -eq 2 ] || usage
action=$1
[ -n "$2" ] || usage
case $2 in
*[[:space:]\'\"\\]*)
	die "DIR must not contain spaces, quotes or backslashes: $2" ;;
esac
[ -x "$PG_BIN/pg_ctl" ] ||
    die "PostgreSQL 15 not found in $PG_BIN (on Debian: apt-get install postgresql-15)"

if [ "$action" != start ] && [ ! -d "$2" ]; then
	echo "$prog: no cluster in $2" >&2
	[ "$action" = stop ] && exit 0
	exit 3
fi
dir=$(realpath -m -- "$2")
socket_dir=$dir/socket
socket_path=$socket_dir/.s.PGSQL.$PG_PORT
if [ ${#socket_path} -gt $SOCKET_PATH_MAX ]; then
	die "the socket path $socket_path is ${#socket_path} bytes; unix sockets allow at most $SOCKET_PATH_MAX: use a shorter DIR"
fi
data=$dir/data
log=$dir/postgres.log
conninfo="host=$socket_dir port=$PG_PORT dbname=quill user=$PG_ROLE"

# The programs run as another user must not start in a directory it cannot read.
cd /
ensure_owner_account

case $action in
start)	cmd_start ;;
stop)	cmd_stop ;;
status)	cmd_status ;;
*)	usage ;;
esac
