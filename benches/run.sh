#!/usr/bin/env bash
# benches/run.sh - run the load/why benchmark, then compare `audit why` with `go mod why` on
# the real fixture module, and time the `audit` binary end to end on the synthetic streams.
#
# Usage: benches/run.sh [--skip-bench] [--runs N] [--no-hyperfine]
#   --skip-bench    do not run `cargo bench` (only the command-line comparisons)
#   --runs N        runs per command for the comparisons (default 5; the median is reported)
#   --no-hyperfine  time with the bash loop even when hyperfine is installed
#
# Uses hyperfine when it is installed (apt-get install -y hyperfine), else a bash loop timed
# with `date +%s%N`. Either way the number reported is the median wall time of N runs after
# one warm-up run (so the Go module and build caches are warm).
# Needs: cargo; go (for the fixture comparison; skipped without it).

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

skip_bench=0
runs=5
use_hyperfine=0
if command -v hyperfine >/dev/null; then use_hyperfine=1; fi
while [[ $# -gt 0 ]]; do
	case $1 in
	--skip-bench) skip_bench=1 ;;
	--runs)
		runs=$2
		shift
		;;
	--no-hyperfine) use_hyperfine=0 ;;
	*)
		echo "usage: benches/run.sh [--skip-bench] [--runs N] [--no-hyperfine]" >&2
		exit 2
		;;
	esac
	shift
done

fixture=fixtures/go/myagent
streams=target/bench-streams
audit=target/release/audit
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "# linkaudit benchmarks"
echo
echo "machine: $(nproc) logical CPU(s), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //' || uname -m)," \
	"$(awk '/MemTotal/ {printf "%.0f GB RAM", $2 / 1048576}' /proc/meminfo 2>/dev/null || true)"
echo "rustc: $(rustc --version)"
if command -v go >/dev/null; then echo "go: $(go version)"; fi
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src 2>/dev/null || echo ' (src/ has uncommitted changes)')"
echo

# ---------------------------------------------------------------------------------------------
# 1. The library benchmark (synthetic streams of 1,000 / 10,000 / 100,000 packages)
# ---------------------------------------------------------------------------------------------
if [[ $skip_bench == 0 ]]; then
	echo "## cargo bench --bench load_and_why"
	LINKAUDIT_BENCH_DUMP="$root/$streams" cargo bench --bench load_and_why 2>"$tmp/bench.stderr" || {
		cat "$tmp/bench.stderr" >&2
		exit 1
	}
	echo
fi

if ! cargo build --release --bin audit --quiet 2>"$tmp/build.stderr"; then
	if [[ -x $audit ]]; then
		echo "warning: \`cargo build --release --bin audit\` failed; timing the existing $audit (built $(date -r "$audit" '+%F %T'))"
		echo
	else
		cat "$tmp/build.stderr" >&2
		exit 1
	fi
fi

# ---------------------------------------------------------------------------------------------
# Timing helpers: median wall time in ms of "$@" over $runs runs, after one warm-up run.
# ---------------------------------------------------------------------------------------------
median_ms() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f\n", m }'
}

# time_cmd NAME CMD... : prints "NAME<TAB>median_ms"
time_cmd() {
	local name=$1
	shift
	if [[ $use_hyperfine == 1 ]]; then
		# hyperfine runs through no shell (-N) so no shell start-up is counted.
		local cmd
		cmd=$(printf '%q ' "$@")
		hyperfine -N --style none --warmup 1 --runs "$runs" --export-json "$tmp/h.json" \
			--output null "$cmd" >/dev/null 2>"$tmp/h.err" || {
			cat "$tmp/h.err" >&2
			return 1
		}
		local median
		median=$(grep -o '"median": *[0-9.e+-]*' "$tmp/h.json" | head -1 | awk '{ printf "%.1f", $2 * 1000 }')
		printf '%s\t%s\n' "$name" "$median"
	else
		"$@" >/dev/null 2>&1 || true
		local i start end
		for ((i = 0; i < runs; i++)); do
			start=$(date +%s%N)
			"$@" >/dev/null 2>&1
			end=$(date +%s%N)
			echo $(((end - start) / 1000))
		done | awk '{ print $1 / 1000 }' | median_ms | { read -r m; printf '%s\t%s\n' "$name" "$m"; }
	fi
}

if [[ $use_hyperfine == 1 ]]; then
	timer="hyperfine $(hyperfine --version | awk '{print $2}') (-N, 1 warm-up)"
else
	timer="bash loop timed with date +%s%N (1 warm-up)"
fi

table() {
	echo "| command | median ms |"
	echo "|---|---:|"
	while IFS=$'\t' read -r name ms; do
		echo "| \`$name\` | $ms |"
	done
}

# ---------------------------------------------------------------------------------------------
# 2. The real fixture: go mod why vs audit why (live and recorded)
# ---------------------------------------------------------------------------------------------
echo "## Real fixture $fixture: median of $runs runs, $timer"
echo
if command -v go >/dev/null; then
	export GOWORK=off
	{
		time_cmd "go mod why plugin net os/user" \
			go -C "$fixture" mod why plugin net os/user
		time_cmd "audit why plugin net os/user -C $fixture" \
			"$audit" why plugin net os/user -C "$fixture"
		time_cmd "audit why plugin net os/user --input $fixture/recorded/default.json" \
			"$audit" why plugin net os/user --input "$fixture/recorded/default.json"
		time_cmd "go env -json GOOS GOARCH CGO_ENABLED GOVERSION GOFLAGS (live run, step 1)" \
			go -C "$fixture" env -json GOOS GOARCH CGO_ENABLED GOVERSION GOFLAGS
		time_cmd "go list -e -deps -json=... -tags= ./... (live run, step 2)" \
			go -C "$fixture" list -e -deps "-json=ImportPath,Dir,Name,Standard,DepOnly,Match,Module,Imports,GoFiles,CgoFiles,IgnoredGoFiles,CFiles,CXXFiles,SysoFiles,CgoLDFLAGS,CgoPkgConfig,Error,DepsErrors,Incomplete" -tags= ./...
	} | table
else
	echo "go is not installed: skipped"
fi
echo

# ---------------------------------------------------------------------------------------------
# 3. The audit binary end to end on the synthetic streams written by step 1
# ---------------------------------------------------------------------------------------------
if compgen -G "$streams/go-list-*.json" >/dev/null; then
	targets=(plugin runtime/cgo cgo k8s.io/apimachinery)
	echo "## audit binary on the synthetic streams (why ${targets[*]}): median of 3 runs"
	echo
	saved_runs=$runs
	runs=3
	{
		for f in $(ls "$streams"/go-list-*.json | sort -t- -k3 -n); do
			n=$(basename "$f" .json)
			n=${n#go-list-}
			time_cmd "audit why ... --input go-list-$n.json ($(du -m "$f" | cut -f1) MB)" \
				"$audit" why "${targets[@]}" --input "$f"
			time_cmd "audit why --modules ... --input go-list-$n.json" \
				"$audit" why --modules "${targets[@]}" --input "$f"
		done
	} | table
	runs=$saved_runs
	echo
fi
