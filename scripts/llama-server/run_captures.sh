#!/usr/bin/env bash
# Reproduce captures/: start llama-server on a free 127.0.0.1 port, run
# capture.sh against it, stop the server.  (This is what made the current
# captures/, step by step; see captures/README.md.)
set -eu
cd "$(dirname "$0")"
find captures -maxdepth 1 -type f -delete   # keeps captures/requests/
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
nohup nice -n 19 bin/llama-server -m tiny.gguf --host 127.0.0.1 --port $PORT -c 512 -n 16 -t 2 \
  > captures/server.log 2>&1 &
SRV=$!
for i in $(seq 1 30); do curl -sf http://127.0.0.1:$PORT/health >/dev/null && break; sleep 0.5; done
date -u +%Y-%m-%dT%H:%M:%SZ > captures/CAPTURE_DATE
PORT=$PORT nice -n 19 bash capture.sh > captures/capture_run.log 2>&1 || true
kill $SRV
