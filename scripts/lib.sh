#!/usr/bin/env bash
# Shared by scripts/run and scripts/test: make sure PostgreSQL and RabbitMQ are installed and
# running on this machine, and say clearly what failed if they cannot be.
set -euo pipefail

say()  { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
fail() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"

have() { command -v "$1" >/dev/null 2>&1; }

apt_install() {
  have apt-get || fail "$* missing and apt-get is not available: install $* by hand"
  say "installing $* (apt-get)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; } >/dev/null \
    || fail "could not install $* with apt-get"
}

ensure_cargo() {
  have cargo || fail "cargo is not installed: install the Rust toolchain (https://rustup.rs)"
}

ensure_postgres() {
  if pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; then return; fi
  have pg_ctlcluster || apt_install postgresql
  say "starting PostgreSQL"
  local version
  version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)"
  [ -n "$version" ] || fail "no PostgreSQL cluster found under /etc/postgresql"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
  for _ in $(seq 1 30); do
    pg_isready -q -h "$PGHOST" -p "$PGPORT" && return
    sleep 1
  done
  fail "PostgreSQL is not accepting connections on $PGHOST:$PGPORT"
}

ensure_database() {
  local name="$1"
  psql -d postgres -Atc "select 1 from pg_database where datname = '$name'" | grep -q 1 \
    || { say "creating database $name"; psql -d postgres -qc "create database \"$name\"" >/dev/null; } \
    || fail "could not create database $name (as $PGUSER@$PGHOST:$PGPORT)"
}

rabbit_up() { rabbitmqctl -q status >/dev/null 2>&1; }

ensure_rabbitmq() {
  have rabbitmq-server || apt_install rabbitmq-server
  if ! rabbit_up; then
    say "starting RabbitMQ"
    rabbitmq-server -detached >/dev/null 2>&1 || true
    rabbitmqctl -q await_startup --timeout 60 >/dev/null 2>&1 || true
    rabbit_up || fail "RabbitMQ did not start (see /var/log/rabbitmq)"
  fi
}

ensure_management_ui() {
  if ! rabbitmq-plugins -q list -e 2>/dev/null | grep -q rabbitmq_management; then
    say "enabling the RabbitMQ management UI (http://127.0.0.1:15672, guest/guest)"
    rabbitmq-plugins -q enable rabbitmq_management >/dev/null || fail "could not enable rabbitmq_management"
  fi
}

# Tunables live in policies (re-declaring a queue with other arguments fails): a delivery
# limit on the records queue that only guards against crash loops, and the retention of dead
# letters, which hold personal data (BILLING_RETAIN_DEAD_DAYS, default 14).
apply_policies() {
  local prefix="${BILLING_AMQP_PREFIX:-}"
  local escaped="${prefix//./\\.}"
  local dead_ms=$(( ${BILLING_RETAIN_DEAD_DAYS:-14} * 86400000 ))
  rabbitmqctl -q set_policy --apply-to queues "${prefix}billing-records" "^${escaped}billing\\.records\$" \
    '{"delivery-limit": 50}' >/dev/null || fail "could not set the RabbitMQ policy billing-records"
  rabbitmqctl -q set_policy --apply-to queues "${prefix}billing-dead" "^${escaped}billing\\.records\\.dead\$" \
    "{\"message-ttl\": $dead_ms}" >/dev/null || fail "could not set the RabbitMQ policy billing-dead"
}
