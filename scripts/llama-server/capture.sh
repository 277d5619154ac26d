#!/usr/bin/env bash
# Capture llama-server responses as fixtures.  Needs a running server:
#   PORT=<port> bash capture.sh
# Writes captures/<name>.headers (curl -D: status line + headers as received),
# captures/<name>.body (body as curl saw it; curl REMOVES chunked transfer
# framing, so for streamed responses this is the de-chunked SSE text, byte-exact
# otherwise), and for the raw_* captures the exact wire bytes via raw_http.py.
set -u
cd "$(dirname "$0")"
PORT=${PORT:?set PORT}
B=http://127.0.0.1:$PORT
R=captures/requests
C=captures
mkdir -p $C

cap() {  # name path requestfile
  local name=$1 path=$2 req=$3
  echo "== $name: POST $path  ($req)"
  curl -sS -N -D $C/$name.headers -o $C/$name.body \
       -H 'Content-Type: application/json' --data-binary @$req "$B$path"
  echo "   curl rc=$?  status: $(head -1 $C/$name.headers | tr -d '\r')"
}

# a. chat streaming with include_usage
cap chat_stream             /v1/chat/completions $R/chat_stream.json
# b. chat non-streaming
cap chat_nostream           /v1/chat/completions $R/chat_nostream.json
# extra: chat streaming without stream_options
cap chat_stream_no_usage    /v1/chat/completions $R/chat_stream_no_usage.json
# c. completions streaming / non-streaming
cap completion_stream       /v1/completions      $R/completion_stream.json
cap completion_nostream     /v1/completions      $R/completion_nostream.json
# extra: finish_reason "stop" via a stop string; temperature 0 (greedy) so the
# stop really triggers: greedy output for "Hello" is " tY aY aY aY"
# (tokens " t","Y"," a","Y",...). stop "a" hits mid-output, stop " t" hits
# the very first token.
cap completion_stream_stop        /v1/completions $R/completion_stream_stop.json
cap completion_stream_stop_first  /v1/completions $R/completion_stream_stop_first.json
# d. errors
cap chat_overflow_stream    /v1/chat/completions $R/chat_overflow_stream.json
cap chat_overflow_nostream  /v1/chat/completions $R/chat_overflow_nostream.json
cap malformed_json          /v1/chat/completions $R/malformed.json
# extra: GETs
for p in health v1/models props; do
  n=get_$(echo $p | tr '/' '_')
  echo "== $n: GET /$p"
  curl -sS -D $C/$n.headers -o $C/$n.body "$B/$p"
done

# e. connection reuse, curl: two requests in one invocation (--next)
echo "== conn_reuse_curl: stream then non-stream on one curl invocation"
curl -v -sS -N -H 'Content-Type: application/json' --data-binary @$R/chat_stream.json \
     -o $C/conn_reuse_curl.1.body "$B/v1/chat/completions" \
   --next -H 'Content-Type: application/json' --data-binary @$R/chat_nostream.json \
     -o $C/conn_reuse_curl.2.body "$B/v1/chat/completions" \
   2> $C/conn_reuse_curl.stderr
echo "   curl rc=$?"
echo "== conn_reuse_curl_error: malformed (400) then valid request"
curl -v -sS -N -H 'Content-Type: application/json' --data-binary @$R/malformed.json \
     -o $C/conn_reuse_curl_error.1.body "$B/v1/chat/completions" \
   --next -H 'Content-Type: application/json' --data-binary @$R/chat_nostream.json \
     -o $C/conn_reuse_curl_error.2.body "$B/v1/chat/completions" \
   2> $C/conn_reuse_curl_error.stderr
echo "   curl rc=$?"

# e. exact wire bytes + connection behaviour, raw socket
PY=${PY:-python3}
echo "== raw_stream_then_nostream"
$PY raw_http.py 127.0.0.1 $PORT $C/raw_stream_then_nostream \
  POST /v1/chat/completions $R/chat_stream.json \
  POST /v1/chat/completions $R/chat_nostream.json
echo "== raw_completion_stream_then_nostream"
$PY raw_http.py 127.0.0.1 $PORT $C/raw_completion_stream_then_nostream \
  POST /v1/completions $R/completion_stream.json \
  POST /v1/completions $R/completion_nostream.json \
  POST /v1/completions $R/completion_stream.json
echo "== raw_malformed_then_valid"
$PY raw_http.py 127.0.0.1 $PORT $C/raw_malformed_then_valid \
  POST /v1/chat/completions $R/malformed.json \
  POST /v1/chat/completions $R/chat_nostream.json
echo "== raw_overflow_stream_then_valid"
$PY raw_http.py 127.0.0.1 $PORT $C/raw_overflow_stream_then_valid \
  POST /v1/chat/completions $R/chat_overflow_stream.json \
  POST /v1/chat/completions $R/chat_nostream.json
echo "== raw_nostream_nostream_stream_nostream"
$PY raw_http.py 127.0.0.1 $PORT $C/raw_nostream_nostream_stream_nostream \
  POST /v1/chat/completions $R/chat_nostream.json \
  POST /v1/completions $R/completion_nostream.json \
  POST /v1/chat/completions $R/chat_stream.json \
  POST /v1/chat/completions $R/chat_nostream.json
echo "== raw_nostream_idle (does the server close an idle keep-alive connection?)"
$PY raw_http.py 127.0.0.1 $PORT $C/raw_nostream_idle \
  POST /v1/chat/completions $R/chat_nostream.json
echo "== raw_stream_only (when does the server close after a stream?)"
$PY raw_http.py 127.0.0.1 $PORT $C/raw_stream_only \
  POST /v1/chat/completions $R/chat_stream.json
# extra: prompt fits (491 tokens) but prompt + max_tokens (40) exceeds n_ctx 512
cap completion_ctx_full_stream    /v1/completions $R/completion_ctx_full_stream.json
cap completion_ctx_full_nostream  /v1/completions $R/completion_ctx_full_nostream.json
