#!/usr/bin/env bash
# Scripts/pg in a checkout below a folder that only its owner may enter (root's home, mode
# 700): the cluster must start, answer, stop, take a standby, fail over, rejoin and go away. As root, the postgres user cannot
# cross that folder, so the cluster lives under /tmp behind a link; every path the postgres
# user is given must be the link's target, never a path through it.
set -euo pipefail
SOURCE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

private="$(mktemp -d /tmp/muamala-private.XXXXXX)"
chmod 700 "$private"
checkout="$private/home/checkout"
mkdir -p "$checkout"
cp -R "$SOURCE_ROOT/Scripts" "$checkout/Scripts"

cleanup() {
  cd /
  MUAMALA_PG_DIR="$checkout/.local/pg-b" "$checkout/Scripts/pg" destroy >/dev/null 2>&1 || true
  "$checkout/Scripts/pg" destroy >/dev/null 2>&1 || true
  rm -rf "$private"
}
trap cleanup EXIT

fail() { echo "pg-in-private-folder: $*" >&2; exit 1; }

cd "$checkout"   # as a user does: from inside the private folder
errors="$private/stderr"
url="$("$checkout/Scripts/pg" start 2>"$errors")" || { cat "$errors" >&2; fail "Scripts/pg start failed below a mode-700 folder"; }
psql "$url" -Atqc "SELECT 1" | grep -qx 1 || fail "the cluster does not answer at $url"
"$checkout/Scripts/pg" status >/dev/null || fail "Scripts/pg status says it is not running"
[ "$("$checkout/Scripts/pg" url)" = "$url" ] || fail "Scripts/pg url disagrees with start"
"$checkout/Scripts/pg" restart 2>>"$errors" || fail "Scripts/pg restart failed"
"$checkout/Scripts/pg" stop 2>>"$errors" || fail "Scripts/pg stop failed"
"$checkout/Scripts/pg" start >/dev/null 2>>"$errors" || fail "Scripts/pg start failed after a stop"
# Nothing the postgres user ran may complain about the folder it was started from.
if grep -q "Permission denied" "$errors"; then cat "$errors" >&2; fail "a command complained: Permission denied"; fi
psql "$url" -Atqc "SELECT 1" | grep -qx 1 || fail "the cluster does not answer after a restart"
# A standby there too: made, promoted after its primary is killed, and the old primary
# rejoined as its standby (the replication commands reach each other through the links).
standby=(env MUAMALA_PG_DIR="$checkout/.local/pg-b" "$checkout/Scripts/pg")
"${standby[@]}" standby --of "$checkout/.local/pg" 2>>"$errors" || { cat "$errors" >&2; fail "Scripts/pg standby failed below a mode-700 folder"; }
[ "$("${standby[@]}" role)" = standby ] || fail "the new standby is not a standby"
psql "$url" -Atqc "CREATE TABLE replicated (n int); INSERT INTO replicated VALUES (7)" >/dev/null
"$checkout/Scripts/pg" kill 2>>"$errors" || fail "Scripts/pg kill failed"
"${standby[@]}" promote 2>>"$errors" || fail "Scripts/pg promote failed"
[ "$("${standby[@]}" role)" = primary ] || fail "the promoted standby is not a primary"
"${standby[@]}" psql -Atqc "SELECT n FROM replicated" | grep -qx 7 || fail "the promoted standby lacks a synchronously committed row"
"$checkout/Scripts/pg" rejoin --to "$checkout/.local/pg-b" 2>>"$errors" || { cat "$errors" >&2; fail "Scripts/pg rejoin failed"; }
[ "$("$checkout/Scripts/pg" role)" = standby ] || fail "the rejoined primary is not a standby"
if grep -q "Permission denied" "$errors"; then cat "$errors" >&2; fail "a replication command complained: Permission denied"; fi
"${standby[@]}" destroy || fail "Scripts/pg destroy failed for the standby"
target=""
[ -L "$checkout/.local/pg" ] && target="$(readlink -f "$checkout/.local/pg")"
"$checkout/Scripts/pg" destroy || fail "Scripts/pg destroy failed"
[ ! -e "$checkout/.local/pg" ] || fail "destroy left $checkout/.local/pg"
[ -z "$target" ] || [ ! -e "$target" ] || fail "destroy left the cluster's folder $target"
if [ "$(id -u)" -eq 0 ]; then
  [ -n "$target" ] || fail "as root, the cluster should have moved under /tmp behind a link"
  echo "pg-in-private-folder: ok (root: the cluster lived in $target behind the link)"
else
  # As an ordinary user the folder is the user's own: the link is not needed, and what this
  # test guards (the postgres user crossing a mode-700 folder) is not exercised here. CI runs as root.
  echo "pg-in-private-folder: ok, as $(id -un) (the link path is exercised only as root)"
fi
