/**
 * The client half of a run, in its own process: connects to the server the
 * harness started and drives the load of each scenario, measuring per window.
 * @module
 */
import { loadPeer, type Plan } from './harness.js';
import { serveCommands } from './ipc.js';
import { nowUs, RECORD_COUNT, sleep, type BenchEvent, type PeerClient, type Unsubscribe } from './peer.js';
import { percentile, SampleList } from './stats.js';

let client: PeerClient | undefined;
let fanout: { clients: PeerClient[]; unsubscribes: Unsubscribe[] } | undefined;
/** Scenario F's idle connections, every batch of them, held open until the process ends. */
const idle: PeerClient[] = [];
let delivered = 0;
let lastDeliveryAt = 0;
let delays = new SampleList();

function connected(): PeerClient {
  if (client === undefined) throw new Error('not connected');
  return client;
}

/** Sleeps through the warm-up, then calls `begin` and `end(seconds)` around each window. */
async function runWindows(plan: Plan, begin: () => void, end: (seconds: number) => void): Promise<void> {
  await sleep(plan.warmupMs);
  for (let window = 0; window < plan.windows; window++) {
    begin();
    const startedAt = performance.now();
    await sleep(plan.windowMs);
    end((performance.now() - startedAt) / 1000);
  }
}

/** Percentiles of one window's samples, in microseconds. */
function latencies(samples: SampleList): { p50: number; p99: number } {
  const values = samples.toArray();
  return { p50: percentile(values, 50), p99: percentile(values, 99) };
}

function onTick(event: BenchEvent): void {
  const at = nowUs();
  delivered += 1;
  lastDeliveryAt = at;
  delays.push(at - event.sentAt);
}

/** Opens `count` connections with `open`, `concurrency` at a time. */
async function openMany(count: number, concurrency: number, open: () => Promise<PeerClient>): Promise<PeerClient[]> {
  const opened: PeerClient[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        next += 1;
        opened.push(await open());
      }
    }),
  );
  return opened;
}

const commands = {
  async connect({ peer, url }: { peer: string; url: string }) {
    client = await (await loadPeer(peer)).connect(url);
  },
  /** Unary calls, then records when asked, 16 in flight, for `ms` in all. */
  async warmup({ ms, records }: { ms: number; records: boolean }) {
    const current = connected();
    const calls = [() => current.add({ a: 1, b: 2 }), ...(records ? [() => current.records(RECORD_COUNT)] : [])];
    for (const call of calls) {
      const until = performance.now() + ms / calls.length;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (performance.now() < until) await call();
        }),
      );
    }
  },
  /** Keeps `inFlight` calls running (closed loop) on one connection; returns calls/s per window. */
  async throughput({ operation, inFlight, plan }: { operation: 'add' | 'records'; inFlight: number; plan: Plan }) {
    const current = connected();
    let completed = 0;
    let running = true;
    const perWindow: number[] = [];
    let atBegin = 0;
    const call = operation === 'add' ? (n: number) => current.add({ a: n, b: 1 }) : () => current.records(RECORD_COUNT);
    const workers = Array.from({ length: inFlight }, async () => {
      while (running) {
        await call(completed);
        completed += 1;
      }
    });
    await runWindows(
      plan,
      () => {
        atBegin = completed;
      },
      (seconds) => {
        perWindow.push((completed - atBegin) / seconds);
      },
    );
    running = false;
    await Promise.all(workers);
    return { perWindow, totalCalls: completed };
  },
  /** One call in flight; returns p50 and p99 latency per window, in microseconds. */
  async latency({ plan }: { plan: Plan }) {
    const current = connected();
    const state = { running: true };
    let samples = new SampleList();
    const p50: number[] = [];
    const p99: number[] = [];
    const worker = (async () => {
      for (let n = 0; state.running; n++) {
        const startedAt = performance.now();
        await current.add({ a: n, b: 1 });
        samples.push((performance.now() - startedAt) * 1000);
      }
    })();
    await runWindows(
      plan,
      () => {
        samples = new SampleList();
      },
      () => {
        const window = latencies(samples);
        p50.push(window.p50);
        p99.push(window.p99);
      },
    );
    state.running = false;
    await worker;
    return { p50, p99 };
  },
  /** One subscription the server pushes into as fast as it may; returns events/s per window. */
  async stream({ plan }: { plan: Plan }) {
    let received = 0;
    let atBegin = 0;
    const perWindow: number[] = [];
    const unsubscribe = connected().stream(() => {
      received += 1;
    });
    await runWindows(
      plan,
      () => {
        atBegin = received;
      },
      (seconds) => {
        perWindow.push((received - atBegin) / seconds);
      },
    );
    unsubscribe();
    return { perWindow };
  },
  /** Opens `count` connections and subscribes each to the broadcasts. */
  async fanoutConnect({ peer, url, count }: { peer: string; url: string; count: number }) {
    const { connect } = await loadPeer(peer);
    const clients = await openMany(count, 50, () => connect(url));
    fanout = { clients, unsubscribes: clients.map((each) => each.ticker(onTick)) };
  },
  /** Counts deliveries on every fan-out connection; returns delivered events/s and delay percentiles (µs) per window. */
  async fanoutMeasure({ plan }: { plan: Plan }) {
    let atBegin = 0;
    const perWindow: number[] = [];
    const p50: number[] = [];
    const p99: number[] = [];
    await runWindows(
      plan,
      () => {
        atBegin = delivered;
        delays = new SampleList();
      },
      (seconds) => {
        perWindow.push((delivered - atBegin) / seconds);
        const window = latencies(delays);
        p50.push(window.p50);
        p99.push(window.p99);
      },
    );
    return { perWindow, p50, p99 };
  },
  /** Resolves once no broadcast arrived for `quietMs` (what was queued has been delivered). */
  async fanoutQuiet({ quietMs, timeoutMs }: { quietMs: number; timeoutMs: number }) {
    const startedAt = nowUs();
    while (nowUs() - Math.max(lastDeliveryAt, startedAt) < quietMs * 1000 && nowUs() - startedAt < timeoutMs * 1000) {
      await sleep(quietMs / 4);
    }
  },
  fanoutClose() {
    if (fanout === undefined) return;
    for (const unsubscribe of fanout.unsubscribes) unsubscribe();
    for (const each of fanout.clients) each.close();
    fanout = undefined;
  },
  /** Opens `count` more idle connections (each makes one call, so it is fully set up); returns how many. */
  async idleConnect({ peer, url, count }: { peer: string; url: string; count: number }) {
    const { connect } = await loadPeer(peer);
    const opened = await openMany(count, 50, async () => {
      const each = await connect(url);
      await each.add({ a: 1, b: 1 });
      return each;
    });
    idle.push(...opened);
    return { connected: opened.length };
  },
};

/** The commands of the client process, for the harness's typed calls. */
export type ClientCommands = typeof commands;

serveCommands(commands);
