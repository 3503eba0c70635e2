// A real OAuth authorization server (oidc-provider) in front of an MCP server that accepts only
// its tokens, for sign-in tests. Started by the tests with Node 24 from tests/peers:
//
//   node tests/peers/oauth-mcp.mjs [--token-ttl SECONDS] [--refuse-custom-scheme]
//
// prints one JSON line, {"issuer", "mcp"}, once both listen on localhost. The authorization
// server registers clients dynamically (RFC 7591), takes resource indicators (RFC 8707), issues
// JWT access tokens for the MCP server that live --token-ttl seconds (default 30) and rotating
// refresh tokens (a refresh token used twice revokes the whole grant, as a strict server does),
// advertises RFC 7009 revocation, and signs the user in at once (no login page): a browser that
// follows its redirects comes back with a code. The MCP server (streamable HTTP, stateless)
// answers 401 with its protected-resource metadata until it gets a valid token, and offers
// `whoami` (the token's subject) and `echo`; the same tools are offered over the HTTP+SSE
// transport of 2024-11-05 at `/sse` (messages to `/messages`), behind the same sign-in. With --refuse-custom-scheme it refuses to register a
// client whose redirect is not http(s), such as `berth://oauth/callback`.
//
// A client is registered by hand as well: `berth-provider-test` (public, PKCE), whose redirects
// are the loopback address and berth://oauth/callback, for the provider sign-ins of container
// servers.
//
// Test hooks on the authorization server, never used by Berth:
//   GET  /test/stats            {"grants": {grant_type: count}, "revocations": n, "registrations": n}
//   GET  /test/tokens           {"access": [...], "refresh": [...]}: every token presented or issued
//   POST /test/revoke-refresh   forgets every refresh token (an administrator revoking them)
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const { values: args } = parseArgs({
  options: { 'token-ttl': { type: 'string', default: '30' }, 'refuse-custom-scheme': { type: 'boolean', default: false } },
});
const TTL = Number(args['token-ttl']);

const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

// Everything the provider keeps, in one map, so the test hook can forget refresh tokens.
const kept = new Map();
// Every token issued or presented, for the tests that look for them where they must not be.
const tokens = { access: new Set(), refresh: new Set() };
class Adapter {
  constructor(name) {
    this.name = name;
  }
  key(id) {
    return `${this.name}:${id}`;
  }
  async upsert(id, payload, expiresIn) {
    if (this.name === 'RefreshToken') tokens.refresh.add(id);
    kept.set(this.key(id), { payload, until: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
  }
  async find(id) {
    const e = kept.get(this.key(id));
    return e && e.until > Date.now() ? e.payload : undefined;
  }
  async findBy(field, value) {
    for (const [k, e] of kept) {
      if (k.startsWith(`${this.name}:`) && e.payload[field] === value && e.until > Date.now()) return e.payload;
    }
    return undefined;
  }
  async findByUid(uid) {
    return this.findBy('uid', uid);
  }
  async findByUserCode(code) {
    return this.findBy('userCode', code);
  }
  async consume(id) {
    const e = kept.get(this.key(id));
    if (e) e.payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id) {
    kept.delete(this.key(id));
  }
  async revokeByGrantId(grantId) {
    for (const [k, e] of kept) if (e.payload.grantId === grantId) kept.delete(k);
  }
}

const asServer = http.createServer();
const mcpServer = http.createServer();
const [asPort, mcpPort] = [await listen(asServer), await listen(mcpServer)];
const issuer = `http://localhost:${asPort}`;
const resource = `http://localhost:${mcpPort}/mcp`;
// The same server over the HTTP+SSE transport of 2024-11-05, behind the same sign-in.
const sseResource = `http://localhost:${mcpPort}/sse`;
const stats = { grants: {}, revocations: 0, registrations: 0 };

const provider = new Provider(issuer, {
  adapter: Adapter,
  // A client registered by hand, as a user registers one with a provider for Berth; loopback
  // redirects may use any port (RFC 8252).
  clients: [
    {
      client_id: 'berth-provider-test',
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback', 'berth://oauth/callback'],
    },
  ],
  scopes: ['openid', 'offline_access', 'mcp'],
  cookies: { keys: ['berth-test-cookie-key'] },
  pkce: { required: () => true },
  clientDefaults: { grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' },
  features: {
    devInteractions: { enabled: false },
    registration: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (_ctx, _client, oneOf) => oneOf ?? resource,
      useGrantedResource: () => true,
      // The MCP server, or the provider itself (what a client that names no resource server
      // gets: a token for a container's environment).
      getResourceServerInfo: (_ctx, indicator) => {
        if (indicator !== resource && indicator !== sseResource && indicator.replace(/\/$/, '') !== issuer) {
          throw new errors.InvalidTarget();
        }
        return { scope: 'mcp', audience: indicator, accessTokenTTL: TTL, accessTokenFormat: 'jwt' };
      },
    },
  },
  ttl: { AccessToken: TTL, AuthorizationCode: 60, RefreshToken: 86400, Grant: 86400, Session: 86400, Interaction: 600 },
  rotateRefreshToken: true,
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
});
provider.proxy = false;
// An authorization server that registers only http(s) redirects, as some do.
if (args['refuse-custom-scheme']) {
  provider.use(async (ctx, next) => {
    await next();
    const uris = ctx.path === '/reg' && ctx.status === 201 ? ctx.body?.redirect_uris ?? [] : [];
    if (uris.some((u) => !/^https?:/.test(u))) {
      await provider.Client.adapter.destroy(ctx.body.client_id);
      ctx.status = 400;
      ctx.body = { error: 'invalid_redirect_uri', error_description: 'only http(s) redirect URIs are accepted' };
    }
  });
}
provider.on('grant.success', (ctx) => {
  const type = ctx.oidc.params.grant_type;
  stats.grants[type] = (stats.grants[type] ?? 0) + 1;
  if (ctx.body?.access_token) tokens.access.add(ctx.body.access_token);
  if (ctx.body?.refresh_token) tokens.refresh.add(ctx.body.refresh_token);
});
provider.on('registration_create.success', () => {
  stats.registrations += 1;
});

const callback = provider.callback();
asServer.on('request', async (req, res) => {
  try {
    if (req.url.startsWith('/interaction/')) {
      // Signs the operator in and agrees at once, as a browser with a remembered login and
      // consent would.
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'login') {
        await provider.interactionFinished(req, res, { login: { accountId: 'operator' } }, { mergeWithLastSubmission: false });
        return;
      }
      const { Grant } = provider;
      const grant = details.grantId
        ? await Grant.find(details.grantId)
        : new Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      const missing = details.prompt.details;
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    if (req.url === '/test/stats') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(stats));
      return;
    }
    if (req.url === '/test/tokens') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ access: [...tokens.access], refresh: [...tokens.refresh] }));
      return;
    }
    if (req.url === '/test/revoke-refresh' && req.method === 'POST') {
      let n = 0;
      for (const k of [...kept.keys()]) if (k.startsWith('RefreshToken:')) (kept.delete(k), n++);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ revoked: n }));
      return;
    }
    if (req.method === 'POST' && req.url.startsWith('/token/revocation')) {
      res.on('finish', () => {
        if (res.statusCode === 200) stats.revocations += 1;
      });
    }
    callback(req, res);
  } catch (e) {
    res.statusCode = 500;
    res.end(String(e));
  }
});

// The MCP server.
const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
const metadataUrl = `http://localhost:${mcpPort}/.well-known/oauth-protected-resource/mcp`;
const challenge = `Bearer resource_metadata="${metadataUrl}", scope="mcp"`;
const sseChallenge = `Bearer resource_metadata="http://localhost:${mcpPort}/.well-known/oauth-protected-resource/sse", scope="mcp"`;
// Open HTTP+SSE sessions by their id.
const sseSessions = new Map();
let calls = 0;

async function subject(req) {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Bearer ')) return undefined;
  tokens.access.add(header.slice(7));
  try {
    const { payload } = await jwtVerify(header.slice(7), jwks, { issuer, audience: [resource, sseResource] });
    return payload.sub;
  } catch {
    return undefined;
  }
}

// The MCP server's tools, for the operator `sub`.
function tools(sub) {
  const server = new McpServer({ name: 'oauth-test', version: '1.0.0' });
  server.registerTool('whoami', { description: 'Who the token belongs to', inputSchema: {} }, async () => {
    calls += 1;
    return { content: [{ type: 'text', text: `${sub} #${calls}` }] };
  });
  server.registerTool('echo', { description: 'Echoes the text', inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  return server;
}

mcpServer.on('request', async (req, res) => {
  const path = req.url.split('?')[0];
  if (path === '/.well-known/oauth-protected-resource/mcp' || path === '/.well-known/oauth-protected-resource') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ resource, authorization_servers: [issuer], scopes_supported: ['mcp'], bearer_methods_supported: ['header'] }));
    return;
  }
  if (path === '/.well-known/oauth-protected-resource/sse') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ resource: sseResource, authorization_servers: [issuer], scopes_supported: ['mcp'], bearer_methods_supported: ['header'] }));
    return;
  }
  if (path !== '/mcp' && path !== '/sse' && path !== '/messages') {
    res.statusCode = 404;
    res.end();
    return;
  }
  const sub = await subject(req);
  if (!sub) {
    res.statusCode = 401;
    res.setHeader('WWW-Authenticate', path === '/mcp' ? challenge : sseChallenge);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ error: 'invalid_token' }));
    return;
  }
  if (path === '/messages') {
    const transport = sseSessions.get(new URL(req.url, 'http://x').searchParams.get('sessionId'));
    if (!transport) {
      res.statusCode = 404;
      res.end();
      return;
    }
    await transport.handlePostMessage(req, res);
    return;
  }
  const server = tools(sub);
  if (path === '/sse') {
    const transport = new SSEServerTransport('/messages', res);
    sseSessions.set(transport.sessionId, transport);
    res.on('close', () => {
      sseSessions.delete(transport.sessionId);
      server.close();
    });
    await server.connect(transport);
    return;
  }
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    transport.close();
    server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
});

process.stdout.write(`${JSON.stringify({ issuer, mcp: resource })}\n`);
process.on('SIGTERM', () => process.exit(0));
