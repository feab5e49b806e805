import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

/** What the pool hands each subscriber thread. */
export interface PushWorkerData {
  url: string;
  count: number;
  serviceId: string;
}

const now = () => performance.timeOrigin + performance.now();
const MARK = Buffer.from('"instanceId":"');
const FLUSH_MS = 100;

function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const body = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) body[i] = payload[i]! ^ mask[i % 4]!;
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, body]);
}

function subscribe(data: PushWorkerData, onData: (chunk: Buffer) => void): Promise<net.Socket> {
  const { hostname, port, pathname } = new URL(data.url);
  const socket = net.connect(Number(port), hostname);
  socket.setNoDelay(true);
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(`GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    socket.once('data', (chunk: Buffer) => {
      if (!chunk.toString('latin1').startsWith('HTTP/1.1 101')) return reject(new Error(chunk.toString('latin1').split('\r\n')[0]));
      socket.on('data', onData);
      socket.write(maskedTextFrame(JSON.stringify({ serviceId: data.serviceId })));
      resolve(socket);
    });
  });
}

async function main(data: PushWorkerData): Promise<void> {
  let arrivals: Array<[string, number]> = [];
  const record = (chunk: Buffer) => {
    const at = now();
    for (let from = chunk.indexOf(MARK); from >= 0; from = chunk.indexOf(MARK, from + 1)) {
      const start = from + MARK.length;
      arrivals.push([chunk.toString('latin1', start, chunk.indexOf(34, start)), at]);
    }
  };
  const sockets: net.Socket[] = [];
  try {
    for (let i = 0; i < data.count; i++) sockets.push(await subscribe(data, record));
  } catch (err) {
    parentPort!.postMessage({ error: (err as Error).message });
    return;
  }
  const timer = setInterval(() => {
    if (arrivals.length > 0) parentPort!.postMessage({ arrivals });
    arrivals = [];
  }, FLUSH_MS);
  parentPort!.postMessage({ ready: true });
  parentPort!.once('message', () => {
    clearInterval(timer);
    parentPort!.postMessage({ arrivals, last: true });
    for (const s of sockets) s.destroy();
  });
}

await main(workerData as PushWorkerData);
