#!/usr/bin/env bash
# The benchmark command: installs what it needs, starts a private Azurite, runs the standard suite in Release and
# writes report.md and chart.png (by default into src/MedPay.Bench/results/). Arguments go to the bench program,
# e.g. --quick, --concurrency 1,16 --duration 5, --scenarios memory,peer, --out DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/azurite.sh

install_node_tools
dotnet build src/MedPay.Bench/MedPay.Bench.csproj -c Release --nologo -v quiet

data=$(mktemp -d "${TMPDIR:-/tmp}/medpay-bench-azurite.XXXXXX")
cleanup() { stop_azurite; rm -rf "$data"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
start_azurite "$data" "$(free_port)" "$(free_port)" "$(free_port)"

# The bench reads Azurite's CPU time, to tell whether a run on Azurite was bound by it.
MEDPAY_BENCH_AZURITE_PID="$AZURITE_PID" dotnet src/MedPay.Bench/bin/Release/net10.0/MedPay.Bench.dll "$@"
