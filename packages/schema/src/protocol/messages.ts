import * as z from 'zod';

/** Every message `type` on the wire. Lower snake case, never renamed within a protocol version. */
export const MessageType = {
  /** Client → server: the first message of a connection, with the connection params. */
  Hello: 'hello',
  /** Client → server: new connection params on an open connection (re-authentication). */
  Auth: 'auth',
  /** Client → server: run a query or a mutation. */
  Call: 'call',
  /** Client → server: start a subscription. */
  Subscribe: 'subscribe',
  /** Client → server: cancel a call or end a subscription. */
  Cancel: 'cancel',
  /** Client → server: application-level heartbeat; answered with `pong`. */
  Ping: 'ping',
  /** Server → client: answer to `hello` and `auth`: the connection is ready, with its limits. */
  Welcome: 'welcome',
  /** Server → client: a query or mutation succeeded. */
  Result: 'result',
  /** Server → client: a call or subscription failed; ends it. */
  Error: 'error',
  /** Server → client: one subscription event. */
  Event: 'event',
  /** Server → client: a subscription ended normally. */
  Complete: 'complete',
  /** Server → client: a resumed subscription missed events that can no longer be replayed. */
  Gap: 'gap',
  /** Server → client: answer to `ping`. */
  Pong: 'pong',
  /** Server → client: the server is shutting down; reconnect elsewhere. */
  GoAway: 'goaway',
} as const;

/** One of the message types above. */
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Longest request id accepted, in characters. */
export const MAX_ID_LENGTH = 128;
/** Longest procedure path accepted, in characters. */
export const MAX_PATH_LENGTH = 512;
/** Most messages accepted in one batch frame. */
export const MAX_BATCH_SIZE = 1024;

/** Longest deadline a call may carry: the largest delay a JavaScript timer supports (~24.8 days). */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** Most entries in a request's `meta`. */
export const MAX_META_ENTRIES = 32;

const requestId = z.string().min(1).max(MAX_ID_LENGTH);
/** Per-request metadata (trace id, locale...): short string keys and values. */
const meta = z
  .record(z.string().min(1).max(64), z.string().max(1024))
  .refine((value) => Object.keys(value).length <= MAX_META_ENTRIES, `at most ${String(MAX_META_ENTRIES)} entries`);
const path = z.string().min(1).max(MAX_PATH_LENGTH);

/** Opens the connection: must be the first message a client sends. */
export const HelloMessageSchema = z.object({
  type: z.literal(MessageType.Hello),
  /** Connection params (e.g. an auth token), a payload passed to the server's context function. */
  params: z.unknown().optional(),
  /** Token of the session to resume (from an earlier `welcome`), so retried mutations run once. */
  session: z.string().min(1).max(MAX_ID_LENGTH).optional(),
});

/** Replaces the connection params of an open connection; the server rebuilds the context. */
export const AuthMessageSchema = z.object({
  type: z.literal(MessageType.Auth),
  params: z.unknown().optional(),
});

/** What the server enforces per connection, announced in `welcome`. */
export const LimitsSchema = z.object({
  /** Largest frame accepted, in bytes. */
  maxPayloadBytes: z.number().int().positive(),
  /** Most calls (queries and mutations) in flight at once. */
  maxInFlightCalls: z.number().int().positive(),
  /** Most live subscriptions at once. */
  maxSubscriptions: z.number().int().positive(),
});

/** The server accepted `hello` (or `auth`): the connection is ready. */
export const WelcomeMessageSchema = z.object({
  type: z.literal(MessageType.Welcome),
  /** Public id of the connection, for logs and support; not a credential. */
  connectionId: z.string().min(1).max(MAX_ID_LENGTH),
  /** How often the client should ping; 0 when the server asks for no application pings. */
  heartbeatIntervalMs: z.number().int().nonnegative(),
  limits: LimitsSchema,
  /** When the credentials expire (milliseconds since the epoch): re-authenticate before then. */
  expiresAt: z.number().int().positive().optional(),
  /** Secret token of the client's session: send it in the next `hello` to resume the session. */
  session: z.string().min(1).max(MAX_ID_LENGTH).optional(),
  /** Whether the session of `hello` was resumed (`false`: a new session; retried mutations of the old one get OUTCOME_UNKNOWN). */
  resumed: z.boolean().optional(),
});

/** Run a query or a mutation at `path` with `input`. */
export const CallMessageSchema = z.object({
  type: z.literal(MessageType.Call),
  id: requestId,
  path,
  input: z.unknown().optional(),
  /** Relative deadline in milliseconds, measured from when the server receives the call. */
  timeoutMs: z.number().int().positive().max(MAX_TIMEOUT_MS).optional(),
  /** Per-call metadata, such as a trace id or a locale, for the call context. */
  meta: meta.optional(),
  /** This call was sent before, on an earlier connection of the same session: run it at most once. */
  retry: z.literal(true).optional(),
});

/** Start a subscription at `path` with `input`. */
export const SubscribeMessageSchema = z.object({
  type: z.literal(MessageType.Subscribe),
  id: requestId,
  path,
  input: z.unknown().optional(),
  timeoutMs: z.number().int().positive().max(MAX_TIMEOUT_MS).optional(),
  meta: meta.optional(),
  /** Id of the last event the client saw, so a resumable handler can continue after it. */
  lastEventId: z.string().max(MAX_ID_LENGTH).optional(),
});

/** Cancel the call or subscription `id`. Unknown ids are ignored. */
export const CancelMessageSchema = z.object({
  type: z.literal(MessageType.Cancel),
  id: requestId,
});

/** Heartbeat from the client. */
export const PingMessageSchema = z.object({ type: z.literal(MessageType.Ping) });

/** The error object carried by `error` messages. */
export const WireErrorSchema = z.object({
  code: z.string().min(1),
  message: z.string(),
  data: z.unknown().optional(),
});

/** Successful outcome of a call. */
export const ResultMessageSchema = z.object({
  type: z.literal(MessageType.Result),
  id: requestId,
  output: z.unknown().optional(),
});

/** Failed outcome of a call, or the end of a subscription with an error. */
export const ErrorMessageSchema = z.object({
  type: z.literal(MessageType.Error),
  id: requestId,
  error: WireErrorSchema,
});

/** One subscription event. */
export const EventMessageSchema = z.object({
  type: z.literal(MessageType.Event),
  id: requestId,
  data: z.unknown().optional(),
  eventId: z.string().max(MAX_ID_LENGTH).optional(),
});

/** Normal end of a subscription. */
export const CompleteMessageSchema = z.object({
  type: z.literal(MessageType.Complete),
  id: requestId,
});

/** Why a resumed subscription has a gap. */
export const GapReason = {
  /** The events after the client's last id are older than the server keeps. */
  Expired: 'expired',
  /** The server does not know the client's last id (e.g. it restarted, or the id is from another stream). */
  Unknown: 'unknown',
} as const;

/** One of the gap reasons above. */
export type GapReason = (typeof GapReason)[keyof typeof GapReason];

/**
 * A resumed subscription missed events: the ones after the client's `lastEventId`
 * cannot be replayed. The subscription goes on with the events that follow.
 */
export const GapMessageSchema = z.object({
  type: z.literal(MessageType.Gap),
  id: requestId,
  reason: z.enum([GapReason.Expired, GapReason.Unknown]),
});

/** Heartbeat answer. */
export const PongMessageSchema = z.object({ type: z.literal(MessageType.Pong) });

/** The server is about to close the connection because it is shutting down. */
export const GoAwayMessageSchema = z.object({
  type: z.literal(MessageType.GoAway),
  reason: z.string().optional(),
  /** Reconnect at a random moment within this window, so that clients do not all return at once. */
  reconnectWithinMs: z.number().int().nonnegative().optional(),
});

export type HelloMessage = z.infer<typeof HelloMessageSchema>;
export type AuthMessage = z.infer<typeof AuthMessageSchema>;
export type Limits = z.infer<typeof LimitsSchema>;
export type WelcomeMessage = z.infer<typeof WelcomeMessageSchema>;
export type CallMessage = z.infer<typeof CallMessageSchema>;
export type SubscribeMessage = z.infer<typeof SubscribeMessageSchema>;
export type CancelMessage = z.infer<typeof CancelMessageSchema>;
export type PingMessage = z.infer<typeof PingMessageSchema>;
export type WireError = z.infer<typeof WireErrorSchema>;
export type ResultMessage = z.infer<typeof ResultMessageSchema>;
export type ErrorMessage = z.infer<typeof ErrorMessageSchema>;
export type EventMessage = z.infer<typeof EventMessageSchema>;
export type CompleteMessage = z.infer<typeof CompleteMessageSchema>;
export type GapMessage = z.infer<typeof GapMessageSchema>;
export type PongMessage = z.infer<typeof PongMessageSchema>;
export type GoAwayMessage = z.infer<typeof GoAwayMessageSchema>;

/** Any message a client sends. */
export type ClientMessage = HelloMessage | AuthMessage | CallMessage | SubscribeMessage | CancelMessage | PingMessage;
/** Any message a server sends. */
export type ServerMessage =
  | WelcomeMessage
  | ResultMessage
  | ErrorMessage
  | EventMessage
  | CompleteMessage
  | GapMessage
  | PongMessage
  | GoAwayMessage;

/** Schemas of the messages a server accepts, by `type`. */
export const clientMessageSchemas: Readonly<Record<ClientMessage['type'], z.ZodType<ClientMessage>>> = {
  hello: HelloMessageSchema,
  auth: AuthMessageSchema,
  call: CallMessageSchema,
  subscribe: SubscribeMessageSchema,
  cancel: CancelMessageSchema,
  ping: PingMessageSchema,
};

/** Schemas of the messages a client accepts, by `type`. */
export const serverMessageSchemas: Readonly<Record<ServerMessage['type'], z.ZodType<ServerMessage>>> = {
  welcome: WelcomeMessageSchema,
  result: ResultMessageSchema,
  error: ErrorMessageSchema,
  event: EventMessageSchema,
  complete: CompleteMessageSchema,
  gap: GapMessageSchema,
  pong: PongMessageSchema,
  goaway: GoAwayMessageSchema,
};
