#!/usr/bin/env bash
# Requests/s of a cheap instant query over keep-alive with 8 concurrent connections (wrk).
# Usage: bench/api/wrk_instant.sh [path/to/promlet] [seconds]
# Starts promlet on a free loopback port with a temporary data dir, lets it scrape itself for a
# moment, then runs wrk for /api/v1/query?query=up and /api/v1/query?query=1%2B1.
set -euo pipefail
BIN=${1:-build/promlet}
SECS=${2:-10}
command -v wrk >/dev/null || { echo "wrk not installed" >&2; exit 1; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DIR=$(mktemp -d /tmp/promlet-wrk-XXXXXX)
"$BIN" --web.listen-address=127.0.0.1:$PORT --storage.tsdb.path=$DIR/data --log.level=warn &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf $DIR' EXIT
for i in $(seq 1 100); do curl -sf http://127.0.0.1:$PORT/-/ready >/dev/null && break; sleep 0.1; done
sleep 2
for q in 'up' '1%2B1'; do
  echo "== /api/v1/query?query=$q (8 connections, 2 threads, ${SECS}s)"
  wrk -t2 -c8 -d${SECS}s "http://127.0.0.1:$PORT/api/v1/query?query=$q" | grep -E 'Requests/sec|Latency|requests in'
done
