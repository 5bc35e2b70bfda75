import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Whether the module at `moduleUrl` (pass `import.meta.url`) is the script Node
 * was started with, so a file can both export functions and run on its own.
 */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(resolve(script)).href === moduleUrl;
}
