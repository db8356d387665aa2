#!/bin/bash
# Peak RSS (/usr/bin/time -v) and an RSS curve sampled every 5 s (seconds,step,RSS kB in /tmp/rss.csv)
# of `train --preset xs --batch 128 --steps N` (default 200). XMX sets the heap (default 2g).
# usage: XMX=1536m bash tools/rss-curve.sh 200
set -u
cd "$(dirname "$0")/.."
J=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
rm -rf /tmp/mem
/usr/bin/time -v $J -Xmx${XMX:-2g} -jar target/imf-engine.jar train --preset xs --batch 128 --steps ${1:-200} --out /tmp/mem --checkpoint-every 0 > /tmp/mem.out 2> /tmp/mem.err &

sleep 6; PID=$(pgrep -n -x java)  # the JVM doing the work (the launcher may have relaunched itself)
: > /tmp/rss.csv
T0=$(date +%s)
while kill -0 $PID 2>/dev/null; do
  for p in $PID; do
    r=$(awk '/VmRSS/{print $2}' /proc/$p/status 2>/dev/null); c=java
    case "$c" in *java*) s=$(wc -l < /tmp/mem/metrics.jsonl 2>/dev/null || echo 0); echo "$(( $(date +%s) - T0 )),$s,$r" >> /tmp/rss.csv;; esac
  done
  sleep 5
done
wait
grep -E "Maximum resident|Elapsed" /tmp/mem.err
