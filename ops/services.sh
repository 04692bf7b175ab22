#!/usr/bin/env bash
# PostgreSQL, Redis and nginx for the scaled set-up (several Rasa servers), from Debian's packages:
# private instances on 127.0.0.1 whose files are all under $SERVICES_DIR (default state/services in
# the repository, git-ignored). No system service or file under /etc is touched.
#
#   ops/services.sh install                            apt-get install what is missing (root)
#   ops/services.sh start|stop postgres|redis|nginx|all
#   ops/services.sh status
#   eval "$(ops/services.sh print-env)"                TRACKER_STORE_URL, LOCK_STORE_TYPE, LOCK_STORE_URL
#
# Ports: PG_PORT (25432), REDIS_PORT (26379), NGINX_PORT (28080), away from the system services'
# and below Linux's ephemeral range (32768-60999), where an outgoing connection in TIME_WAIT using
# the port as its source would make a start fail ("Address already in use").
# nginx sends to RASA_UPSTREAMS: space-separated host:port (default 127.0.0.1:5005).
# Starting what runs and stopping what is stopped do nothing (a running nginx whose configuration
# changed is reloaded). PostgreSQL keeps its data across stop and start; Redis keeps none: it only
# holds conversation locks, which expire within a minute anyway.
set -euo pipefail
umask 022  # folders others may cross (postgres, nginx's workers); private files are made private

REPO="$(cd "$(dirname "$0")/.." && pwd)"
SERVICES_DIR="$(realpath -m "${SERVICES_DIR:-$REPO/state/services}")"
PG_PORT="${PG_PORT:-25432}"
REDIS_PORT="${REDIS_PORT:-26379}"
NGINX_PORT="${NGINX_PORT:-28080}"
RASA_UPSTREAMS="${RASA_UPSTREAMS:-127.0.0.1:5005}"
PACKAGES=(postgresql redis-server nginx)
# 3 Rasa servers x SQL_POOL_SIZE=5 (set SQL_MAX_OVERFLOW low too: Rasa's default is 100 per
# server), plus the retention job, psql and the health checks, well within this.
PG_MAX_CONNECTIONS=50
REDIS_DIR="$SERVICES_DIR/redis"
NGINX_DIR="$SERVICES_DIR/nginx"
NGINX_TEMPLATE="$REPO/ops/nginx.conf.template"
# Generated once, kept here (mode 600). Not a fixed password: the port is on loopback, but every
# local user and process can reach it, and a password in the repository would be everyone's.
PG_PASSWORD_FILE="$SERVICES_DIR/postgres.password"

say() { echo "services.sh: $*"; }
die() { echo "services.sh: $*" >&2; exit 1; }

for port in "$PG_PORT" "$REDIS_PORT" "$NGINX_PORT"; do
  [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "not a port: '$port'"
done

is_root() { [ "$(id -u)" -eq 0 ]; }

# True when the pid file names a live process called $2 (not a recycled pid).
alive() {
  local pid
  pid="$(cat "$1" 2>/dev/null || true)"  # the file goes as the process ends
  [ -n "$pid" ] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "$2" ]
}

# Waits up to $1 seconds for the command to succeed.
wait_for() {
  local seconds="$1" waited=0
  shift
  until "$@"; do
    [ "$waited" -lt $((seconds * 10)) ] || return 1
    sleep 0.1
    waited=$((waited + 1))
  done
}

install_packages() {
  local missing=() package
  for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "installed already: ${PACKAGES[*]}"
    return
  fi
  command -v apt-get >/dev/null || die "no apt-get: install ${missing[*]} (Debian's package names) by other means"
  is_root || die "installing ${missing[*]} needs root: run sudo $0 install"
  say "installing: ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  say "installed: ${missing[*]} (if the packages started system services, they use the standard ports, not these)"
}

# --- PostgreSQL ---------------------------------------------------------------------------------

# PostgreSQL refuses to run as root: as root, its commands run as the postgres user. From /, which
# that user can always reach (initdb fails in a working folder it cannot read).
as_postgres() {
  if is_root; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

# The cluster's folder: in the state folder, unless (as root) the postgres user cannot reach it,
# for a repository under /root say. Then under /var/tmp (kept across reboots, unlike a tmpfs /tmp),
# named after the state folder, so that every run finds the same cluster.
pg_dir() {
  local folder="$SERVICES_DIR"
  while [ ! -e "$folder" ]; do folder="$(dirname "$folder")"; done  # what mkdir -p adds is 755 (umask)
  if ! is_root || ! id postgres >/dev/null 2>&1 || as_postgres test -x "$folder"; then
    echo "$SERVICES_DIR/postgres"
  else
    echo "/var/tmp/triage-services-$(printf '%s' "$SERVICES_DIR" | md5sum | cut -c1-12)/postgres"
  fi
}

# The binaries of the cluster's version once it exists, else of the newest version installed.
pg_bin() {
  local data="$1" bin
  if [ -s "$data/PG_VERSION" ] && [ -x "/usr/lib/postgresql/$(cat "$data/PG_VERSION")/bin/pg_ctl" ]; then
    echo "/usr/lib/postgresql/$(cat "$data/PG_VERSION")/bin"
    return
  fi
  bin="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$bin" ] && [ -x "$bin/initdb" ] || die "PostgreSQL is not installed: run make services (or $0 install)"
  echo "$bin"
}

pg_running() {
  local bin="$1" data="$2"
  [ -d "$data" ] && as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

pg_password() {
  if [ ! -s "$PG_PASSWORD_FILE" ]; then
    (umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$PG_PASSWORD_FILE")
  fi
  cat "$PG_PASSWORD_FILE"
}

start_postgres() {
  local dir data bin password
  mkdir -p "$SERVICES_DIR"
  dir="$(pg_dir)"
  data="$dir/data"
  bin="$(pg_bin "$data")"
  if pg_running "$bin" "$data"; then
    say "postgres: running already on 127.0.0.1:$PG_PORT ($data)"
    return
  fi
  # Unix socket paths are limited to 107 bytes.
  [ ${#dir} -le 90 ] || die "postgres: the folder $dir is too long for its socket: set SERVICES_DIR to a shorter path"
  mkdir -p "$dir"
  chmod 700 "$dir"
  if is_root; then
    id postgres >/dev/null 2>&1 || die "no postgres user: run $0 install"
    chown postgres:postgres "$dir"
  fi
  if [ ! -s "$data/PG_VERSION" ]; then
    say "postgres: creating a cluster in $data"
    as_postgres "$bin/initdb" -D "$data" --auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8 --no-locale \
      >"$dir/initdb.log" 2>&1 || die "postgres: initdb failed: see $dir/initdb.log"
    echo "include = 'triage.conf'" | as_postgres tee -a "$data/postgresql.conf" >/dev/null
  fi
  # Rewritten on every start, so that the ports and folders follow the environment.
  as_postgres tee "$data/triage.conf" >/dev/null <<CONF
# Written by ops/services.sh at every start: edit the script, not this file.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$dir'
max_connections = $PG_MAX_CONNECTIONS
password_encryption = 'scram-sha-256'
CONF
  password="$(pg_password)"
  as_postgres "$bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 start >/dev/null \
    || die "postgres did not start: see $dir/postgres.log"
  wait_for 30 "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" \
    || die "postgres does not accept connections on 127.0.0.1:$PG_PORT: see $dir/postgres.log"
  # The superuser (the user that ran initdb) logs in over the socket by peer authentication; the
  # password comes on stdin, never on a command line.
  as_postgres "$bin/psql" -h "$dir" -p "$PG_PORT" -d postgres -v ON_ERROR_STOP=1 -q -X >/dev/null <<SQL \
    || die "postgres: could not create the triage role and database"
SELECT 'CREATE ROLE triage LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'triage')\gexec
ALTER ROLE triage WITH LOGIN PASSWORD '$password';
SELECT 'CREATE DATABASE triage OWNER triage' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'triage')\gexec
SQL
  say "postgres: running on 127.0.0.1:$PG_PORT, database triage ($data)"
}

stop_postgres() {
  local dir data bin
  dir="$(pg_dir)"
  data="$dir/data"
  if [ -s "$data/PG_VERSION" ]; then bin="$(pg_bin "$data")"; fi
  if [ -z "${bin:-}" ] || ! pg_running "$bin" "$data"; then
    say "postgres: not running"
    return
  fi
  as_postgres "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null || die "postgres did not stop: see $dir/postgres.log"
  say "postgres: stopped (the data stays in $data)"
}

# --- Redis --------------------------------------------------------------------------------------

redis_running() { alive "$REDIS_DIR/redis.pid" redis-server; }

redis_answers() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true)" = PONG ]; }

start_redis() {
  command -v redis-server >/dev/null || die "redis-server is not installed: run make services (or $0 install)"
  if redis_running; then
    say "redis: running already on 127.0.0.1:$REDIS_PORT"
    return
  fi
  mkdir -p "$REDIS_DIR"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
    --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" --dir "$REDIS_DIR" \
    || die "redis did not start: see $REDIS_DIR/redis.log"
  # Both: a PONG from some other server on the port must not count as ours.
  wait_for 10 redis_answers && wait_for 2 redis_running \
    || die "redis does not answer on 127.0.0.1:$REDIS_PORT (port in use?): see $REDIS_DIR/redis.log"
  say "redis: running on 127.0.0.1:$REDIS_PORT"
}

stop_redis() {
  if ! redis_running; then
    say "redis: not running"
    return
  fi
  # By pid, not `redis-cli shutdown`: never another Redis on the port. SIGTERM, no save.
  kill -TERM "$(cat "$REDIS_DIR/redis.pid")"
  wait_for 10 eval '! redis_running' || die "redis did not stop within 10 s"
  say "redis: stopped"
}

# --- nginx --------------------------------------------------------------------------------------

nginx_running() { alive "$NGINX_DIR/nginx.pid" nginx; }

# Every nginx command with the generated configuration, its folder and its own error log (nginx
# would otherwise open /var/log/nginx/error.log before reading the configuration).
run_nginx() { nginx -p "$NGINX_DIR/" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log" "$@"; }

render_nginx_conf() {
  local servers="" upstream upstreams template
  [ -r "$NGINX_TEMPLATE" ] || die "no $NGINX_TEMPLATE"
  read -ra upstreams <<<"$RASA_UPSTREAMS"
  for upstream in "${upstreams[@]}"; do
    [[ "$upstream" =~ ^[A-Za-z0-9.-]+:[0-9]+$ ]] || die "RASA_UPSTREAMS: '$upstream' is not host:port"
    # Passive checks only (nginx OSS): after 2 failures a server is left alone for 10 s.
    servers+="server $upstream max_fails=2 fail_timeout=10s;"$'\n        '
  done
  [ -n "$servers" ] || die "RASA_UPSTREAMS is empty: give the Rasa servers as host:port, space-separated"
  template="$(<"$NGINX_TEMPLATE")"
  template="${template//@STATE@/"$NGINX_DIR"}"
  template="${template//@PORT@/"$NGINX_PORT"}"
  template="${template//@SERVERS@/"${servers%$'\n        '}"}"
  printf '%s\n' "$template" >"$1"
}

nginx_workers() {
  grep -ls "^PPid:[[:space:]]*$(cat "$NGINX_DIR/nginx.pid")\$" /proc/[0-9]*/status 2>/dev/null | cut -d/ -f3 || true
}

# True when none of these workers takes new connections: gone, or closing (their title says so).
workers_retired() {
  local pid title
  for pid in "$@"; do
    title="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" || true)"
    case "$title" in
      *"shutting down"*) ;;
      *"worker process"*) return 1 ;;
    esac
  done
}

# A reload is only a signal: until the old workers stop taking connections, requests still go to
# the old upstreams. Waits for that, so the caller can send traffic at once.
reload_nginx() {
  local old_workers
  read -ra old_workers <<<"$(nginx_workers | tr '\n' ' ')"
  run_nginx -s reload
  wait_for 10 workers_retired "${old_workers[@]}" || die "nginx: the old workers still take requests after 10 s"
}

start_nginx() {
  command -v nginx >/dev/null || die "nginx is not installed: run make services (or $0 install)"
  # The error log quotes request lines, query strings (Rasa's token) included: owner only.
  mkdir -p "$NGINX_DIR/temp"
  chmod 700 "$NGINX_DIR"
  render_nginx_conf "$NGINX_DIR/nginx.conf.new"
  if nginx_running && cmp -s "$NGINX_DIR/nginx.conf.new" "$NGINX_DIR/nginx.conf"; then
    rm "$NGINX_DIR/nginx.conf.new"
    say "nginx: running already on 127.0.0.1:$NGINX_PORT -> $RASA_UPSTREAMS"
    return
  fi
  # Tested before it replaces the configuration a running nginx uses.
  if ! nginx -p "$NGINX_DIR/" -c "$NGINX_DIR/nginx.conf.new" -e "$NGINX_DIR/error.log" -t -q; then
    die "nginx: the generated configuration $NGINX_DIR/nginx.conf.new is invalid (see above)"
  fi
  mv "$NGINX_DIR/nginx.conf.new" "$NGINX_DIR/nginx.conf"
  if nginx_running; then
    reload_nginx
    say "nginx: reloaded: 127.0.0.1:$NGINX_PORT -> $RASA_UPSTREAMS"
    return
  fi
  run_nginx || die "nginx did not start: see $NGINX_DIR/error.log"
  wait_for 5 nginx_running || die "nginx did not start: see $NGINX_DIR/error.log"
  say "nginx: running on 127.0.0.1:$NGINX_PORT -> $RASA_UPSTREAMS"
}

stop_nginx() {
  if ! nginx_running; then
    say "nginx: not running"
    return
  fi
  # Graceful: open requests finish (websockets are cut after worker_shutdown_timeout).
  run_nginx -s quit
  wait_for 15 eval '! nginx_running' || die "nginx did not stop within 15 s"
  say "nginx: stopped"
}

# --- commands -----------------------------------------------------------------------------------

status() {
  local dir data state
  dir="$(pg_dir)"
  data="$dir/data"
  state=stopped
  if [ -s "$data/PG_VERSION" ] && pg_running "$(pg_bin "$data")" "$data"; then state=running; fi
  printf '%-9s %-8s 127.0.0.1:%-6s %s\n' postgres "$state" "$PG_PORT" "$data"
  state=stopped
  if redis_running; then state=running; fi
  printf '%-9s %-8s 127.0.0.1:%-6s %s\n' redis "$state" "$REDIS_PORT" "$REDIS_DIR"
  state=stopped
  if nginx_running; then state=running; fi
  printf '%-9s %-8s 127.0.0.1:%-6s %s\n' nginx "$state" "$NGINX_PORT" "$NGINX_DIR (-> $RASA_UPSTREAMS)"
}

print_env() {
  [ -r "$PG_PASSWORD_FILE" ] || die "no database password yet ($PG_PASSWORD_FILE): run $0 start postgres first"
  # Single quotes: the URL's ? and & must reach the variable as they are. The password is hex.
  echo "export TRACKER_STORE_URL='postgresql://triage:$(cat "$PG_PASSWORD_FILE")@127.0.0.1:$PG_PORT/triage?connect_timeout=3'"
  echo "export LOCK_STORE_TYPE='bot.server.stores.lock_store.AtomicRedisLockStore'"
  echo "export LOCK_STORE_URL='redis://127.0.0.1:$REDIS_PORT/1'"
}

usage() {
  die "usage: $0 install | start|stop postgres|redis|nginx|all | status | print-env"
}

[ $# -le 2 ] || usage
# Not `a && b`: bash ignores `set -e` inside functions called that way.
case "${1:-} ${2:-}" in
  "install ") install_packages ;;
  "start postgres" | "start redis" | "start nginx" | "stop postgres" | "stop redis" | "stop nginx") "${1}_${2}" ;;
  "start all") start_postgres; start_redis; start_nginx ;;
  "stop all") stop_nginx; stop_redis; stop_postgres ;;
  "status ") status ;;
  "print-env ") print_env ;;
  *) usage ;;
esac
