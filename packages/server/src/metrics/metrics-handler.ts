import { Buffer } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { PROMETHEUS_CONTENT_TYPE } from './prometheus-text.js';

/**
 * Creates the HTTP handler that serves the Prometheus text. `GET` and `HEAD`
 * get it with status 200; other methods get 405; with `render` undefined
 * (metrics disabled) every request gets 404.
 */
export function createMetricsHandler(render: (() => string) | undefined): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    if (render === undefined) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('metrics are disabled on this server\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'GET, HEAD' });
      response.end('use GET or HEAD\n');
      return;
    }
    const body = render();
    response.writeHead(200, {
      'Content-Type': PROMETHEUS_CONTENT_TYPE,
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  };
}
