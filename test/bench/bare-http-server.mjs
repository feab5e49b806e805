// The "bare node:http" reference of `npm run bench:compare`: a server with no framework that
// answers each known route with bytes captured from a real Artemis response (same status,
// headers and body). POST bodies are read in full and ignored.
//
//   node test/bench/bare-http-server.mjs <routes.json>
// routes.json: { "GET /api/discovery/service.json": { "status": 200, "headers": {...}, "body": "<base64>" }, ... }
// Prints {"port":N} on stdout once listening on 127.0.0.1 (a free port).
import { readFileSync } from 'node:fs';
import http from 'node:http';

const routes = new Map(
  Object.entries(JSON.parse(readFileSync(process.argv[2], 'utf8'))).map(([key, r]) => [key, { status: r.status, headers: r.headers, body: Buffer.from(r.body, 'base64') }]),
);

function answer(res, route) {
  if (route === undefined) {
    res.writeHead(404, { 'content-type': 'text/plain', 'content-length': 9 });
    res.end('not found');
    return;
  }
  res.writeHead(route.status, { ...route.headers, 'content-length': route.body.length });
  res.end(route.body);
}

const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const q = req.url.indexOf('?');
  const route = routes.get(`${req.method} ${q < 0 ? req.url : req.url.slice(0, q)}`);
  if (req.method === 'GET' || req.method === 'HEAD') {
    answer(res, route);
    req.resume();
    return;
  }
  req.on('data', () => undefined);
  req.on('end', () => answer(res, route));
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
