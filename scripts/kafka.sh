#!/usr/bin/env bash
# Throwaway Kafka-protocol broker for tests (franz-go's kfake, in memory).
#
#   scripts/kafka.sh start [DIR]   build scripts/kfake once (cached in
#                                  .dpone/bin) and start it on a free loopback
#                                  port; prints `export DPONE_TEST_KAFKA_BROKERS=...`
#                                  and, without SASL, the test Schema Registry it
#                                  also serves: `export DPONE_TEST_SCHEMA_REGISTRY_URL=...`
#   scripts/kafka.sh stop  [DIR]   stop the broker started in DIR (by PID)
#
# With DPONE_KAFKA_SASL=MECHANISM:USER:PASSWORD the broker requires SASL;
# with DPONE_KAFKA_TLS=1 it serves TLS only, with a self-signed certificate
# for 127.0.0.1 whose PEM is DIR/ca.pem (printed as DPONE_TEST_KAFKA_CA).
#
# DIR defaults to .dpone/test-kafka. No Kafka broker package exists on these
# machines; kfake speaks the real wire protocol (produce, consumer groups,
# committed offsets, idempotent and transactional producers), so librdkafka
# (confluent-kafka-go) talks to it as to a real broker. Data lives in memory;
# with DPONE_KAFKA_DATA=1 topics live in segment files under DIR/data (the
# page cache holds them, as a real broker's), emptied at start and stop:
# scripts/bench.sh uses it (millions of messages).
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/.dpone/bin/kfake
cmd=${1:-}; dir=${2:-$root/.dpone/test-kafka}

case "$cmd" in
start)
  mkdir -p "$dir" "$(dirname "$bin")"
  if [ ! -x "$bin" ] || [ -n "$(find "$root/scripts/kfake" -newer "$bin" -type f)" ]; then
    (cd "$root/scripts/kfake" && GOWORK=off go build -o "$bin" .)
  fi
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    addr=$(cat "$dir/addr")
  else
    : > "$dir/broker.log"   # exists before the loop below reads it (set -e)
    rm -rf "$dir/data"
    reg=-registry
    [ -n "${DPONE_KAFKA_SASL:-}${DPONE_KAFKA_TLS:-}" ] && reg=
    setsid "$bin" -partitions "${DPONE_KAFKA_PARTITIONS:-3}" ${DPONE_KAFKA_SASL:+-sasl "$DPONE_KAFKA_SASL"} ${DPONE_KAFKA_TLS:+-tls "$dir"} $reg ${DPONE_KAFKA_DATA:+-data "$dir/data"} >"$dir/broker.log" 2>&1 < /dev/null &
    echo $! > "$dir/pid"
    addr=""
    for _ in $(seq 1 100); do
      addr=$(sed -n 's/^listening //p' "$dir/broker.log" | head -1 || true)
      [ -n "$addr" ] && break
      kill -0 "$(cat "$dir/pid")" 2>/dev/null || { cat "$dir/broker.log" >&2; exit 1; }
      sleep 0.1
    done
    [ -n "$addr" ] || { echo "kafka.sh: broker did not start in 10 s" >&2; cat "$dir/broker.log" >&2; exit 1; }
    echo "$addr" > "$dir/addr"
    sed -n 's/^registry //p' "$dir/broker.log" | head -1 > "$dir/registry"
  fi
  echo "export DPONE_TEST_KAFKA_BROKERS=$addr"
  if [ -s "$dir/ca.pem" ]; then echo "export DPONE_TEST_KAFKA_CA=$dir/ca.pem"; fi
  if [ -s "$dir/registry" ]; then echo "export DPONE_TEST_SCHEMA_REGISTRY_URL=$(cat "$dir/registry")"; fi
  ;;
stop)
  if [ -f "$dir/pid" ]; then
    pid=$(cat "$dir/pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$dir/pid" "$dir/addr" "$dir/registry" "$dir/ca.pem"
    rm -rf "$dir/data"
  fi
  ;;
*) echo "usage: scripts/kafka.sh start|stop [DIR]" >&2; exit 2 ;;
esac
