import { describe, expect, it } from 'vitest';

import { PendingRequest, type RequestSink } from './pending-request.js';
import { RequestRegistry } from './request-registry.js';

const sink: RequestSink = { reply: () => true, fail: () => undefined, abort: () => undefined };

function request(id: string, kind: 'call' | 'subscription' = 'call'): PendingRequest {
  return new PendingRequest(id, kind, 'path', undefined, 'resend', undefined, undefined, sink);
}

/** Unit tests of the registry's bookkeeping; tests over real sockets cover its use (reconnects, limits, cancellation). */
describe('RequestRegistry', () => {
  it('holds requests by id, in the order they were issued, from one to many and back', () => {
    const registry = new RequestRegistry();
    const [a, b, c] = [request('a'), request('b'), request('c', 'subscription')];
    expect(registry.all()).toEqual([]);
    registry.add(c);
    registry.add(a, true);
    expect(registry.get('a')).toBe(a);
    expect(registry.get('c')).toBe(c);
    expect(registry.get('b')).toBeUndefined();
    expect(registry.size).toBe(2);
    registry.add(b, true);
    // Calls first, then subscriptions: each kind is sent in its own order.
    expect(registry.all()).toEqual([a, b, c]);
    expect(registry.size).toBe(3);
    expect(registry.delete('a')).toBe(a);
    expect(registry.get('a')).toBeUndefined();
    expect(registry.all()).toEqual([b, c]);
    registry.remove(b);
    expect(registry.delete('c')).toBe(c);
    expect(registry.delete('c')).toBeUndefined();
    expect(registry.size).toBe(0);
    expect(registry.all()).toEqual([]);
    registry.add(a, true);
    expect(registry.all()).toEqual([a]);
    expect(registry.get('a')).toBe(a);
  });

  it('counts what is on the wire and queues what is not, by kind', () => {
    const registry = new RequestRegistry();
    const [call, subscription] = [request('1'), request('2', 'subscription')];
    registry.add(call);
    registry.add(subscription);
    expect(registry.unsent).toBe(2);
    registry.markSent(call);
    registry.markSent(subscription);
    expect([registry.sentCalls, registry.sentSubscriptions, registry.unsent]).toEqual([1, 1, 0]);
    // A socket lost: the subscription waits to be sent again, while it is still registered.
    registry.markUnsent(subscription);
    expect([...registry.waiting('subscription')]).toEqual([subscription]);
    // A request removed while on the wire no longer counts, and is not queued again.
    registry.remove(call);
    expect([registry.sentCalls, registry.unsent, registry.size]).toEqual([0, 1, 1]);
    registry.remove(subscription);
    expect([registry.sentSubscriptions, registry.unsent, registry.size]).toEqual([0, 0, 0]);
  });
});
