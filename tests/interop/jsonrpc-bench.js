'use strict';
// vscode-jsonrpc's side of `tests/bench/run jsonrpc`: a server answering "add", or a client timing it.
//   node jsonrpc-bench.js server /path.sock                        -> prints "LISTENING /path.sock"
//   node jsonrpc-bench.js client /path.sock SECONDS CONCURRENCY WARMUP_SECONDS -> prints one JSON line
const net = require('net');
const rpc = require('vscode-jsonrpc/node');

function connectionOver(socket) {
  return rpc.createMessageConnection(new rpc.StreamMessageReader(socket), new rpc.StreamMessageWriter(socket));
}

function runServer(path) {
  const server = net.createServer((socket) => {
    const connection = connectionOver(socket);
    connection.onRequest('add', (a, b) => a + b);
    connection.listen();
  });
  server.listen(path, () => console.log(`LISTENING ${path}`));
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

// `callers` loops of back-to-back calls for `seconds`; latency per call in microseconds.
async function phase(connection, seconds, callers) {
  const latencies = [];
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const started = process.hrtime.bigint();
  const loop = async () => {
    while (process.hrtime.bigint() < deadline) {
      const t0 = process.hrtime.bigint();
      const sum = await connection.sendRequest('add', 1, 2);
      if (sum !== 3) throw new Error(`add returned ${sum}`);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  };
  await Promise.all(Array.from({ length: callers }, loop));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return { calls: latencies.length, callsPerSecond: latencies.length / elapsed, p50Us: percentile(latencies, 0.5), p99Us: percentile(latencies, 0.99) };
}

async function runClient(path, seconds, concurrency, warmup) {
  const socket = net.connect(path);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const connection = connectionOver(socket);
  connection.listen();
  await phase(connection, warmup, 1);
  const sequential = await phase(connection, seconds, 1);
  const concurrent = await phase(connection, seconds, concurrency);
  console.log(JSON.stringify({ sequential, concurrent }));
  connection.dispose();
  socket.end();
}

const [mode, path, seconds, concurrency, warmup] = process.argv.slice(2);
if (mode === 'server' && path) {
  runServer(path);
} else if (mode === 'client' && path) {
  runClient(path, Number(seconds ?? 3), Number(concurrency ?? 16), Number(warmup ?? 1)).then(
    () => process.exit(0),
    (e) => {
      console.error(`bench client failed: ${e.stack || e}`);
      process.exit(1);
    });
} else {
  console.error('usage: jsonrpc-bench.js server PATH | client PATH SECONDS CONCURRENCY WARMUP_SECONDS');
  process.exit(64);
}
