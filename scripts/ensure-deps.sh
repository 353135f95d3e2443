#!/usr/bin/env bash
# Makes sure what `make run` / `make test` / `make bench` need is installed:
# the PostgreSQL server binaries (always), Chromium (with --browser) and the
# wrk load generator (with --bench).
# On Debian as root it installs what is missing; elsewhere it names the
# package to install in one line and fails.
set -euo pipefail

need_browser=0
need_bench=0
for arg in "$@"; do
  case "$arg" in
    --browser) need_browser=1 ;;
    --bench) need_bench=1 ;;
    *) echo "ensure-deps: unknown option $arg" >&2; exit 2 ;;
  esac
done

apt_updated=0
apt_install() {
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    return 1
  fi
  if [ "$apt_updated" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

have_postgres() {
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir=$(pg_config --bindir 2>/dev/null || true)
    [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ] && return 0
  fi
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ] && return 0
  done
  command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1
}

if ! have_postgres; then
  echo "PostgreSQL server binaries not found; installing the postgresql package…"
  if ! apt_install postgresql postgresql-contrib || ! have_postgres; then
    echo "Rumbo needs the PostgreSQL server (15 or newer): install the 'postgresql' package (Debian/Ubuntu: sudo apt-get install postgresql)" >&2
    exit 1
  fi
fi

if [ "$need_browser" -eq 1 ] && ! command -v chromium >/dev/null 2>&1; then
  echo "Chromium not found; installing it for the browser tests…"
  if ! apt_install chromium || ! command -v chromium >/dev/null 2>&1; then
    echo "The browser tests need Chromium: install the 'chromium' package (Debian/Ubuntu: sudo apt-get install chromium)" >&2
    exit 1
  fi
fi

if [ "$need_bench" -eq 1 ] && ! command -v wrk >/dev/null 2>&1; then
  echo "wrk not found; installing it for the benchmarks…"
  if ! apt_install wrk || ! command -v wrk >/dev/null 2>&1; then
    echo "make bench needs the wrk load generator: install the 'wrk' package (Debian/Ubuntu: sudo apt-get install wrk)" >&2
    exit 1
  fi
fi
