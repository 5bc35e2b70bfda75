import { createWirecallReact } from '@wirecall/react';

import { api } from '../contract.js';

/** The chat's React hooks: `rpc.chat.send.useMutation()`, `rpc.useConnectionStatus()`… */
export const rpc = createWirecallReact(api);
