#!/usr/bin/env bash
# Share of perf samples in Swift runtime entry points (exclusivity checks,
# reference counting, uniqueness checks, generic metadata, TLS), and the top
# symbols, for one gcbench run-one. Needs perf (Debian: linux-perf); uses the
# cpu-clock software event, which works where hardware counters do not.
#   Benchmarks/tools/runtime-share.sh --workload gcbench --barrier hardware
# GCBENCH=path/to/gcbench profiles another build (a before/after comparison).
set -euo pipefail
cd "$(dirname "$0")/../.."
data=$(mktemp)
trap 'rm -f "$data"' EXIT
perf record -q -e cpu-clock -g -o "$data" "${GCBENCH:-.build/release/gcbench}" run-one "$@" >/dev/null 2>&1
report=$(perf report -i "$data" --no-children --sort symbol -g none 2>/dev/null | grep -v '^#' | grep '%' | swift demangle --simplified)
echo "$report" | awk '
    { pct = $1; sub("%", "", pct); sym = $0; sub(/^[^]]*\] /, "", sym); sub(/[[:space:]]+$/, "", sym) }
    sym ~ /^(swift_|_swift_|swift::|__tls_get_addr|.*AccessSet|.*SwiftTLSContext|.*getGenericMetadata|.*isUniquelyReferenced)/ { runtime += pct }
    NR <= 10 { top = top sprintf("  %6.2f%%  %s\n", pct, substr(sym, 1, 110)) }
    END { printf "Swift runtime entry points: %.2f%% of samples\ntop ten symbols:\n%s", runtime, top }'
