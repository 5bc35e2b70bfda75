import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it, onTestFinished } from 'vitest';

import { buildPage, formatBytes } from '../src/build.js';

/** Generous ceiling, to notice a dependency that drags half a framework in, not to police bytes. */
const MAX_GZIP_BYTES = 300 * 1024;

describe('example-chat page bundle', () => {
  it('bundles the page without server code or Node built-ins', { timeout: 30_000 }, async () => {
    const outdir = await mkdtemp(join(tmpdir(), 'wirecall-chat-bundle-'));
    onTestFinished(() => rm(outdir, { recursive: true, force: true }));

    const page = await buildPage({ outdir });

    const inputs = Object.keys(page.metafile.inputs);
    expect(inputs).toContain('src/web/main.tsx');
    expect(inputs.filter((path) => path.startsWith('node:'))).toEqual([]);
    expect(inputs.filter((path) => path.includes('/node_modules/ws/'))).toEqual([]);
    expect(inputs.filter((path) => path.includes('packages/server/') || path.includes('@wirecall/server'))).toEqual([]);
    expect(inputs.filter((path) => /src\/(server|chat-rooms|build)\.ts$/.test(path))).toEqual([]);
    // Workspace packages come from their TypeScript sources, never from a stale dist/.
    expect(inputs.filter((path) => path.includes('packages/') && path.includes('/dist/'))).toEqual([]);
    expect(inputs.some((path) => path.includes('packages/client/src/'))).toBe(true);

    // Everything is bundled: the output imports nothing at run time.
    const outputs = Object.values(page.metafile.outputs);
    expect(outputs.flatMap((output) => output.imports.map((imported) => imported.path))).toEqual([]);
    expect(page.bundle).not.toMatch(/\brequire\(["']|["']node:|process\.env\.NODE_ENV/);

    console.log(
      `chat bundle: app.js ${formatBytes(page.bundleBytes)} (${String(page.bundleBytes)} bytes), ` +
        `${formatBytes(page.bundleGzipBytes)} gzip (${String(page.bundleGzipBytes)} bytes), ${String(inputs.length)} input modules`,
    );
    expect(page.bundleGzipBytes).toBeLessThan(MAX_GZIP_BYTES);
  });
});
