import { describe, expect, it } from 'vitest';

import { reactDomVersion, reactVersion } from '../../react/test/react-version.js';

// The aliases of this project's config are what makes @wirecall/react's tests run on React 18:
// check that a module of that package, like its tests and hooks, gets React 18.
describe('the React that @wirecall/react gets in this project', () => {
  it('is React 18, for the hooks and for react-dom', () => {
    expect(reactVersion).toMatch(/^18\./);
    expect(reactDomVersion).toBe(reactVersion);
  });
});
