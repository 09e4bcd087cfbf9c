#!/usr/bin/env bash
# The run command: installs what it needs, then starts Azurite (data in .azurite/), the sandbox insurance platform,
# one silo (or N with --silos N) and the API on 127.0.0.1. Ctrl-C stops them all. State (MedPay's and the sandbox's)
# is kept in .azurite/. Every port can be moved by an environment variable (see PORTS below, and README "Run"); all
# are checked before anything starts, and a port in use stops the command at once with its name.
#   ./src/run.sh             one silo, localhost clustering
#   ./src/run.sh --silos 3   three silos in one cluster (Azure Table membership on the local Azurite), silo k on the
#                            cluster, gateway and HTTP ports of silo 1 plus k-1; it runs on while one silo lives
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/azurite.sh

silos=1
while (($#)); do
  case $1 in
    --silos) silos=${2:-}; shift 2 || { echo "error: --silos wants a number" >&2; exit 2; } ;;
    --silos=*) silos=${1#--silos=}; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "error: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
if ! [[ $silos =~ ^[1-9]$ ]]; then
  echo "error: --silos takes 1 to 9" >&2
  exit 2
fi

api_port=${MEDPAY_API_PORT:-5080}
sandbox_port=${MEDPAY_SANDBOX_PORT:-5090}
blob_port=${MEDPAY_AZURITE_BLOB_PORT:-10000}
queue_port=${MEDPAY_AZURITE_QUEUE_PORT:-10001}
table_port=${MEDPAY_AZURITE_TABLE_PORT:-10002}
silo_port=${MEDPAY_SILO_PORT:-11111}
gateway_port=${MEDPAY_GATEWAY_PORT:-30000}
silo_http_port=${MEDPAY_SILO_HTTP_PORT:-5081}
# What needs each port, and the variable that moves it.
PORTS=(
  "$blob_port:Azurite blob:MEDPAY_AZURITE_BLOB_PORT" "$queue_port:Azurite queue:MEDPAY_AZURITE_QUEUE_PORT"
  "$table_port:Azurite table:MEDPAY_AZURITE_TABLE_PORT" "$sandbox_port:the sandbox platform:MEDPAY_SANDBOX_PORT"
  "$api_port:the API:MEDPAY_API_PORT")
for ((k = 0; k < silos; k++)); do
  PORTS+=("$((silo_port + k)):silo $((k + 1))'s cluster port:MEDPAY_SILO_PORT"
    "$((gateway_port + k)):silo $((k + 1))'s client gateway:MEDPAY_GATEWAY_PORT"
    "$((silo_http_port + k)):silo $((k + 1))'s health and metrics:MEDPAY_SILO_HTTP_PORT")
done
check_ports() {
  local pairs=() entry taken port failed=0
  for entry in "${PORTS[@]}"; do
    port=${entry%%:*}
    if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
      echo "error: ${entry##*:}=$port is not a port number" >&2
      exit 2
    fi
    pairs+=("$port=$port")
  done
  taken=$(taken_ports "${pairs[@]}")
  for entry in "${PORTS[@]}"; do
    port=${entry%%:*}
    if grep -qx "$port=$port" <<<"$taken"; then
      local rest=${entry#*:}
      echo "error: port $port (${rest%:*}) is in use; stop what holds it, or set ${rest##*:} to another port" >&2
      failed=1
    fi
  done
  if ((failed)); then exit 2; fi
}

install_node_tools
check_ports
dotnet build src/MedPay.Sandbox/MedPay.Sandbox.csproj -c Release --nologo -v quiet
dotnet build src/MedPay.Silo/MedPay.Silo.csproj -c Release --nologo -v quiet
dotnet build src/MedPay.Api/MedPay.Api.csproj -c Release --nologo -v quiet

SANDBOX_PID=""
SILO_PIDS=()
API_PID=""
stop_all() {
  trap - EXIT INT TERM
  echo "MedPay: stopping..."
  stop_pid "$API_PID"
  local pid
  for pid in "${SILO_PIDS[@]}"; do stop_pid "$pid"; done
  stop_pid "$SANDBOX_PID"
  stop_azurite
  echo "MedPay: stopped."
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# Checked again right before starting: the build may have taken a while.
check_ports
start_azurite .azurite "$blob_port" "$queue_port" "$table_port"

export DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development
# Development settings: callbacks may go to a receiver on this machine (production refuses loopback and private addresses).
export MedPay__Notifications__AllowedCallbackHosts__0=127.0.0.1
# The sandbox insurance platform and cash channel, a process of their own with their tables on the same Azurite;
# the silo reaches them over HTTP with signed envelopes (development keys), as it would the national platform.
Sandbox__StorageConnectionString="$MedPay__Storage__ConnectionString" ASPNETCORE_URLS="http://127.0.0.1:$sandbox_port" detached dotnet src/MedPay.Sandbox/bin/Release/net10.0/MedPay.Sandbox.dll &
SANDBOX_PID=$!
wait_for_port "$sandbox_port" 120 "the sandbox platform" "$SANDBOX_PID"
export MedPay__Platform__BaseAddress="http://127.0.0.1:$sandbox_port/"
if ((silos > 1)); then
  # One cluster of N silos on this machine: membership in an Azure table on the local Azurite, a cluster id of this
  # run's own (so that silos of an earlier run are never probed), every silo advertised and reached on loopback.
  export MedPay__Clustering__Provider=AzureTable MedPay__Clustering__AdvertisedIP=127.0.0.1
  export MedPay__Clustering__ClusterId="medpay-local-$(date +%s)"
fi
for ((k = 0; k < silos; k++)); do
  MedPay__Clustering__SiloPort=$((silo_port + k)) MedPay__Clustering__GatewayPort=$((gateway_port + k)) \
    MedPay__Silo__HttpPort=$((silo_http_port + k)) detached dotnet src/MedPay.Silo/bin/Release/net10.0/MedPay.Silo.dll &
  SILO_PIDS+=($!)
done
for ((k = 0; k < silos; k++)); do
  wait_for_port "$((gateway_port + k))" 120 "silo $((k + 1))" "${SILO_PIDS[k]}"
done
export MedPay__Clustering__GatewayPort="$gateway_port"

ASPNETCORE_URLS="http://127.0.0.1:$api_port" detached dotnet src/MedPay.Api/bin/Release/net10.0/MedPay.Api.dll &
API_PID=$!
deadline=$((SECONDS + 120))
until node -e "fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" "http://127.0.0.1:$api_port/health/ready"; do
  if ((SECONDS >= deadline)) || ! kill -0 "$API_PID" 2>/dev/null; then
    echo "error: the API did not become ready" >&2
    exit 1
  fi
  sleep 0.5
done

echo
echo "MedPay is running: http://127.0.0.1:$api_port  (OpenAPI: /openapi/v1.json). Ctrl-C stops it."
echo "The sandbox insurance platform: http://127.0.0.1:$sandbox_port  (admin key: sandbox-development-admin-key)"
for ((k = 0; k < silos; k++)); do
  echo "Silo $((k + 1)): pid ${SILO_PIDS[k]}, health and metrics http://127.0.0.1:$((silo_http_port + k))/health/ready"
done
echo
# Runs until Ctrl-C, or until Azurite, the sandbox or the API stops by itself, or the last silo does. A silo that
# stops (kill one to watch the cluster lose it) is reported, and the others carry on.
live=("${SILO_PIDS[@]}")
while true; do
  wait -n "$AZURITE_PID" "$SANDBOX_PID" "$API_PID" "${live[@]}" || true
  for pid in "$AZURITE_PID" "$SANDBOX_PID" "$API_PID"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "error: a MedPay process (pid $pid) stopped unexpectedly" >&2
      exit 1
    fi
  done
  still=()
  for pid in "${live[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then still+=("$pid"); else echo "MedPay: silo pid $pid stopped"; fi
  done
  live=("${still[@]}")
  if ((${#live[@]} == 0)); then
    echo "error: no silo is left" >&2
    exit 1
  fi
  echo "MedPay: ${#live[@]} silo(s) still running"
done
