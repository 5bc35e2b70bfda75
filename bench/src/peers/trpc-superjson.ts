/**
 * tRPC 11 over `wsLink`, inputs validated by zod, superjson as the transformer:
 * `Date` fields arrive as `Date`s (see trpc.ts for the rest).
 * @module
 */
import superjson from 'superjson';

import { createTrpcPeer } from './trpc.js';

export const peer = createTrpcPeer('tRPC 11 (wsLink + zod + superjson)', superjson);
