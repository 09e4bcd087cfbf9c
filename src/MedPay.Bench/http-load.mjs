// Sends each prepared payment request once, at the given number of connections, and prints one JSON line of results.
// Usage: node http-load.mjs <base url> <prepared.json: [[path, body, authorization], ...]> <connections>
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';

const [url, file, connections] = process.argv.slice(2);
const prepared = JSON.parse(readFileSync(file, 'utf8'));
let next = 0;
const result = await autocannon({
  url,
  connections: Number(connections),
  amount: prepared.length,
  timeout: 30,
  requests: [{
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    setupRequest: (request) => {
      const [path, body, authorization] = prepared[next++ % prepared.length];
      return { ...request, path, body, headers: { ...request.headers, authorization } };
    },
  }],
});
const ok = result['2xx'];
const seconds = result.duration;
console.log(JSON.stringify({
  ok, non2xx: result.non2xx, errors: result.errors + result.timeouts, seconds,
  p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max,
}));
