/**
 * Wirecall with the JSON codec: same validation, `Date` fields arrive as ISO strings.
 * @module
 */
import { jsonCodec } from '@wirecall/client';

import { createWirecallPeer } from './wirecall.js';

export const peer = createWirecallPeer('wirecall (json codec)', jsonCodec);
