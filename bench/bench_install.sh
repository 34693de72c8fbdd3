#!/usr/bin/env bash
# Fresh set-up time and environment size of `make app`-style installs, cold and warm, in one run.
#
#   bench/bench_install.sh REV:SETUP_ARGS [REV:SETUP_ARGS ...]
#   bench/bench_install.sh main: lean:--visual lean:
#
# For each REV (a git revision of this repository) it exports that revision into a temporary folder (no
# .venv, the repo's .tools/uv linked in so uv's own installation is not timed) and runs that revision's
# `scripts/setup.sh SETUP_ARGS` twice:
#   cold: UV_CACHE_DIR pointed at an empty temporary folder, so every wheel is downloaded from PyPI;
#   warm: .venv deleted, the same (now filled) cache kept: the time of a re-install on a machine that has
#         installed once.
# Prints one line per run: revision, arguments, cold seconds, warm seconds, .venv size (MB, `du -sm`).
# Needs the network (PyPI) and, for the cold runs, disk for the cache (about 6 GB for the full install).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/pagelens-bench-install.XXXXXX")
trap 'rm -rf "$work"' EXIT

timed() {  # seconds a command took, to one decimal
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }'
}

printf '%-12s %-10s %8s %8s %9s\n' revision args cold_s warm_s venv_MB
for spec in "$@"; do
  rev=${spec%%:*}
  args=${spec#*:}
  copy="$work/$rev${args//[^a-z]/}"
  mkdir -p "$copy"
  git -C "$repo" archive "$rev" | tar -x -C "$copy"
  ln -s "$(readlink -f "$repo/.tools")" "$copy/.tools"
  export UV_CACHE_DIR="$copy.uv-cache"
  mkdir -p "$UV_CACHE_DIR"
  # shellcheck disable=SC2086  # SETUP_ARGS is a word list on purpose
  cold=$(cd "$copy" && timed scripts/setup.sh $args)
  rm -rf "$copy/.venv"
  # shellcheck disable=SC2086
  warm=$(cd "$copy" && timed scripts/setup.sh $args)
  size=$(du -sm "$copy/.venv" | cut -f1)
  printf '%-12s %-10s %8s %8s %9s\n' "$rev" "${args:--}" "$cold" "$warm" "$size"
  rm -rf "$copy" "$UV_CACHE_DIR"
done
