// External MCP gateways as an E2B sandbox serves one, for the external-gateway tests. Started by
// the tests with Node 24 from tests/peers:
//
//   node tests/peers/ext-gateway.mjs --token TOKEN --cert CERT.pem --key KEY.pem [--redirect-to URL]
//
// prints one JSON line once every listener is up on 127.0.0.1, naming each by its base URL:
//   gateway   GET /healthcheck answers 200 with `Authorization: Bearer TOKEN`, 401 without it;
//             /mcp is a streamable-HTTP MCP server (stateless) behind the same token, with the
//             tool `sandbox_echo` {text} answering "sandbox: <text>"
//   failing   /healthcheck answers 500
//   hanging   accepts connections and never answers
//   redirect  /healthcheck answers 302 to --redirect-to (default https://sandbox.example.org/healthcheck)
//   tls       the gateway over https with the given (self-signed) certificate
//
// Test hook, never used by Berth: GET /test/stats on `gateway` gives {"health": n, "mcp": n,
// "unauthorized": n}, the requests each path saw.
import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
import { parseArgs } from 'node:util';

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const { values: args } = parseArgs({
  options: {
    token: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    'redirect-to': { type: 'string', default: 'https://sandbox.example.org/healthcheck' },
  },
});
const TOKEN = args.token;
const stats = { health: 0, mcp: 0, unauthorized: 0 };

const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

function tools() {
  const server = new McpServer({ name: 'sandbox-gateway', version: '1.0.0' });
  server.registerTool(
    'sandbox_echo',
    { description: 'Echoes the text from inside the sandbox', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text', text: `sandbox: ${text}` }] }),
  );
  return server;
}

async function gateway(req, res) {
  const path = req.url.split('?')[0];
  if (path === '/test/stats') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(stats));
    return;
  }
  if (path !== '/healthcheck' && path !== '/mcp') {
    res.statusCode = 404;
    res.end();
    return;
  }
  if (req.headers.authorization !== `Bearer ${TOKEN}`) {
    stats.unauthorized += 1;
    res.statusCode = 401;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ error: 'unauthorized' }));
    return;
  }
  if (path === '/healthcheck') {
    stats.health += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'ok' }));
    return;
  }
  stats.mcp += 1;
  const server = tools();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    transport.close();
    server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
}

const servers = {
  gateway: http.createServer(gateway),
  failing: http.createServer((_req, res) => {
    res.statusCode = 500;
    res.end('internal error');
  }),
  // Never answers: the request waits until the client gives up.
  hanging: http.createServer(() => {}),
  redirect: http.createServer((_req, res) => {
    res.statusCode = 302;
    res.setHeader('location', args['redirect-to']);
    res.end();
  }),
  tls: https.createServer({ cert: fs.readFileSync(args.cert), key: fs.readFileSync(args.key) }, gateway),
};
const urls = {};
for (const [name, server] of Object.entries(servers)) {
  const port = await listen(server);
  urls[name] = `${name === 'tls' ? 'https' : 'http'}://127.0.0.1:${port}`;
}
process.stdout.write(`${JSON.stringify(urls)}\n`);
process.on('SIGTERM', () => process.exit(0));
