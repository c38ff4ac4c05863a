#!/bin/sh
# Runs libFuzzer targets: run.sh BUILD SECONDS TARGET...
# For each target: first every file of tests/fuzz/regressions/<target>/ (must
# not crash), then fuzzing for SECONDS from the seed corpus
# tests/fuzz/corpus/<target>/ plus the regressions, growing a working corpus
# in BUILD/corpus/<target>/ (the repository is never written), with the
# dictionary tests/fuzz/<target>.dict if there is one. A crash leaves
# its input in BUILD/artifacts/<target>/ and fails the run. An input that
# runs longer than the target's timeout is a finding too: 1 s for render
# (markdown must never hold the event loop), 10 s for the others.
set -u
BUILD=$1
SECONDS_EACH=$2
shift 2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
fail=0
for t in "$@"; do
	bin="$BUILD/fuzz_$t"
	seeds="tests/fuzz/corpus/$t"
	regs="tests/fuzz/regressions/$t"
	work="$BUILD/corpus/$t"
	arts="$BUILD/artifacts/$t"
	log="$BUILD/fuzz_$t.log"
	mkdir -p "$work" "$arts" "$seeds" "$regs"
	timeout=10
	[ "$t" = render ] && timeout=1
	if [ -n "$(ls -A "$regs" 2>/dev/null)" ]; then
		if ! "$bin" -runs=0 -timeout="$timeout" "$regs"/* > "$log.reg" 2>&1; then
			echo "  FAIL  fuzz_$t regressions (see $log.reg)"
			grep -E "ERROR|SUMMARY|fuzz_$t:" "$log.reg" | head -n 10 | sed 's/^/        /'
			fail=$((fail + 1))
			continue
		fi
	fi
	dict=""
	[ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
	start=$(date +%s)
	"$bin" $dict -max_total_time="$SECONDS_EACH" -timeout="$timeout" -rss_limit_mb=4096 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$arts/" "$work" "$seeds" "$regs" > "$log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		echo "  ok    fuzz_$t: ${runs:-?} executions in ${took}s"
	else
		echo "  FAIL  fuzz_$t (exit $rc after ${took}s; log $log, input in $arts/)"
		grep -E "ERROR|SUMMARY|fuzz_$t:|Test unit written" "$log" | head -n 10 | sed 's/^/        /'
		fail=$((fail + 1))
	fi
done
[ "$fail" -eq 0 ]
