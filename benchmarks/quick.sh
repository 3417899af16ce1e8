#!/usr/bin/env bash
# The short comparison (benchmarks/RESULTS.md), in a few minutes: builds benchmarks.jar (and core), then runs
# every contender of ResolveBenchmark, PromoteBenchmark and ResolveUnderWriteBenchmark at 10,
# 1,000 and 100,000 domains, one fork, 3 warm-up and 5 measured iterations of one second each,
# with JMH's GC profiler (gc.alloc.rate.norm is B/op). JSON results go to OUT.json.
#
#   benchmarks/quick.sh OUT.json [more JMH options, e.g. -p domains=1000]
#
# For a longer, steadier run use the jar's own defaults: java -jar benchmarks/target/benchmarks.jar
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 OUT.json [JMH options]" >&2
  exit 2
fi
out=$(realpath -m "$1")
shift
cd "$(dirname "$0")/.."

mvn -B -ntp -q -pl benchmarks -am package -DskipTests
# The names are regular expressions matched anywhere in a benchmark's full name: anchored, so
# that ResolveBenchmark does not also pick ChainedResolveBenchmark (a diagnostic, run on its own).
exec java -jar benchmarks/target/benchmarks.jar \
  '\.ResolveBenchmark\.' '\.PromoteBenchmark\.' '\.ResolveUnderWriteBenchmark\.' \
  -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc -rf json -rff "$out" "$@"
