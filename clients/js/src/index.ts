// @muster/client: the TypeScript SDK of Muster. The public surface is documented in
// ../README.md; names here are a promise to apps (add, never rename).
export {
  MusterClient,
  httpBaseOf,
  jwtExpiryMs,
  type ClientEvents,
  type ConnectionState,
  type MusterClientOptions,
  type TokenRequest,
  type TokenSource,
  type WebSocketConstructor,
  type WebSocketLike,
} from './client.js';
export { Subscription, type Gap, type SubscribeOptions, type SubscriptionState } from './subscription.js';
export { MusterError } from './errors.js';
export { MeetingTracker, applyMeetingUpdate } from './meeting.js';
export {
  DeviceSession,
  redeemInvitation,
  refreshSession,
  type DeviceSessionOptions,
  type HttpOptions,
  type SessionTokens,
  type TokenStorage,
} from './auth.js';
export {
  base64UrlToBytes,
  disableWebPush,
  enableWebPush,
  getVapidPublicKey,
  listDevices,
  registerDevice,
  removeDevice,
  webPushDeviceId,
  type Device,
  type DeviceSpec,
  type PushKind,
  type PushRegistrationLike,
  type PushSubscriptionLike,
  type WebPushOptions,
} from './push.js';
export {
  getIceServers,
  onMeetingSignal,
  sendMeetingSignal,
  setMeetingMedia,
  type IceServers,
  type MeetingSignalEvent,
  type MeetingSignalKind,
  type SendMeetingSignal,
} from './media.js';
export { SUBPROTOCOL, decodeServerFrame, encodeClientFrame, fromCanonicalJson, toCanonicalJson, type Encoding } from './codec.js';
export { randomId } from './ids.js';
export { COMMAND_FIELDS, type CommandName, type Commands } from './gen/commands.js';
export type * from './gen/types.js';
