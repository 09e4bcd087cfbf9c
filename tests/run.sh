#!/usr/bin/env bash
# The test command: installs what it needs, starts a private Azurite, runs every default test, stops Azurite.
# MEDPAY_TEST_FILTER replaces the default filter "Category!=Long" (for example
# MEDPAY_TEST_FILTER="FullyQualifiedName~Payment", or "Category=Long" for the long runs); other arguments go to `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/azurite.sh

install_node_tools
dotnet restore MedPay.sln
# The console's browser tests drive Debian's headless Chromium (ConsoleTests, MEDPAY_CHROMIUM to use another).
if [[ -z ${MEDPAY_CHROMIUM:-} ]] && ! command -v chromium >/dev/null; then
  echo "Installing Debian's chromium for the console's browser tests..."
  if [[ $(id -u) == 0 ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi

data=$(mktemp -d "${TMPDIR:-/tmp}/medpay-test-azurite.XXXXXX")
cleanup() { stop_azurite; rm -rf "$data"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
start_azurite "$data" "$(free_port)" "$(free_port)" "$(free_port)"

# Long chaos and load runs carry the trait Category=Long and are not part of the default run.
set +e
dotnet test MedPay.sln --no-restore --filter "${MEDPAY_TEST_FILTER:-Category!=Long}" "$@" 2>&1 | tee "$data/test.log"
status=${PIPESTATUS[0]}
set -e
count() { grep -oE "$1: +[0-9]+," "$data/test.log" | grep -oE '[0-9]+' | awk '{ n += $1 } END { print n + 0 }'; }
echo "tests: $(count Passed) passed, $(count Failed) failed, $(count Skipped) skipped"
exit "$status"
