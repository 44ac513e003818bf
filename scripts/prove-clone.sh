#!/usr/bin/env bash
# Proves the harness works from a clone the postgres user cannot reach: clones this repository
# into a fresh 0700 folder under $HOME (root's home is 0700 too), then runs the README's commands
# there: `npm ci`, `npm test`, and a demo `npm start` that must answer /health/ready and stop on
# SIGTERM without leaving a PostgreSQL behind.
set -euo pipefail
source_repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
parent=$(mktemp -d "${HOME:-/root}/baocao-clone-XXXXXX")
chmod 700 "$parent"
cleanup() {
  local target
  target=$(readlink "$parent/repo/.data/postgres" 2>/dev/null || true)
  rm -rf "$parent"
  if [ -n "$target" ] && [[ "$target" == /var/lib/baocao-gateway/clusters/* ]]; then rm -rf "$target"; fi
}
trap cleanup EXIT
echo "cloning into $parent/repo (mode $(stat -c %a "$parent"))"
git clone -q "$source_repo" "$parent/repo"
cd "$parent/repo"
npm ci --no-audit --no-fund
npm test

echo "demo start from the clone"
PORT=0 LOG_FORMAT=json npm start > start.log 2>&1 &
npm_pid=$!
url=""
for _ in $(seq 1 120); do
  url=$(grep -o '"url":"http://[^"]*"' start.log | head -1 | cut -d'"' -f4 || true)
  [ -n "$url" ] && break
  sleep 1
done
[ -n "$url" ] || { cat start.log; echo "the gateway did not start"; exit 1; }
curl -fsS "$url/health/ready" && echo
postgres_pid=$(head -1 .data/postgres/cluster/postmaster.pid)
# SIGTERM to `npm start` itself, as a process manager would send it: npm passes it on.
kill -TERM "$npm_pid"
wait "$npm_pid" || true
for _ in $(seq 1 50); do kill -0 "$postgres_pid" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$postgres_pid" 2>/dev/null; then echo "PostgreSQL $postgres_pid is still running"; exit 1; fi
echo "clone case proven: tests passed, demo started and stopped cleanly from $parent/repo"
