/**
 * Builds the page into `dist/`: `app.js` (one minified ESM bundle of the React
 * app, workspace packages compiled from their TypeScript sources) and `index.html`.
 * `pnpm --filter @wirecall/example-chat build` runs it and prints the bundle size.
 * @module
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { build, type Metafile, type OutputFile } from 'esbuild';

import { isMain } from './is-main.js';
import { CHAT_DIR, DEFAULT_PAGE_DIR, WEB_DIR } from './paths.js';

/** Options of {@link buildPage}. */
export interface BuildPageOptions {
  /** Output directory. Default `examples/chat/dist`. */
  outdir?: string;
}

/** What {@link buildPage} produced. */
export interface PageBuild {
  readonly outdir: string;
  /** esbuild's metafile: every input module and every output, with their imports; paths are relative to `examples/chat`. */
  readonly metafile: Metafile;
  /** The bundle's code (`app.js`). */
  readonly bundle: string;
  /** Size of `app.js`. */
  readonly bundleBytes: number;
  /** Size of `app.js` after gzip (level 9), about what a server sends compressed. */
  readonly bundleGzipBytes: number;
}

function findBundle(files: readonly OutputFile[]): OutputFile {
  const bundle = files.find((file) => file.path.endsWith('.js'));
  if (bundle === undefined) throw new Error(`esbuild produced no .js file, got ${files.map((file) => file.path).join(', ')}`);
  return bundle;
}

/** Bundles the page for browsers and writes it, with `index.html`, to `outdir`. */
export async function buildPage(options: BuildPageOptions = {}): Promise<PageBuild> {
  const outdir = options.outdir ?? DEFAULT_PAGE_DIR;
  await mkdir(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: CHAT_DIR,
    entryPoints: [join(WEB_DIR, 'main.tsx')],
    outfile: join(outdir, 'app.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    jsx: 'automatic',
    // Workspace packages resolve to their TypeScript sources, and never to a Node build.
    conditions: ['@wirecall/source', 'browser', 'module', 'import'],
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  await Promise.all(result.outputFiles.map((file) => writeFile(file.path, file.contents)));
  await copyFile(join(WEB_DIR, 'index.html'), join(outdir, 'index.html'));
  const bundle = findBundle(result.outputFiles);
  return {
    outdir,
    metafile: result.metafile,
    bundle: bundle.text,
    bundleBytes: bundle.contents.byteLength,
    bundleGzipBytes: gzipSync(bundle.contents, { level: 9 }).byteLength,
  };
}

/** Formats a size in KiB with one decimal, e.g. `61.2 KiB`. */
export function formatBytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

if (isMain(import.meta.url)) {
  const started = performance.now();
  const page = await buildPage();
  const ms = Math.round(performance.now() - started);
  console.log(
    `built ${page.outdir} in ${String(ms)} ms: app.js ${formatBytes(page.bundleBytes)} (${formatBytes(page.bundleGzipBytes)} gzip)`,
  );
}
