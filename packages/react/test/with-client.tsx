import type { Client } from '@wirecall/client';
import type { ReactNode } from 'react';

import { rpc, type api } from './todo-server.js';

/** A `wrapper` for `render`/`renderHook` that provides `client` to the hooks. */
export function withClient(client: Client<typeof api>) {
  return function Wrapper({ children }: { children: ReactNode }) {
    return <rpc.Provider client={client}>{children}</rpc.Provider>;
  };
}
