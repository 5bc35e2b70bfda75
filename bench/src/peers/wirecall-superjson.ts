/**
 * Wirecall with the superjson codec: same validation, `Date` fields arrive as `Date`s.
 * @module
 */
import { superjsonCodec } from '@wirecall/client';

import { createWirecallPeer } from './wirecall.js';

export const peer = createWirecallPeer('wirecall (superjson codec)', superjsonCodec);
