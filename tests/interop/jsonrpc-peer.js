'use strict';
// An independent JSON-RPC peer for Jumpstart's interop tests: vscode-jsonrpc (the LSP library)
// over net sockets, as a server that our client calls or as a client that calls our server.
//   node jsonrpc-peer.js server tcp 127.0.0.1:0 | server unix /path.sock   -> prints "LISTENING <port|path>"
//   node jsonrpc-peer.js client tcp 127.0.0.1:PORT | client unix /path.sock -> prints one JSON line of results
const net = require('net');
const rpc = require('vscode-jsonrpc/node');

const STEP_TIMEOUT_MS = 10000;
const CANCEL_AFTER_MS = 100;

function connectionOver(socket) {
  return rpc.createMessageConnection(new rpc.StreamMessageReader(socket), new rpc.StreamMessageWriter(socket));
}

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), STEP_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function parseTcp(address) {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
}

// ---- server: our client calls these -----------------------------------------------------------
function serve(connection) {
  let cancelSeen = false;
  connection.onRequest('add', (a, b) => a + b);
  connection.onRequest('greet', (p) => `${p.greeting ?? 'hello'} ${p.name}`);
  connection.onRequest('echoObject', (p) => p);
  connection.onRequest('fail', (why) => {
    throw new rpc.ResponseError(-32001, why, { reason: why, retry: false });
  });
  connection.onRequest('callBack', (x) => connection.sendRequest('clientDouble', x));
  connection.onRequest('waitForCancel', (token) => new Promise((_, reject) => {
    token.onCancellationRequested(() => {
      cancelSeen = true;
      reject(new rpc.ResponseError(rpc.ErrorCodes.RequestCancelled, 'cancelled'));
    });
  }));
  connection.onRequest('cancelSeen', () => cancelSeen);
  connection.onNotification('note', (text) => connection.sendNotification('noted', `vscode got ${text}`));
  connection.onRequest('cancelOurs', async () => {
    const source = new rpc.CancellationTokenSource();
    const call = connection.sendRequest('ourWait', source.token);
    setTimeout(() => source.cancel(), CANCEL_AFTER_MS);
    try {
      await call;
      return 'completed';
    } catch (e) {
      return e.code;
    }
  });
  connection.onRequest('shutdown', () => {
    setImmediate(() => process.exit(0));
    return true;
  });
  connection.listen();
}

function runServer(transport, address) {
  const server = net.createServer((socket) => serve(connectionOver(socket)));
  if (transport === 'unix') {
    server.listen(address, () => console.log(`LISTENING ${address}`));
  } else {
    const { host, port } = parseTcp(address);
    server.listen(port, host, () => console.log(`LISTENING ${server.address().port}`));
  }
}

// ---- client: calls our server ----------------------------------------------------------------
async function errorOf(promise) {
  try {
    await promise;
    return null;
  } catch (e) {
    return { code: e.code, message: e.message, data: e.data };
  }
}

async function runClient(transport, address) {
  const socket = transport === 'unix' ? net.connect(address) : net.connect(parseTcp(address));
  await withTimeout(new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject)), 'connect');
  const connection = connectionOver(socket);

  let sawCancel = false;
  const noted = new Promise((resolve) => connection.onNotification('noted', resolve));
  connection.onRequest('clientDouble', (x) => x * 2);
  connection.onRequest('clientWait', (token) => new Promise((resolve) => {
    token.onCancellationRequested(() => {
      sawCancel = true;
      resolve('cancelled');
    });
  }));
  connection.onRequest('clientSawCancel', () => sawCancel);
  connection.listen();

  const results = {};
  const step = (name, promise) => withTimeout(promise, name).then((value) => { results[name] = value; });
  await step('positional', connection.sendRequest('Add', 2, 3));
  await step('named', connection.sendRequest('Greet', { name: 'ada', greeting: 'hi' }));
  await step('namedDefaults', connection.sendRequest('Greet', { name: 'bo' }));
  await step('singleObject', connection.sendRequest('cms.register', { instanceId: 'i-1', cores: 2, tags: ['x'] }));
  await step('error', errorOf(connection.sendRequest('Fail', 'no room')));
  await step('methodNotFound', errorOf(connection.sendRequest('nope')));
  await step('invalidParams', errorOf(connection.sendRequest('Add', 'x', 1)));
  await connection.sendNotification('note', 'ping');
  await step('notification', noted);
  await step('serverToClient', connection.sendRequest('callMeBack', { x: 21 }));

  const source = new rpc.CancellationTokenSource();
  const waiting = connection.sendRequest('WaitForCancel', source.token);
  setTimeout(() => source.cancel(), CANCEL_AFTER_MS);
  await step('cancel', errorOf(waiting));
  await step('cancelObserved', connection.sendRequest('CancelObserved'));
  await step('cancelFromServer', connection.sendRequest('cancelClientCall'));

  console.log(JSON.stringify(results));
  connection.dispose();
  socket.end();
}

const [mode, transport, address] = process.argv.slice(2);
if (!['server', 'client'].includes(mode) || !['tcp', 'unix'].includes(transport) || !address) {
  console.error('usage: jsonrpc-peer.js server|client tcp|unix ADDRESS');
  process.exit(64);
}

if (mode === 'server') {
  runServer(transport, address);
} else {
  runClient(transport, address).then(
    () => process.exit(0),
    (e) => {
      console.error(`interop client failed: ${e.stack || e}`);
      process.exit(1);
    });
}
