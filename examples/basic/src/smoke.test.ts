import { describe, expect, it, onTestFinished, vi } from 'vitest';

import { runClientFlow } from './client.js';
import { startServer } from './server.js';

describe('example-basic', () => {
  it('runs the client flow against a loopback server', async () => {
    const { server, url } = await startServer({ host: '127.0.0.1', port: 0 });
    onTestFinished(() => server.close());
    const lines: string[] = [];

    const result = await runClientFlow(url, { user: 'grace', print: (line) => lines.push(line) });

    expect(result.initial).toEqual([expect.objectContaining({ id: 1, title: 'Try Wirecall', done: false })]);
    expect(result.added).toMatchObject({ id: 2, title: 'Write the README', done: false, author: 'grace' });
    expect(result.added.createdAt).toBeInstanceOf(Date);
    expect(result.duplicateOf).toBe(result.added.id);
    expect(result.fetched).toEqual(result.added);
    expect(result.changes).toEqual([
      { kind: 'snapshot', todos: [result.initial[0], result.added] },
      { kind: 'updated', todo: { ...result.added, done: true } },
      { kind: 'added', todo: expect.objectContaining({ id: 3, title: 'Ship it', author: 'grace' }) },
    ]);
    expect(lines.join('\n')).toContain('DUPLICATE_TITLE');
    // The flow closes its client, and breaking out of the subscription ended it server-side.
    await vi.waitFor(() => {
      expect(server.connectionCount).toBe(0);
    });
  });
});
