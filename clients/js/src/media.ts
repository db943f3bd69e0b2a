// Meeting media (PROTOCOL.md, "Meeting media (voice and video)"): typed helpers around the
// signalling commands, so that an app's WebRTC code reads as the protocol does.
//
//   const ice = await getIceServers(client, meetingId);          // -> new RTCPeerConnection(ice)
//   const off = onMeetingSignal(client, meetingId, (s) => ...);  // OFFER/ANSWER/ICE/BYE to me
//   await sendMeetingSignal(client, { meetingId, toUser, kind: 'OFFER', payload, toSession });
//   await setMeetingMedia(client, meetingId, { audio: true, video: false });
//
// Signals are transient (never stored): a signal sent while the target is reconnecting is
// lost, and WebRTC's own recovery (a new offer, an ICE restart) takes over.
import type { MusterClient } from './client.js';
import type { MeetingReply } from './gen/types.js';

export type MeetingSignalKind = 'OFFER' | 'ANSWER' | 'ICE' | 'BYE';

/** A signal received (Event.meetingSignal). */
export interface MeetingSignalEvent {
  meetingId: string;
  fromUser: string;
  /** The sender's connection: answer with toSession set to it. */
  fromSession: string;
  fromName?: string;
  kind: MeetingSignalKind;
  payload: string;
}

export interface SendMeetingSignal {
  meetingId: string;
  toUser: string;
  kind: MeetingSignalKind;
  /** SDP or an ICE candidate, usually JSON; at most 16 KiB (meeting.max_signal_bytes). */
  payload: string;
  /** One connection of toUser (a fromSession received from them); omitted: all that joined. */
  toSession?: string;
}

/** The body of GET /api/v1/meetings/{id}/ice-servers: pass it to new RTCPeerConnection(). */
export interface IceServers {
  iceServers: Array<{ urls: string[]; username?: string; credential?: string }>;
  /** How long the TURN credentials stay valid, in seconds. */
  ttlS: number;
}

/** Relays a WebRTC signal to another participant of a live meeting. */
export async function sendMeetingSignal(client: MusterClient, signal: SendMeetingSignal): Promise<void> {
  await client.request('meeting_signal', {
    meetingId: signal.meetingId,
    toUser: signal.toUser,
    kind: signal.kind,
    payload: signal.payload,
    ...(signal.toSession ? { toSession: signal.toSession } : {}),
  } as never);
}

/** Calls `listener` for every signal addressed to this connection (of `meetingId`, or of any
 *  meeting when it is empty). Returns the function that stops listening. */
export function onMeetingSignal(
  client: MusterClient,
  meetingId: string | undefined,
  listener: (signal: MeetingSignalEvent) => void,
): () => void {
  return client.on('transient', (event: any) => {
    const signal = event?.meetingSignal as MeetingSignalEvent | undefined;
    if (!signal || (meetingId && signal.meetingId !== meetingId)) return;
    listener({ ...signal, payload: signal.payload ?? '' });
  });
}

/** One's own microphone and camera state (on the log: MeetingUpdate MEDIA), or, as a host,
 *  another participant's (`user`: only to turn it off). */
export function setMeetingMedia(
  client: MusterClient,
  meetingId: string,
  media: { audio: boolean; video: boolean; user?: string },
): Promise<MeetingReply> {
  return client.request('meeting_media', {
    meetingId,
    audio: media.audio,
    video: media.video,
    ...(media.user ? { user: media.user } : {}),
  } as never) as Promise<MeetingReply>;
}

/** STUN/TURN servers for a meeting one has joined, with time-limited TURN credentials. */
export function getIceServers(client: MusterClient, meetingId: string): Promise<IceServers> {
  return client.http<IceServers>('GET', `/api/v1/meetings/${encodeURIComponent(meetingId)}/ice-servers`);
}
