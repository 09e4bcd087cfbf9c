#!/usr/bin/env bash
# The run command: installs what it needs, then starts Azurite (data in .azurite/), the sandbox insurance platform,
# one silo and the API on 127.0.0.1. Ctrl-C stops all four. State (MedPay's and the sandbox's) is kept in .azurite/.
# MEDPAY_API_PORT (default 5080) moves the API, MEDPAY_SANDBOX_PORT (default 5090) the sandbox platform.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/azurite.sh

api_port=${MEDPAY_API_PORT:-5080}
sandbox_port=${MEDPAY_SANDBOX_PORT:-5090}
install_node_tools
dotnet build src/MedPay.Sandbox/MedPay.Sandbox.csproj -c Release --nologo -v quiet
dotnet build src/MedPay.Silo/MedPay.Silo.csproj -c Release --nologo -v quiet
dotnet build src/MedPay.Api/MedPay.Api.csproj -c Release --nologo -v quiet

SANDBOX_PID=""
SILO_PID=""
API_PID=""
stop_all() {
  trap - EXIT INT TERM
  echo "MedPay: stopping..."
  stop_pid "$API_PID"
  stop_pid "$SILO_PID"
  stop_pid "$SANDBOX_PID"
  stop_azurite
  echo "MedPay: stopped."
}
trap stop_all EXIT
trap 'exit 130' INT TERM

start_azurite .azurite 10000 10001 10002

export DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development
# Development settings: callbacks may go to a receiver on this machine (production refuses loopback and private addresses).
export MedPay__Notifications__AllowedCallbackHosts__0=127.0.0.1
# The sandbox insurance platform and cash channel, a process of their own with their tables on the same Azurite;
# the silo reaches them over HTTP with signed envelopes (development keys), as it would the national platform.
ASPNETCORE_URLS="http://127.0.0.1:$sandbox_port" detached dotnet src/MedPay.Sandbox/bin/Release/net10.0/MedPay.Sandbox.dll &
SANDBOX_PID=$!
wait_for_port "$sandbox_port" 120 "the sandbox platform"
export MedPay__Platform__BaseAddress="http://127.0.0.1:$sandbox_port/"
detached dotnet src/MedPay.Silo/bin/Release/net10.0/MedPay.Silo.dll &
SILO_PID=$!
wait_for_port 30000 120 "the silo"

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
echo
# Runs until Ctrl-C, or until one of the four stops by itself.
wait -n "$AZURITE_PID" "$SANDBOX_PID" "$SILO_PID" "$API_PID" || true
echo "error: a MedPay process stopped unexpectedly" >&2
exit 1
