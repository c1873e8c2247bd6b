#!/usr/bin/env bash
# The suite's steadiness check (issue "A test suite that gives the same answer every time"): `npm test`
# N times in a row on an idle machine, then M times with two CPU-burning processes beside it.
# Usage: scripts/test-repeat.sh [N=5] [M=3]   (from a fresh clone after `npm ci`). Exit 1 at the first red run.
set -u
cd "$(dirname "$0")/.."
idle=${1:-5}
loaded=${2:-3}
run() {
  local label=$1 start end
  start=$(date +%s)
  if npm test >"/tmp/orch-test-repeat-$label.log" 2>&1; then
    end=$(date +%s)
    printf '%-12s PASS  %4ss  %s\n' "$label" "$((end - start))" "$(grep -E '^ +Tests ' "/tmp/orch-test-repeat-$label.log" | tr -s ' ' | head -1)"
  else
    end=$(date +%s)
    printf '%-12s FAIL  %4ss  (log: /tmp/orch-test-repeat-%s.log)\n' "$label" "$((end - start))" "$label"
    grep -E '^ FAIL ' "/tmp/orch-test-repeat-$label.log" | head -20
    return 1
  fi
}
echo "npm test, $idle times on an idle machine ($(nproc) cores):"
for i in $(seq 1 "$idle"); do run "idle-$i" || exit 1; done
echo "npm test, $loaded times beside two CPU burners (yes > /dev/null):"
yes >/dev/null & b1=$!
yes >/dev/null & b2=$!
trap 'kill $b1 $b2 2>/dev/null' EXIT
for i in $(seq 1 "$loaded"); do run "loaded-$i" || exit 1; done
echo "all green"
