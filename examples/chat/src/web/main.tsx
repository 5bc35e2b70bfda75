/**
 * The page's entry point (bundled into `app.js`): connects to the server that
 * served the page and renders the chat.
 * @module
 */
import { createClient } from '@wirecall/client';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { api } from '../contract.js';
import { App } from './app.js';

const url = new URL('/rpc', window.location.href);
url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
// A chat should come back quickly after a blip: retry within 2 s at most (the default cap is 10 s).
const client = createClient(api, { url: url.href, reconnect: { initialDelayMs: 250, maxDelayMs: 2000 } });

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App client={client} />
  </StrictMode>,
);
