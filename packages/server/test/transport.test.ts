import { createClient } from '@wirecall/client';
import { defineContract, query } from '@wirecall/schema';
import { createServer } from '@wirecall/server';
import { rawClient, startTestServer } from '@wirecall/testing';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';

const api = defineContract({ echo: query({ input: z.string(), output: z.string() }) });

/** A self-signed certificate for 127.0.0.1, made with openssl for this test only. */
function selfSignedCertificate(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'wirecall-tls-'));
  onTestFinished(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
  ], { stdio: 'ignore', timeout: 20_000 });
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

describe('TLS', () => {
  it('serves wss:// with a certificate, and the client connects with a wss:// URL', async () => {
    const tls = selfSignedCertificate();
    const server = createServer(api, { handlers: { echo: ({ input }) => input } });
    onTestFinished(() => server.close({ drainTimeoutMs: 0 }));
    const { url } = await server.listen({ host: '127.0.0.1', port: 0, tls });
    expect(url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/$/);
    // Trust only this test's certificate.
    class TrustingWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { ca: tls.cert });
      }
    }
    const client = createClient(api, { url, WebSocket: TrustingWebSocket });
    onTestFinished(() => client.$close());
    await expect(client.echo.query('over tls')).resolves.toBe('over tls');
  }, 30_000);
});

describe('permessage-deflate', () => {
  it('is off by default', async () => {
    const { url } = await startTestServer(api, { handlers: { echo: ({ input }) => input } });
    const raw = await rawClient(url);
    expect(raw.socket.extensions).toBe('');
  });

  it('round-trips compressed traffic when enabled', async () => {
    const { url, client } = await startTestServer(api, { compression: {}, handlers: { echo: ({ input }) => input } });
    const raw = await rawClient(url);
    expect(raw.socket.extensions).toContain('permessage-deflate');
    const text = 'wirecall '.repeat(20_000);
    await expect(client().echo.query(text)).resolves.toBe(text);
  });

  it('cuts a decompression bomb at maxPayloadBytes', async () => {
    const { url } = await startTestServer(api, {
      compression: {},
      logger: { error: () => undefined, warn: () => undefined },
      handlers: { echo: ({ input }) => input },
    });
    const raw = await rawClient(url);
    // 8 MiB of one character compresses to a few KiB on the wire.
    raw.send({ type: 'call', id: 'bomb', path: 'echo', input: 'a'.repeat(8 * 1024 * 1024) });
    await expect(raw.closed()).resolves.toMatchObject({ code: 1009 });
  });
});

describe('text frames', () => {
  // Multi-byte text whose UTF-8 length crosses a header size its UTF-16 length does not: each
  // frame's length field must count bytes. Lengths up to 125 fit the first header byte, up to
  // 65,535 take two more bytes, and longer ones eight more.
  const texts = ['', 'hi', 'é'.repeat(60), 'é'.repeat(1000), 'é'.repeat(32_760), 'é'.repeat(40_000), '✓'.repeat(100_000)];

  it.each([
    { compression: false, extensions: '' },
    { compression: {}, extensions: 'permessage-deflate' },
  ] as const)('arrive whole at every header size (compression: $compression)', async ({ compression, extensions }) => {
    const { url, openClient } = await startTestServer(api, { compression, handlers: { echo: ({ input }) => input } });
    const raw = await rawClient(url);
    expect(raw.socket.extensions).toContain(extensions);
    const client = await openClient();
    const echoed = await Promise.all(texts.map((text) => client.echo.query(text)));
    expect(echoed).toEqual(texts);
    // One after the other too, each in a frame of its own.
    for (const text of texts) await expect(client.echo.query(text)).resolves.toBe(text);
  });
});
