#!/usr/bin/env bash
# Sourced by the run and test commands: start_azurite DIR BLOB QUEUE TABLE, stop_azurite.
# Azurite is started through node directly so that we hold its one PID (killing `npx` would leave node running).

AZURITE_PID=""
AZURITE_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

# Call as `detached COMMAND... &`: the background job becomes COMMAND itself (so $! is its PID) in a session of its
# own, so that Ctrl-C in the terminal reaches only the script, which then stops its children in order (API, silo,
# then Azurite) instead of all at once.
detached() {
  if command -v setsid >/dev/null 2>&1; then exec setsid "$@"; else exec "$@"; fi
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# Every NAME=PORT pair whose port cannot be bound on 127.0.0.1 right now, one per line; nothing when all are free.
taken_ports() { # NAME=PORT...
  node -e "
    const net = require('net');
    const check = ([name, port]) => new Promise(done => {
      const s = net.createServer();
      s.once('error', () => done(name + '=' + port));
      s.listen(Number(port), '127.0.0.1', () => s.close(() => done(null)));
    });
    Promise.all(process.argv.slice(1).map(a => a.split('='))).then(pairs => Promise.all(pairs.map(check)))
      .then(r => { for (const t of r) if (t) console.log(t); });" "$@"
}

wait_for_port() { # PORT SECONDS WHAT [PID: fails at once if it exits]
  local deadline=$((SECONDS + $2))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    if [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null; then
      echo "error: $3 stopped before it opened 127.0.0.1:$1" >&2
      return 1
    fi
    if ((SECONDS >= deadline)); then
      echo "error: $3 did not open 127.0.0.1:$1 within $2 s" >&2
      return 1
    fi
    sleep 0.2
  done
}

start_azurite() { # DIR BLOB QUEUE TABLE
  mkdir -p "$1"
  detached node node_modules/azurite/dist/src/azurite.js --silent --location "$1" \
    --blobHost 127.0.0.1 --blobPort "$2" --queueHost 127.0.0.1 --queuePort "$3" \
    --tableHost 127.0.0.1 --tablePort "$4" --skipApiVersionCheck >"$1/azurite.log" 2>&1 &
  AZURITE_PID=$!
  if ! { wait_for_port "$4" 60 Azurite "$AZURITE_PID" && wait_for_port "$2" 60 Azurite "$AZURITE_PID"; }; then
    cat "$1/azurite.log" >&2
    return 1
  fi
  export MedPay__Storage__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$AZURITE_KEY;BlobEndpoint=http://127.0.0.1:$2/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$3/devstoreaccount1;TableEndpoint=http://127.0.0.1:$4/devstoreaccount1;"
}

stop_pid() { # PID: TERM, wait up to 10 s, then KILL
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

stop_azurite() { stop_pid "$AZURITE_PID"; AZURITE_PID=""; }

# npm ci, unless node_modules already holds exactly what package-lock.json pins.
install_node_tools() {
  if ! cmp -s package-lock.json node_modules/.medpay-package-lock.json 2>/dev/null; then
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.medpay-package-lock.json
  fi
}
