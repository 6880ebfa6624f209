# Shared helpers for the scripts in this folder. Sourced, not run.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# PostgreSQL's server programs are not on every PATH; pg_config knows where they are.
pg_bindir() {
  if command -v pg_config >/dev/null 2>&1; then
    pg_config --bindir
  elif [ -d /usr/lib/postgresql ]; then
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
  else
    return 1
  fi
}

# Where swift build puts binaries (debug unless MUAMALA_BUILD_CONFIGURATION says otherwise).
bin_dir() {
  local configuration="${MUAMALA_BUILD_CONFIGURATION:-debug}"
  (cd "$ROOT" && swift build -c "$configuration" --show-bin-path)
}

# swift build with the given arguments, minus one line of noise from a dependency
# (swift-distributed-tracing warns about an unhandled file). Returns the build's status.
swift_build() {
  local status
  set +o pipefail
  (cd "$ROOT" && swift build "$@" 2>&1) | grep -v "unhandled; explicitly declare them" >&2
  status=${PIPESTATUS[0]}
  set -o pipefail
  return "$status"
}
