// Worker thread of push-fanout.ts: opens `count` WebSocket subscribers of one service over raw
// TCP (handshake and frames by hand, so the measuring side costs as little as possible) and
// records when each pushed change arrives (epoch ms with fractions, comparable across threads).
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

const now = () => performance.timeOrigin + performance.now();
const { url, count, serviceId } = workerData;
const { hostname, port, pathname } = new URL(url);
const received = new Map();
let frameBytes = 0;
const sockets = [];
const MARK = Buffer.from('"instanceId":"');

function maskedTextFrame(text) {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const header = Buffer.from([0x81, 0x80 | payload.length]);
  const body = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) body[i] = payload[i] ^ mask[i % 4];
  return Buffer.concat([header, mask, body]);
}

function record(chunk) {
  const at = now();
  frameBytes = chunk.length;
  for (let from = chunk.indexOf(MARK); from >= 0; from = chunk.indexOf(MARK, from + 1)) {
    const start = from + MARK.length;
    const id = chunk.toString('latin1', start, chunk.indexOf(34, start));
    let list = received.get(id);
    if (list === undefined) received.set(id, (list = []));
    list.push(at);
  }
}

for (let i = 0; i < count; i++) {
  const socket = net.connect(Number(port), hostname);
  socket.setNoDelay(true);
  await new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(
        `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.once('data', (chunk) => {
      if (!chunk.toString('latin1').startsWith('HTTP/1.1 101')) reject(new Error(chunk.toString()));
      else resolve();
    });
  });
  socket.on('data', record);
  socket.write(maskedTextFrame(JSON.stringify({ serviceId })));
  sockets.push(socket);
}
parentPort.postMessage({ ready: true });
parentPort.once('message', () => {
  parentPort.postMessage({ received: [...received.entries()], frameBytes });
  for (const s of sockets) s.destroy();
});
