#!/usr/bin/env bash
# Starts a local 3-node cluster on this machine: brokers 1-3, Akka.Remote on 4051-4053,
# HTTP on 8081-8083, Kafka listeners on 9091-9093, data in ./data/broker-N.
# Ctrl-C stops all three gracefully (controlled shutdown, then leave).
#   scripts/local-cluster.sh            # 3 nodes
#   NODES=5 scripts/local-cluster.sh    # 5 nodes
set -euo pipefail
cd "$(dirname "$0")/.."
NODES=${NODES:-3}

dotnet build src/Cluster.Node -c Release -nologo -clp:ErrorsOnly
mkdir -p data
seeds=$(seq -s, -f "127.0.0.1:%g" 4051 $((4050 + NODES)))
pids=()
stop_all() {
  echo "stopping ${#pids[@]} nodes..."
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop_all INT TERM

for i in $(seq 1 "$NODES"); do
  dotnet src/Cluster.Node/bin/Release/net10.0/Cluster.Node.dll \
    --broker-id "$i" --port $((4050 + i)) --http-port $((8080 + i)) --kafka-port $((9090 + i)) \
    --seed-nodes "$seeds" --data-dir "data/broker-$i" > "data/broker-$i.log" 2>&1 &
  pids+=($!)
  echo "broker $i: http://127.0.0.1:$((8080 + i))  (log: data/broker-$i.log)"
done

for i in $(seq 1 "$NODES"); do
  until curl -sf "http://127.0.0.1:$((8080 + i))/v1/health" >/dev/null; do sleep 0.5; done
done
echo "cluster up: curl http://127.0.0.1:8081/v1/cluster   (Ctrl-C stops it)"
wait "${pids[@]}"
