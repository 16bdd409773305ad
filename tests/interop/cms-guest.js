'use strict';
// A guest of another make: vscode-jsonrpc (npm) plays an instance against the Jumpstart CMS over TCP,
// proving the CMS's wire contract (one params object per method, camelCase, JSON-RPC errors) is usable
// from outside .NET.
//   node cms-guest.js HOST:PORT DEPLOYMENT INSTANCE TOKEN OTHER_INSTANCE
// Prints one JSON line: { register, again, report, wait, peers, stolenCode, malformedCode }.
const net = require('net');
const rpc = require('vscode-jsonrpc/node');

const STEP_TIMEOUT_MS = 10000;

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), STEP_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function errorCode(promise) {
  try {
    await promise;
    return null;
  } catch (e) {
    return e.code;
  }
}

async function main() {
  const [address, deploymentId, instanceId, token, otherInstance] = process.argv.slice(2);
  const colon = address.lastIndexOf(':');
  const socket = net.connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) });
  await withTimeout(new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); }), 'connect');
  const connection = rpc.createMessageConnection(new rpc.StreamMessageReader(socket), new rpc.StreamMessageWriter(socket));
  connection.listen();
  // ParameterStructures.byName sends the object itself as "params" (not wrapped in an array).
  const call = (method, params) => withTimeout(connection.sendRequest(method, rpc.ParameterStructures.byName, params), method);
  const me = { deploymentId, instanceId, token };

  const register = await call('cms.register', { ...me, hostname: `js-${instanceId}`, addresses: ['192.0.2.10/24'] });
  const again = await call('cms.register', { ...me, hostname: `js-${instanceId}`, addresses: ['192.0.2.10/24'] });
  const report = await call('cms.report', { ...me, phase: 'ready', detail: 'from node' });
  const wait = await call('cms.wait', { ...me, role: 'master', phase: 'ready', minCount: 1, timeoutMs: 5000 });
  const peers = await call('cms.peers', me);
  const stolenCode = await errorCode(call('cms.report', { ...me, instanceId: otherInstance, phase: 'failed' }));
  const malformedCode = await errorCode(call('cms.report', { deploymentId, instanceId }));
  process.stdout.write(JSON.stringify({ register, again, report, wait, peers, stolenCode, malformedCode }) + '\n');
  connection.dispose();
  socket.destroy();
}

main().catch((e) => {
  process.stderr.write(`cms-guest: ${e.stack ?? e}\n`);
  process.exit(1);
});
