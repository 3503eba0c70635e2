#!/usr/bin/env bash
# Writes BENCHMARKS.md to stdout from one `make bench` run: the machine, then each benchmark with
# what it compares (the `//!` lines atop its source) and what it printed, Berth and its peer or
# baseline side by side. Usage: bench-report.sh OUT_DIR NAME… (OUT_DIR holds NAME.txt,
# NAME.status and NAME.source for each benchmark, as scripts/bench.sh leaves them).
set -uo pipefail
cd "$(dirname "$0")/.."
out=$1
shift

# The benchmark's source file and what it compares, from the `//!` lines atop it.
source_of() { cat "$out/$1.source"; }
about() { sed -n 's|^//! \{0,1\}||p' "$(source_of "$1")" | tr '\n' ' ' | sed 's/  */ /g;s/ $//'; }

# A benchmark's lines that say a target was missed, joined.
misses_of() {
  grep -E 'MISSED|NOT met|MISSES' "$out/$1.txt" 2>/dev/null | sed 's/^ *//;s/|/\\|/g' | head -3 | paste -sd';' | sed 's/;/; /g'
}

result_of() {
  local rc misses
  rc=$(cat "$out/$1.status" 2>/dev/null || echo "not run")
  misses=$(misses_of "$1")
  if [ "$rc" = "not run" ]; then echo "not run"
  elif [ -n "$misses" ]; then echo "ran; **a target missed**: $misses"
  elif [ "$rc" = 0 ]; then echo "ran; targets met"
  else echo "**failed** (exit $rc)"
  fi
}

# What the benchmark printed, without the test harness's lines about the unit tests it skipped.
printed() {
  grep -vE '^(running [0-9]+ tests?|test .* \.\.\. ignored|test result: .*)$' "$out/$1.txt" | cat -s | sed '/./,$!d'
}

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
os=$(. /etc/os-release && echo "$PRETTY_NAME")
docker_version=$(docker version --format '{{.Server.Version}}' 2>/dev/null || echo "not running")

cat <<HEAD
# Benchmarks

Written by \`make bench\` (\`scripts/bench.sh\`); do not edit by hand. Each benchmark runs Berth
and its peer or baseline side by side in the same run, on the same machine, and prints its
inputs and figures; they are copied here as printed.

## Machine

| | |
|---|---|
| Run | $(date -u '+%Y-%m-%d %H:%M UTC') at commit \`$(git rev-parse --short HEAD 2>/dev/null || echo unknown)\` |
| CPU | $cpu, $(nproc) cores |
| Memory | $mem |
| OS | $os, Linux $(uname -r) |
| Docker engine | $docker_version |
| Rust | $(rustc --version 2>/dev/null) |

## Summary

| Benchmark | Compares | Result |
|---|---|---|
HEAD
for name in "$@"; do
  compares=$(about "$name" | cut -d. -f1)
  echo "| [\`$name\`](#$name) | ${compares//|/\\|} | $(result_of "$name") |"
done

for name in "$@"; do
  echo
  echo "## $name"
  echo
  echo "\`$(source_of "$name")\`: $(about "$name")"
  echo
  echo '```text'
  [ -s "$out/$name.txt" ] && printed "$name" || echo "(no output)"
  echo '```'
done
