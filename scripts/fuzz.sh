#!/usr/bin/env bash
# ./headroom fuzz [TARGET...] [--for DURATION] [--list]
# Fuzzes each target for real (Jazzer, coverage-guided) for DURATION (default 10m), one after the other, and prints
#   fuzz.TARGET.execs N runs
#   fuzz.TARGET.execs_per_s N runs/s
#   fuzz.TARGET.crashes N
# then "fuzz done". A crash's input is written by Jazzer into the target's corpus folder under src/test/resources
# (so ./mvnw verify replays it from then on); the generated corpus stays in MODULE/.cifuzz-corpus/ (not committed).
# Exit 0: no crash; 1: a target crashed; 2: usage.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
targets_file="$here/scripts/fuzz-targets"
duration=10m
names=()
usage() { sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --for) [ $# -ge 2 ] || { echo "fuzz: --for needs a duration (30s, 10m, 1h)" >&2; exit 2; }; duration=$2; shift 2 ;;
    --for=*) duration=${1#--for=}; shift ;;
    --list) grep -v '^#' "$targets_file" | awk '{ w=$4; for (i=5;i<=NF;i++) w=w" "$i; printf "%-20s %s\n", $1, w }'; exit 0 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "fuzz: unknown option $1 (--for DURATION, --list)" >&2; exit 2 ;;
    *) names+=("$1"); shift ;;
  esac
done
[[ "$duration" =~ ^[0-9]+[smh]$ ]] || { echo "fuzz: --for must be a number and s, m or h (30s, 10m, 1h), got '$duration'" >&2; exit 2; }
if [ ${#names[@]} -eq 0 ]; then
  mapfile -t names < <(grep -v '^#' "$targets_file" | awk 'NF { print $1 }')
fi
for n in "${names[@]}"; do
  grep -q "^$n " "$targets_file" || { echo "fuzz: no target '$n'; ./headroom fuzz --list names them" >&2; exit 2; }
done

cd "$here"
crashed=0
for n in "${names[@]}"; do
  read -r _ module test _ < <(grep "^$n " "$targets_file")
  class=${test%%#*}
  echo "fuzz: $n ($test in $module) for $duration ..." >&2
  log="$here/$module/target/fuzz-$n.log"
  mkdir -p "$(dirname "$log")"
  status=0
  JAZZER_FUZZ=1 ./mvnw -B -q -pl "$module" -am test-compile surefire:test@fuzz-corpus -Dtest="$test" \
    -Dsurefire.failIfNoSpecifiedTests=false \
    -Djazzer.max_duration="$duration" -DtrimStackTrace=true >"$log" 2>&1 || status=$?
  # Jazzer reports on the forked JVM's stderr: in Maven's log, or in Surefire's output file when redirected
  out="$here/$module/target/fuzz-$n.all"
  cat "$log" "$here/$module/target/surefire-reports/$class-output.txt" > "$out" 2>/dev/null || true
  runs=$(grep -ho 'Done [0-9]* runs in [0-9]* second' "$out" 2>/dev/null | tail -1 || true)
  execs=$(echo "$runs" | awk '{print $2}')
  secs=$(echo "$runs" | awk '{print $5}')
  if [ -z "$execs" ]; then
    # a crash stops the run before libFuzzer's summary: the last status line has the count
    execs=$(grep -ho '^#[0-9]*' "$out" 2>/dev/null | tail -1 | tr -d '#' || true)
  fi
  crashes=$(grep -c '== Java Exception' "$out" 2>/dev/null || true)
  [ "$status" -ne 0 ] && [ "${crashes:-0}" -eq 0 ] && crashes=1
  echo "fuzz.$n.execs ${execs:-0} runs"
  [ -n "$secs" ] && [ "$secs" -gt 0 ] && echo "fuzz.$n.execs_per_s $(( execs / secs )) runs/s"
  echo "fuzz.$n.crashes ${crashes:-0}"
  if [ "${crashes:-0}" -gt 0 ]; then
    crashed=1
    echo "fuzz: $n crashed; the input is under $module/src/test/resources, the log in $out" >&2
    if grep -q '== Java Exception' "$out" 2>/dev/null; then
      grep -h -m1 -A8 '== Java Exception' "$out" >&2
    else
      grep -h -m5 -E 'ERROR|Exception' "$log" >&2 || true
    fi
  fi
done
echo "fuzz done"
exit $crashed
