/**
 * Test fixtures shared by the Wirecall packages (private).
 * @module
 */
export { createDeferred, withTimeout, type Deferred } from './deferred.js';
export { rawClient, type RawClient, type RawClientOptions, type RawClose } from './raw-client.js';
export { startTestServer, type TestServer } from './start-test-server.js';
export { fixtureContract, Message } from './fixture-contract.js';
export { startFixtureServer, type FixtureServer, type FixtureProbe, type FixtureLimits } from './fixture-server.js';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
export { startScriptedServer, type ScriptedServer } from './scripted-server.js';
export {
  deliveryContract,
  startDeliveryServer,
  type DeliveryServer,
  type DeliveryServerOptions,
} from './delivery-fixture.js';
export { eventually, plateau, reconnected, type StateSource } from './wait.js';
