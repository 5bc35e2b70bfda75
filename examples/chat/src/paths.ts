import { fileURLToPath } from 'node:url';

/** The example's directory; the build runs from it, so the metafile's paths are relative to it. */
export const CHAT_DIR = fileURLToPath(new URL('../', import.meta.url));

/** Where the page's sources are: `main.tsx` (the bundle's entry) and `index.html`. */
export const WEB_DIR = fileURLToPath(new URL('./web/', import.meta.url));

/** Where `pnpm build` writes the page and where the server reads it from by default. */
export const DEFAULT_PAGE_DIR = fileURLToPath(new URL('../dist/', import.meta.url));
