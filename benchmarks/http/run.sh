#!/usr/bin/env bash
# End-to-end proxy benchmark: throughput and live switching of Switchover's adapters, side by side
# with plain Jetty, nginx and HAProxy, all on loopback. See benchmarks/http/RESULTS.md.
#
#   benchmarks/http/run.sh                      # the full run (about 15 minutes with the defaults)
#   DURATION=2 WARMUP=2 ROUNDS=1 PAIRS=1 PAIR_DURATION=2 SWITCHES=6 benchmarks/http/run.sh  # smoke
#   PROTOCOL=h2c benchmarks/http/run.sh         # the Java proxies over HTTP/2 (h2c), with h2load
#   PROTOCOL=ws benchmarks/http/run.sh          # WebSocket echoes through the adapters and direct
#
# Settings (environment): DURATION (s per wrk run), WARMUP (s per contender, once), ROUNDS,
# THREADS and CONNECTIONS (wrk), PAIRS and PAIR_DURATION (paired A/B runs), SWITCHES and SWITCH_INTERVAL_MS (switching runs), BASE_PORT,
# ONLY (space-separated contender names to run), SKIP_BUILD=1, JAVA_OPTS, OUT (results directory),
# PROTOCOL (http1, or h2c: clients speak HTTP/2 with prior knowledge to the Java proxies, which
# still reach the upstreams over HTTP/1.1; measured with h2load, STREAMS concurrent streams per
# connection; no switching runs, which the adapters' tests cover over HTTP/2; or ws: WebSocket
# echo round trips of MESSAGE_BYTES-byte text messages on CONNECTIONS WebSockets (WsRate), direct
# to the upstream and through the Jetty and Undertow adapters, which proxy the upgrade),
# QUIET_LOAD and QUIET_WAIT (before measuring, wait up to QUIET_WAIT seconds for the 1-minute load
# average to fall below QUIET_LOAD; the machine is shared, and the load seen is recorded anyway).
#
# A Switchover contender is switched through its admin endpoint, a line per switch on a Unix
# domain socket (as HAProxy's runtime API), and each switch commits a promote the endpoint
# prepared 100-125 ms after the switch before (SwitchAdmin).
#
# It installs wrk, nginx and haproxy from Debian's packages if they are missing (needs root or
# sudo), starts every process itself with its own configuration in a temporary directory (never
# the system services), and stops all of them on exit.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
JAR="$HERE/target/switchover-http-bench.jar"
PKG=dev.switchover.bench.http

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-10}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
SWITCHES=${SWITCHES:-40}
SWITCH_INTERVAL_MS=${SWITCH_INTERVAL_MS:-250}
PAIRS=${PAIRS:-6}
PAIR_DURATION=${PAIR_DURATION:-5}
BASE_PORT=${BASE_PORT:-18080} # below the ephemeral port range, so no client connection holds one
JAVA_OPTS=${JAVA_OPTS:--Xms256m -Xmx256m -XX:+UseParallelGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn}
OUT=${OUT:-$HERE/target/results-$(date -u +%Y%m%dT%H%M%SZ)}
ONLY=${ONLY:-}
QUIET_LOAD=${QUIET_LOAD:-}
QUIET_WAIT=${QUIET_WAIT:-600}
PROTOCOL=${PROTOCOL:-http1}
STREAMS=${STREAMS:-10}
MESSAGE_BYTES=${MESSAGE_BYTES:-64}
case "$PROTOCOL" in
  http1) LOAD_TOOL="wrk -t$THREADS -c$CONNECTIONS" LATENCY_COLUMNS="p50 ms | p99 ms" ;;
  h2c)
    JAVA_OPTS="$JAVA_OPTS -Dswitchover.bench.h2c=true"
    ONLY=${ONLY:-"jetty-plain switchover-jetty undertow-plain switchover-undertow servlet-plain switchover-servlet"}
    LOAD_TOOL="h2load -t$THREADS -c$CONNECTIONS -m$STREAMS" LATENCY_COLUMNS="mean ms | max ms" ;;
  ws)
    JAVA_OPTS="$JAVA_OPTS -Dswitchover.bench.websocket=true"
    ONLY=${ONLY:-"direct switchover-jetty switchover-undertow"}
    LOAD_TOOL="WsRate, $CONNECTIONS WebSockets, $MESSAGE_BYTES-byte echoes" LATENCY_COLUMNS="p50 ms | p99 ms" ;;
  *) echo "PROTOCOL must be http1, h2c or ws, not $PROTOCOL" >&2; exit 2 ;;
esac

BLUE_PORT=$((BASE_PORT + 1))
GREEN_PORT=$((BASE_PORT + 2))
CONTROL_PORT=$((BASE_PORT + 3)) # the upstreams' control endpoint: when a workspace started serving
HOST=shop.localhost
# How the Switchover contenders are switched, in words, for the environment and the summary.
SWITCHOVER_WAY="the admin endpoint's line protocol on a Unix domain socket, one connection;"\
" PreparedChange.commit() of a promote the admin endpoint prepared 100-125 ms after the switch"\
" before, on a thread of its own; a switch that finds nothing prepared for its workspace"\
" (a contender's very first, an unmeasured warm-up switch) promotes directly"

# The contenders: name, kind, port, and for kind "java" the main class, which takes
# <port> <bluePort> <greenPort> <adminSocket> and, if it can switch, serves SwitchAdmin on the Unix
# socket adminSocket ($TMP/<name>-admin.sock). Switchable contenders are listed in SWITCHING with
# their switch mode.
CONTENDERS=(
  "direct               upstream $BLUE_PORT"
  "jetty-plain          java     $((BASE_PORT + 10)) $PKG.PlainJettyProxy"
  "switchover-jetty     java     $((BASE_PORT + 11)) $PKG.SwitchoverJettyProxy"
  "undertow-plain       java     $((BASE_PORT + 15)) $PKG.PlainUndertowProxy"
  "switchover-undertow  java     $((BASE_PORT + 12)) $PKG.SwitchoverUndertowProxy"
  "servlet-plain        java     $((BASE_PORT + 16)) $PKG.PlainServletProxy" # Jetty's AsyncProxyServlet
  "switchover-servlet   java     $((BASE_PORT + 13)) $PKG.SwitchoverServletProxy" # the filter in Jetty ee10
  "jetty-xfwd           java     $((BASE_PORT + 14)) $PKG.ForwardingJettyProxy" # diagnostic, see RESULTS.md
  "nginx                nginx    $((BASE_PORT + 20))"
  "haproxy              haproxy  $((BASE_PORT + 21))"
)
# Paired A/B runs (baseline candidate), alternated back to back so that slow changes in the
# machine's load hit both alike: the ratio of each pair is what the "within 5%" target is read from.
# The target is the Jetty adapter's; the Undertow adapter is paired with plain Undertow too, for
# the reading, and the servlet filter with the Jetty proxy servlet it forwards through.
PAIRED=(
  "direct switchover-jetty" # only with PROTOCOL=ws, where direct WebSockets are the baseline
  "direct switchover-undertow"
  "jetty-plain switchover-jetty"
  "undertow-plain switchover-undertow"
  "servlet-plain switchover-servlet"
  "jetty-plain jetty-xfwd"
  "jetty-xfwd switchover-jetty"
)
SWITCHING=(
  "switchover-jetty admin"
  "switchover-undertow admin"
  "switchover-servlet admin"
  "nginx nginx"
  "haproxy haproxy"
)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

selected() { [[ -z "$ONLY" || " $ONLY " == *" $1 "* ]]; }
contender_field() { # name index
  local c
  for c in "${CONTENDERS[@]}"; do
    read -r -a f <<<"$c"
    if [[ "${f[0]}" == "$1" ]]; then echo "${f[$2]:-}"; return; fi
  done
  die "unknown contender $1"
}

# --- tools -------------------------------------------------------------------------------------
ensure_tools() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  command -v nginx >/dev/null || missing+=(nginx)
  command -v haproxy >/dev/null || missing+=(haproxy)
  command -v curl >/dev/null || missing+=(curl)
  [[ "$PROTOCOL" != h2c ]] || command -v h2load >/dev/null || missing+=(nghttp2-client)
  if ((${#missing[@]})); then
    log "installing ${missing[*]} from Debian's packages"
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
      command -v sudo >/dev/null || die "need root or sudo to install ${missing[*]}"
      sudo=(sudo)
    fi
    # policy-rc.d (if present) keeps the packages' services from starting; run.sh never uses them.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >&2
  fi
  command -v java >/dev/null || die "java 17+ is needed"
}

# --- processes ---------------------------------------------------------------------------------
TMP=$(mktemp -d /tmp/switchover-http-bench.XXXXXX)
PIDS=()
cleanup() {
  local status=$?
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill -TERM "${PIDS[$i]}" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ -d "$OUT" ]]; then # keep the processes' logs with the results
    mkdir -p "$OUT/logs"
    cp "$TMP"/*.log "$TMP"/*.cfg "$NGINX_DIR"/*.conf "$NGINX_DIR"/*.log "$OUT/logs/" 2>/dev/null || true
  fi
  rm -rf "$TMP"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

await_body() { # port expected-body label
  local deadline=$((SECONDS + 30)) body
  while ((SECONDS < deadline)); do
    body=$(curl -s -m 1 -H "Host: $HOST" "http://127.0.0.1:$1/" 2>/dev/null || true)
    [[ "$body" == "$2" ]] && return 0
    sleep 0.2
  done
  die "$3 on port $1 did not answer '$2' within 30s (last: '$body'); logs in $TMP"
}

start_java() { # name main port
  java $JAVA_OPTS -cp "$JAR" "$2" "$3" "$BLUE_PORT" "$GREEN_PORT" "$TMP/$1-admin.sock" \
    >"$TMP/$1.log" 2>&1 &
  PIDS+=($!)
}

NGINX_DIR="$TMP/nginx"
nginx_cmd() { nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log" "$@"; }
start_nginx() { # port
  mkdir -p "$NGINX_DIR/temp"
  chmod 755 "$TMP" "$NGINX_DIR"
  chmod 777 "$NGINX_DIR/temp"
  java -cp "$JAR" "$PKG.NginxUpstream" "$BLUE_PORT" >"$NGINX_DIR/upstream.conf"
  cat >"$NGINX_DIR/nginx.conf" <<EOF
worker_processes auto;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $NGINX_DIR/temp/body;
  proxy_temp_path $NGINX_DIR/temp/proxy;
  fastcgi_temp_path $NGINX_DIR/temp/fastcgi;
  uwsgi_temp_path $NGINX_DIR/temp/uwsgi;
  scgi_temp_path $NGINX_DIR/temp/scgi;
  keepalive_requests 1000000;
  include $NGINX_DIR/upstream.conf;
  server {
    listen 127.0.0.1:$1;
    server_name $HOST;
    location / {
      proxy_pass http://shop;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
    }
  }
}
EOF
  nginx_cmd -t -q || die "nginx rejected its configuration"
  # Not through nginx_cmd: $! must be nginx's master itself, so that cleanup stops it.
  nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log" -g 'daemon off;' \
    >"$TMP/nginx.log" 2>&1 &
  PIDS+=($!)
}

HAPROXY_MAP="$TMP/hosts.map"
HAPROXY_SOCKET="$TMP/haproxy.sock"
start_haproxy() { # port
  printf '%s be_blue\n' "$HOST" >"$HAPROXY_MAP"
  cat >"$TMP/haproxy.cfg" <<EOF
global
  maxconn 4096
  stats socket $HAPROXY_SOCKET mode 600 level admin
defaults
  mode http
  option http-keep-alive
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend shop
  bind 127.0.0.1:$1
  use_backend %[req.hdr(host),field(1,:),lower,map($HAPROXY_MAP,be_none)]
backend be_blue
  server blue 127.0.0.1:$BLUE_PORT
backend be_green
  server green 127.0.0.1:$GREEN_PORT
backend be_none
  http-request return status 421
EOF
  haproxy -c -q -f "$TMP/haproxy.cfg" || die "haproxy rejected its configuration"
  haproxy -db -f "$TMP/haproxy.cfg" -p "$TMP/haproxy.pid" >"$TMP/haproxy.log" 2>&1 &
  PIDS+=($!)
}

# --- measuring ---------------------------------------------------------------------------------
run_wrk() { # port seconds output-file; prints the RESULT line
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2"s --latency -H "Host: $HOST" \
    -s "$HERE/count.lua" "http://127.0.0.1:$1/" >"$3" 2>&1 || true
  grep '^RESULT ' "$3" || die "wrk produced no result: $(cat "$3")"
}
# h2load over h2c (prior knowledge) for the same RESULT line: h2load reports no percentiles, so
# p50_us and p99_us carry its mean and max, and the tables say so.
run_h2load() { # port seconds output-file; prints the RESULT line
  h2load -t"$THREADS" -c"$CONNECTIONS" -m"$STREAMS" -D"$2" -H ":authority: $HOST" \
    "http://127.0.0.1:$1/" >"$3" 2>&1 || true
  awk '
    function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000; if (v ~ /s$/) return v * 1000000; return v }
    /^finished in/ { for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^req\/s/) rps = $i + 0 }
    /^requests:/ { total = $2; failed = $10; errored = $12; timeout = $14 }
    /^status codes:/ { non2xx = $5 + $7 + $9 }
    /^time for request:/ { mean = us($6); max = us($5) }
    END { if (rps == "") exit 1
      printf "RESULT requests=%d rps=%.1f p50_us=%d p99_us=%d connect=0 read=0 write=%d status=%d timeout=%d\n",
        total, rps, mean, max, failed + errored, non2xx, timeout }' "$3" \
    || die "h2load produced no result: $(cat "$3")"
}
run_ws() { # port seconds output-file; prints the RESULT line (rps: echo round trips per second)
  java $JAVA_OPTS -Djdk.httpclient.allowRestrictedHeaders=host -cp "$JAR" "$PKG.WsRate" \
    "$1" "$HOST" "$CONNECTIONS" "$2" "$MESSAGE_BYTES" >"$3" 2>&1 || true
  grep '^RESULT ' "$3" || die "WsRate produced no result: $(cat "$3")"
}
run_load() { # port seconds output-file
  case "$PROTOCOL" in
    h2c) run_h2load "$@" ;;
    ws) run_ws "$@" ;;
    *) run_wrk "$@" ;;
  esac
}
load1() { cut -d' ' -f1 /proc/loadavg; }
field() { grep -o " $1=[^ ]*" | cut -d= -f2; } # one value per input line
median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

record_environment() {
  {
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "uptime at start: $(uptime)"
    echo "protocol: $PROTOCOL; load: $LOAD_TOOL, ${DURATION}s (warmup ${WARMUP}s, $ROUNDS rounds)"
    echo "switching: $SWITCHES switches, ${SWITCH_INTERVAL_MS} ms apart"
    echo "JAVA_OPTS: $JAVA_OPTS"
    echo "Switchover's switch: $SWITCHOVER_WAY"
    echo; echo '$ nginx -v'; nginx -v 2>&1
    echo; echo '$ haproxy -v'; haproxy -v 2>&1 | sed -n 1,2p
    echo; echo '$ wrk -v'; { wrk -v 2>&1 || true; } | sed -n 1p
    [[ "$PROTOCOL" != h2c ]] || { echo; echo '$ h2load --version'; h2load --version 2>&1 | sed -n 1p; }
    echo; echo '$ java -version'; java -version 2>&1
    echo; echo '$ lscpu | head -20'; lscpu | sed -n 1,20p
  } >"$OUT/environment.txt"
}

# awk functions for the switching tables: the first-served and promote-to-served cells.
SERVED_AWK='
  function served(f) {
    return (f["first_served_p50_us"] >= 0 ? sprintf("%.2f / %.2f / %.2f", f["first_served_p50_us"] / 1000,
      f["first_served_p90_us"] / 1000, f["first_served_max_us"] / 1000) : "-") " (" f["not_quiet"] + 0 " / " f["no_onset"] + 0 ")"
  }
  function promoted(f) {
    return f["promote_to_served_p50_us"] >= 0 ? sprintf("%.2f / %.2f", f["promote_to_served_p50_us"] / 1000,
      f["promote_to_served_max_us"] / 1000) : "-"
  }
'
summarise() {
  local tsv="$OUT/throughput.txt" sw="$OUT/switching.txt" direct_rps name rps p50 p99 errs
  {
    echo "## Throughput ($PROTOCOL; median of $ROUNDS rounds; $LOAD_TOOL, ${DURATION}s)"
    echo
    echo "| contender | req/s | vs direct | $LATENCY_COLUMNS | errors (all rounds) | load1 seen |"
    echo "|---|---:|---:|---:|---:|---:|---|"
    direct_rps=$(grep "^contender=direct " "$tsv" | field rps | median || true)
    for c in "${CONTENDERS[@]}"; do
      read -r name _ <<<"$c"
      grep -q "^contender=$name " "$tsv" 2>/dev/null || continue
      rps=$(grep "^contender=$name " "$tsv" | field rps | median)
      p50=$(grep "^contender=$name " "$tsv" | field p50_us | median)
      p99=$(grep "^contender=$name " "$tsv" | field p99_us | median)
      errs=$(grep "^contender=$name " "$tsv" | awk '{for (i = 1; i <= NF; i++) {split($i, kv, "="); if (kv[1] ~ /^(connect|read|write|status|timeout)$/) s += kv[2]}} END {print s + 0}')
      loads=$(grep "^contender=$name " "$tsv" | field load1 | paste -sd/ -)
      awk -v n="$name" -v r="$rps" -v d="${direct_rps:-}" -v a="$p50" -v b="$p99" -v e="$errs" -v l="$loads" \
        'BEGIN {printf "| %s | %.0f | %s | %.2f | %.2f | %d | %s |\n", n, r, (d > 0 ? sprintf("%.2f", r / d) : "-"), a / 1000, b / 1000, e, l}'
    done
    if [[ -s "$OUT/pairs.txt" ]]; then
      echo
      echo "## Paired runs ($PROTOCOL; $PAIRS pairs, $LOAD_TOOL, ${PAIR_DURATION}s each, order alternated)"
      echo
      echo "| baseline → candidate | baseline req/s (median) | candidate req/s (median) | candidate / baseline per pair: median (min – max) | ${LATENCY_COLUMNS##* | } baseline / candidate (median) |"
      echo "|---|---:|---:|---|---|"
      local pair a b
      for pair in "${PAIRED[@]}"; do
        read -r a b <<<"$pair"
        grep -q "^baseline=$a candidate=$b " "$OUT/pairs.txt" || continue
        grep "^baseline=$a candidate=$b " "$OUT/pairs.txt" | awk -v a="$a" -v b="$b" '
          function val(side, key,   i, n, kv, parts) {
            for (i = 1; i <= NF; i++) if (index($i, side ":") == 1) { start = i; break }
            for (i = start; i <= NF; i++) {
              if (i > start && $i ~ /:/) break
              sub("^" side ":", "", $i); split($i, kv, "="); if (kv[1] == key) return kv[2]
            }
            return ""
          }
          { line = $0; ar = val(a, "rps"); $0 = line; br = val(b, "rps"); $0 = line
            ap = val(a, "p99_us"); $0 = line; bp = val(b, "p99_us")
            n++; A[n] = ar; B[n] = br; R[n] = br / ar; AP[n] = ap; BP[n] = bp }
          function med(x, n,   i, j, t, y) { for (i = 1; i <= n; i++) y[i] = x[i]
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (y[j] < y[i]) { t = y[i]; y[i] = y[j]; y[j] = t }
            lo = y[1]; hi = y[n]; return (n % 2) ? y[(n + 1) / 2] : (y[n / 2] + y[n / 2 + 1]) / 2 }
          END { ma = med(A, n); mb = med(B, n); mpa = med(AP, n); mpb = med(BP, n); mr = med(R, n)
            printf "| %s → %s | %.0f | %.0f | %.3f (%.3f – %.3f) | %.2f / %.2f |\n", a, b, ma, mb, mr, lo, hi, mpa / 1000, mpb / 1000 }'
      done
    fi
    if [[ -s "$sw" ]]; then
      echo
      echo "## Switching under load ($SWITCHES switches, ${SWITCH_INTERVAL_MS} ms apart, wrk -t$THREADS -c$CONNECTIONS counting bodies)"
      echo
      echo "| contender | switch → first new response at the probe p50 / p90 / max ms | switch → new workspace's first served request p50 / p90 / max ms (not quiet / no onset) | Switchover's switch in its JVM → first served p50 / max ms | switch call p50 ms | in the proxy's JVM: Switchover's switch p50 µs, → first new p50 / max ms | stale probe answers | probe failures | wrk failed: total (non-2xx / connect / read / write / timeout) | wrk requests | blue / green | req/s |"
      echo "|---|---|---|---|---:|---|---:|---:|---|---:|---|---:|"
      while read -r line; do
        awk -v l="$line" "$SERVED_AWK"'BEGIN {
          n = split(l, kv, " "); for (i = 1; i <= n; i++) {split(kv[i], p, "="); f[p[1]] = p[2]}
          failed = f["non2xx"] + f["connect"] + f["read"] + f["write"] + f["timeout"]
          total = f["blue"] + f["green"]
          printf "| %s | %.2f / %.2f / %.2f | %s | %s | %.2f | %s | %d | %d | %d (%d / %d / %d / %d / %d) | %d | %.1f%% / %.1f%% | %.0f |\n",
            f["contender"], f["first_new_p50_us"] / 1000, f["first_new_p90_us"] / 1000, f["first_new_max_us"] / 1000,
            served(f), promoted(f), f["call_p50_us"] / 1000, (f["reported_p50_us"] >= 0 ? sprintf("%d µs, %.2f / %.2f ms", f["reported_p50_us"], f["inproc_first_new_p50_us"] / 1000, f["inproc_first_new_max_us"] / 1000) : "-"), f["stale"],
            f["probe_non2xx"] + f["probe_io_errors"] + f["timeouts"] + f["inproc_timeouts"],
            failed, f["non2xx"], f["connect"], f["read"], f["write"], f["timeout"], f["requests"],
            (total ? 100 * f["blue"] / total : 0), (total ? 100 * f["green"] / total : 0), f["rps"]
        }'
      done <"$sw"
      echo
      echo "The switch call is only the switch: for Switchover the admin call returns once its switch has" \
        "($SWITCHOVER_WAY)." \
        "The in-JVM figures come from a second series of $SWITCHES switches per Switchover contender," \
        "paced alike, so Switchover contenders are switched twice as often ($((2 * SWITCHES)) + 4 unmeasured" \
        "against $SWITCHES + 2); wrk's counts cover all of them."
      awk '/switch_way=prepared/ { n = split($0, kv, " "); for (i = 1; i <= n; i++) {split(kv[i], p, "="); f[p[1]] = p[2]}
          line = line sep f["contender"] " " f["prepared_commits"] " of " f["switches"]; sep = ", " }
        END { if (line != "") print "\nMeasured switches that committed the prepared table as prepared: " line "." }' "$sw"
    fi
    if [[ -s "$OUT/switching-idle.txt" ]]; then
      echo
      echo "## Switching without load ($SWITCHES switches, ${SWITCH_INTERVAL_MS} ms apart, only the probe)"
      echo
      echo "| contender | switch → first new response at the probe p50 / p90 / max ms | switch → new workspace's first served request p50 / p90 / max ms (not quiet / no onset) | Switchover's switch in its JVM → first served p50 / max ms | switch call p50 ms | in the proxy's JVM: Switchover's switch p50 µs, → first new p50 / max ms | stale probe answers | probe failures |"
      echo "|---|---|---|---|---:|---|---:|---:|"
      while read -r line; do
        awk -v l="$line" "$SERVED_AWK"'BEGIN {
          n = split(l, kv, " "); for (i = 1; i <= n; i++) {split(kv[i], p, "="); f[p[1]] = p[2]}
          printf "| %s | %.2f / %.2f / %.2f | %s | %s | %.2f | %s | %d | %d |\n",
            f["contender"], f["first_new_p50_us"] / 1000, f["first_new_p90_us"] / 1000, f["first_new_max_us"] / 1000,
            served(f), promoted(f), f["call_p50_us"] / 1000, (f["reported_p50_us"] >= 0 ? sprintf("%d µs, %.2f / %.2f ms", f["reported_p50_us"], f["inproc_first_new_p50_us"] / 1000, f["inproc_first_new_max_us"] / 1000) : "-"), f["stale"],
            f["probe_non2xx"] + f["probe_io_errors"] + f["timeouts"] + f["inproc_timeouts"]
        }'
      done <"$OUT/switching-idle.txt"
    fi
  } >"$OUT/summary.md"
  cat "$OUT/summary.md"
}

switch_contender() { # name mode output-file; prints the SWITCH-SUMMARY line
  local port args
  port=$(contender_field "$1" 2)
  case "$2" in
    admin) args=(admin "$TMP/$1-admin.sock") ;;
    nginx) args=(nginx "$NGINX_DIR/upstream.conf" "$BLUE_PORT" "$GREEN_PORT" \
      nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log" -s reload) ;;
    haproxy) args=(haproxy "$HAPROXY_SOCKET" "$HAPROXY_MAP") ;;
    *) die "unknown switch mode $2" ;;
  esac
  java -cp "$JAR" "$PKG.Switcher" "$port" "$CONTROL_PORT" "$SWITCHES" "$SWITCH_INTERVAL_MS" "${args[@]}" \
    >"$3" 2>&1 || die "switcher failed: $(tail -5 "$3")"
  grep '^SWITCH-SUMMARY ' "$3"
}

# --- the run -----------------------------------------------------------------------------------
main() {
  ensure_tools
  if [[ -z "${SKIP_BUILD:-}" || ! -f "$JAR" ]]; then
    log "building $JAR"
    (cd "$ROOT" && mvn -B -ntp -q -pl benchmarks/http -am package -DskipTests) >&2
  fi
  mkdir -p "$OUT"
  for c in "${CONTENDERS[@]}"; do
    read -r name kind port _ <<<"$c"
    if selected "$name" && [[ "$kind" != upstream ]]; then
      port_free "$port" || die "port $port ($name) is in use; set BASE_PORT"
    fi
  done
  port_free "$BLUE_PORT" && port_free "$GREEN_PORT" && port_free "$CONTROL_PORT" \
    || die "upstream ports in use; set BASE_PORT"
  if [[ -n "$QUIET_LOAD" ]]; then
    local until=$((SECONDS + QUIET_WAIT))
    while ((SECONDS < until)) && awk -v l="$(load1)" -v q="$QUIET_LOAD" 'BEGIN {exit !(l >= q)}'; do
      log "load1 $(load1) >= $QUIET_LOAD; waiting"
      sleep 15
    done
  fi
  record_environment

  log "starting upstreams blue:$BLUE_PORT green:$GREEN_PORT"
  java $JAVA_OPTS -cp "$JAR" "$PKG.Upstreams" "$BLUE_PORT" "$GREEN_PORT" "$CONTROL_PORT" \
    >"$TMP/upstreams.log" 2>&1 &
  PIDS+=($!)
  await_body "$BLUE_PORT" blue upstream
  await_body "$GREEN_PORT" green upstream

  local active=()
  for c in "${CONTENDERS[@]}"; do
    read -r name kind port main <<<"$c"
    selected "$name" || continue
    case "$kind" in
      upstream) ;;
      java) start_java "$name" "$main" "$port" ;;
      nginx) start_nginx "$port" ;;
      haproxy) start_haproxy "$port" ;;
      *) die "unknown kind $kind" ;;
    esac
    active+=("$name")
  done
  for name in "${active[@]}"; do
    await_body "$(contender_field "$name" 2)" blue "$name"
  done
  log "contenders up: ${active[*]}"

  log "warming up ${WARMUP}s each"
  for name in "${active[@]}"; do
    run_load "$(contender_field "$name" 2)" "$WARMUP" "$OUT/warmup-$name.txt" >/dev/null
  done

  local n=${#active[@]} round i name result
  for ((round = 1; round <= ROUNDS; round++)); do
    for ((i = 0; i < n; i++)); do
      name=${active[$(((i + round - 1) % n))]} # each round starts one contender later
      log "round $round/$ROUNDS: $name (load1 $(load1))"
      result=$(run_load "$(contender_field "$name" 2)" "$DURATION" "$OUT/wrk-$name-$round.txt")
      echo "contender=$name round=$round load1=$(load1) ${result#RESULT }" >>"$OUT/throughput.txt"
    done
  done

  local pair a b first second
  for pair in "${PAIRED[@]}"; do
    read -r a b <<<"$pair"
    selected "$a" && selected "$b" || continue
    [[ "$a" != direct || "$PROTOCOL" == ws ]] || continue
    for ((i = 1; i <= PAIRS; i++)); do
      if ((i % 2)); then first=$a second=$b; else first=$b second=$a; fi
      log "pair $i/$PAIRS: $first then $second (load1 $(load1))"
      local r1 r2
      r1=$(run_load "$(contender_field "$first" 2)" "$PAIR_DURATION" "$OUT/pair-$first-$i.txt")
      r2=$(run_load "$(contender_field "$second" 2)" "$PAIR_DURATION" "$OUT/pair-$second-$i.txt")
      echo "baseline=$a candidate=$b pair=$i load1=$(load1) first=$first" \
        "$first:${r1#RESULT }" "$second:${r2#RESULT }" >>"$OUT/pairs.txt"
    done
  done

  if [[ "$PROTOCOL" != http1 ]]; then
    log "no switching runs over $PROTOCOL: the adapters' conformance tests switch under that load"
    SWITCHING=()
  fi
  for s in "${SWITCHING[@]}"; do
    read -r name mode <<<"$s"
    selected "$name" || continue
    log "switching $name $SWITCHES times under load"
    # wrk runs until the switcher is done (SIGINT makes it stop and report), however long the
    # switches take: a reload on a loaded machine can take a second.
    env WRK_COUNT=1 wrk -t"$THREADS" -c"$CONNECTIONS" -d3600s --latency -H "Host: $HOST" \
      -s "$HERE/count.lua" "http://127.0.0.1:$(contender_field "$name" 2)/" \
      >"$OUT/switch-wrk-$name.txt" 2>&1 &
    local wrk_pid=$!
    PIDS+=("$wrk_pid")
    sleep 2 # let wrk reach steady state before the first switch
    summary=$(switch_contender "$name" "$mode" "$OUT/switcher-$name.txt")
    sleep 1
    kill -INT "$wrk_pid"
    wait "$wrk_pid" || true
    result=$(grep '^RESULT ' "$OUT/switch-wrk-$name.txt") || die "wrk produced no result"
    echo "contender=$name load1=$(load1) ${result#RESULT } ${summary#SWITCH-SUMMARY }" >>"$OUT/switching.txt"
  done
  for s in "${SWITCHING[@]}"; do
    read -r name mode <<<"$s"
    selected "$name" || continue
    log "switching $name $SWITCHES times without load"
    summary=$(switch_contender "$name" "$mode" "$OUT/switcher-idle-$name.txt")
    echo "contender=$name load1=$(load1) ${summary#SWITCH-SUMMARY }" >>"$OUT/switching-idle.txt"
  done

  echo "uptime at end: $(uptime)" >>"$OUT/environment.txt"
  summarise
  log "results in $OUT"
}

main "$@"
