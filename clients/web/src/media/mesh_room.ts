// A meeting's voice and video as a mesh of WebRTC peer connections (PROTOCOL.md "Meeting
// media"): one RTCPeerConnection per other participant, signalled through meeting_signal.
//
// Who offers: of two participants, the one whose user id sorts first (so that two offers never
// cross). The answerer replies to the offer's connection (toSession). ICE candidates that come
// before the remote description wait. A participant that leaves (no longer in the state) has
// its connection closed; a connection that fails is restarted by its offerer (ICE restart);
// after our own WebSocket reconnects, the room joins again and every connection starts over
// (the answerer asks the offerer with BYE "restart"). A room that starts after its offerer's
// asks the same way, since the first offer reached nobody. Signals to one participant keep
// their order and are sent again when the server's rate limit refused them (signal()).
//
// Phone first: the front camera at 320x240, 15 fps (mobile data). A refused camera or
// microphone leaves the room receive-only and says why (onError).
import { getIceServers, onMeetingSignal, sendMeetingSignal, setMeetingMedia } from '@muster/client';

// A signal refused as RATE_LIMITED is sent again at most this many times (backing off from
// 100 ms, or the server's retry_after, up to 5 s each).
const SIGNAL_RETRIES = 8;

export interface Tile {
  user: string;
  stream: MediaStream | null;
  local: boolean;
}

export interface RoomCallbacks {
  changed: () => void;
  error: (kind: 'denied' | 'failed', detail: string) => void;
}

interface Peer {
  user: string;
  pc: RTCPeerConnection;
  session: string; // the remote connection, once known
  stream: MediaStream | null;
  pendingIce: RTCIceCandidateInit[];
  offerer: boolean;
}

// Opening the app with ?relay=1 forces every peer connection through TURN (to check a
// deployment's coturn, and in the browser test). Read at load: the app tidies its URL later.
export const RELAY_ONLY =
  typeof location !== 'undefined' && new URLSearchParams(location.search).get('relay') === '1';

export const CAMERA: MediaTrackConstraints = {
  facingMode: 'user',
  width: { ideal: 320 },
  height: { ideal: 240 },
  frameRate: { ideal: 15, max: 15 },
};

export class MeshRoom {
  local: MediaStream | null = null;
  audio = false;
  video = false;
  peers = new Map<string, Peer>();
  levels = new Map<string, number>(); // user -> audio level 0..1 (speaker highlight)
  private ice: RTCConfiguration = {};
  private offSignal: (() => void) | null = null;
  private offState: (() => void) | null = null;
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private pendingMedia = 0;
  private outgoing = new Map<string, Promise<void>>(); // the last queued signal to each user
  private participants: string[] = [];
  private started = false;
  private ready = false; // camera and ICE servers asked for: peer connections may be made

  constructor(
    private client: any,
    private meetingId: string,
    private me: string,
    private callbacks: RoomCallbacks,
    private options: { relayOnly?: boolean } = {},
  ) {}

  /** Opens camera and microphone, reads the ICE servers, starts listening for signals. */
  async start(wantVideo: boolean): Promise<void> {
    this.offSignal = onMeetingSignal(this.client, this.meetingId, (s: any) => {
      this.onSignal(s).catch((e) => this.callbacks.error('failed', String(e?.message ?? e)));
    });
    let reconnected = false;
    this.offState = this.client.on('state', (state: string) => {
      if (state !== 'connected') {
        reconnected = true;
        return;
      }
      if (!reconnected || this.closed) return;
      reconnected = false;
      this.client
        .request('meeting_join', { meetingId: this.meetingId })
        .then(() => this.restartAll())
        .catch(() => {});
    });
    try {
      const ice = await getIceServers(this.client, this.meetingId);
      this.ice = { iceServers: ice.iceServers as RTCIceServer[] };
    } catch {
      this.ice = {};
    }
    if (this.options.relayOnly || RELAY_ONLY) this.ice.iceTransportPolicy = 'relay';
    try {
      this.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: CAMERA });
    } catch (e: any) {
      const denied = e?.name === 'NotAllowedError' || e?.name === 'SecurityError';
      this.callbacks.error(denied ? 'denied' : 'failed', String(e?.message ?? e));
      this.local = null;
    }
    if (this.local) {
      this.audio = true;
      this.video = wantVideo;
      for (const t of this.local.getVideoTracks()) t.enabled = wantVideo;
      this.publishMedia();
    }
    this.statsTimer = setInterval(() => this.sampleLevels(), 500);
    this.ready = true;
    this.setParticipants(this.participants);
  }

  /** The meeting's participants changed (a MeetingUpdate or a reply). */
  setParticipants(users: string[]): void {
    if (this.closed) return;
    this.participants = users;
    if (!this.ready) return; // start() goes on with them once the camera is open
    const first = !this.started;
    this.started = true;
    this.participants = users;
    // An offerer whose room started before ours sent its offer to nobody: ask for another.
    if (first) {
      for (const user of users) if (this.me > user) this.signal(user, 'BYE', 'restart');
    }
    for (const user of [...this.peers.keys()]) {
      if (!users.includes(user)) this.drop(user);
    }
    for (const user of users) {
      if (user === this.me || this.peers.has(user)) continue;
      if (this.me < user) this.offer(user).catch((e) => this.callbacks.error('failed', String(e)));
    }
    this.callbacks.changed();
  }

  /** The server's view of my microphone/camera (a host may have turned them off). */
  serverMedia(audio: boolean, video: boolean): void {
    if (this.pendingMedia > 0 || !this.local) return;
    if (!audio && this.audio) this.setAudio(false, false);
    if (!video && this.video) this.setVideo(false, false);
  }

  setAudio(on: boolean, publish = true): void {
    if (!this.local) return;
    this.audio = on;
    for (const t of this.local.getAudioTracks()) t.enabled = on;
    if (publish) this.publishMedia();
    this.callbacks.changed();
  }

  setVideo(on: boolean, publish = true): void {
    if (!this.local) return;
    this.video = on;
    for (const t of this.local.getVideoTracks()) t.enabled = on;
    if (publish) this.publishMedia();
    this.callbacks.changed();
  }

  tiles(): Tile[] {
    const out: Tile[] = [{ user: this.me, stream: this.local, local: true }];
    for (const user of this.participants) {
      if (user === this.me) continue;
      out.push({ user, stream: this.peers.get(user)?.stream ?? null, local: false });
    }
    return out;
  }

  /** The participant heard the loudest now, if anyone speaks. */
  speaker(): string {
    let best = '';
    let level = 0.02;
    for (const [user, l] of this.levels) {
      if (l > level) {
        best = user;
        level = l;
      }
    }
    return best;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.statsTimer);
    this.offSignal?.();
    this.offState?.();
    for (const user of [...this.peers.keys()]) {
      this.signal(user, 'BYE', '', this.peers.get(user)?.session);
      this.drop(user);
    }
    for (const t of this.local?.getTracks() ?? []) t.stop();
    this.local = null;
  }

  // ---- peer connections -------------------------------------------------------------------

  private publishMedia(): void {
    this.pendingMedia++;
    setMeetingMedia(this.client, this.meetingId, { audio: this.audio, video: this.video })
      .catch(() => {})
      .finally(() => this.pendingMedia--);
  }

  private peer(user: string, offerer: boolean): Peer {
    const existing = this.peers.get(user);
    if (existing) return existing;
    const pc = new RTCPeerConnection(this.ice);
    const peer: Peer = { user, pc, session: '', stream: null, pendingIce: [], offerer };
    if (this.local) {
      for (const track of this.local.getTracks()) pc.addTrack(track, this.local);
    } else {
      pc.addTransceiver('audio', { direction: 'recvonly' });
      pc.addTransceiver('video', { direction: 'recvonly' });
    }
    pc.ontrack = (e) => {
      peer.stream = e.streams[0] ?? new MediaStream([e.track]);
      this.callbacks.changed();
    };
    pc.onicecandidate = (e) => {
      if (e.candidate) this.signal(user, 'ICE', JSON.stringify(e.candidate.toJSON()), peer.session);
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed' && peer.offerer && !this.closed) {
        this.offer(user, true).catch(() => {});
      }
      this.callbacks.changed();
    };
    this.peers.set(user, peer);
    return peer;
  }

  private async offer(user: string, iceRestart = false): Promise<void> {
    const peer = this.peer(user, true);
    const offer = await peer.pc.createOffer(iceRestart ? { iceRestart: true } : {});
    await peer.pc.setLocalDescription(offer);
    this.signal(user, 'OFFER', JSON.stringify(peer.pc.localDescription), peer.session);
  }

  private async onSignal(s: { fromUser: string; fromSession: string; kind: string; payload: string }): Promise<void> {
    // Before the camera is open we cannot answer; the BYE "restart" sent once ready asks for a
    // fresh offer.
    if (this.closed || !this.ready) return;
    const user = s.fromUser;
    if (s.kind === 'BYE') {
      const peer = this.peers.get(user);
      this.drop(user);
      // The other side started over (its connection came back): the offerer offers again.
      if (s.payload === 'restart' && this.me < user && this.participants.includes(user)) await this.offer(user);
      else if (peer) this.callbacks.changed();
      return;
    }
    if (s.kind === 'OFFER') {
      // A new peer connection over there (not an ICE restart of the same one): start afresh.
      const existing = this.peers.get(user);
      const description = JSON.parse(s.payload);
      if (existing && (existing.session !== s.fromSession ||
          fingerprint(existing.pc.remoteDescription?.sdp) !== fingerprint(description.sdp))) {
        this.drop(user);
      }
      const peer = this.peer(user, false);
      peer.session = s.fromSession;
      await peer.pc.setRemoteDescription(description);
      await this.flushIce(peer);
      const answer = await peer.pc.createAnswer();
      await peer.pc.setLocalDescription(answer);
      // The answer names the offer it answers (its ICE username fragment), so that an offerer
      // that started over meanwhile can tell it from the answer to its new offer.
      const reply = { ...peer.pc.localDescription!.toJSON(), offerUfrag: ufrag(description.sdp) };
      this.signal(user, 'ANSWER', JSON.stringify(reply), s.fromSession);
      return;
    }
    const peer = this.peers.get(user);
    if (!peer) return;
    if (s.kind === 'ANSWER') {
      const answer = JSON.parse(s.payload);
      // An answer to an offer of a connection we have since replaced (a BYE "restart" crossed
      // it): taking it would pair our new offer with a dropped connection's credentials, and
      // the connection would stay "connecting".
      if (peer.pc.signalingState !== 'have-local-offer') return;
      if (answer.offerUfrag && answer.offerUfrag !== ufrag(peer.pc.localDescription?.sdp)) return;
      peer.session = s.fromSession;
      await peer.pc.setRemoteDescription({ type: answer.type, sdp: answer.sdp });
      await this.flushIce(peer);
    } else if (s.kind === 'ICE') {
      const candidate = JSON.parse(s.payload) as RTCIceCandidateInit;
      if (peer.pc.remoteDescription) await addCandidate(peer.pc, candidate);
      else peer.pendingIce.push(candidate);
    }
  }

  private async flushIce(peer: Peer): Promise<void> {
    const pending = peer.pendingIce;
    peer.pendingIce = [];
    for (const c of pending) await addCandidate(peer.pc, c);
  }

  // Signals to one participant go out in order, each once the one before it is answered. The
  // server refuses signals over meeting.signal_burst (per connection) as RATE_LIMITED; such a
  // signal is sent again after the server's retry_after and the ones behind it wait, so that no
  // ICE candidate is lost (the connection would stay "connecting") and none overtakes its offer.
  // Different participants' queues do not wait for each other.
  private signal(user: string, kind: string, payload: string, toSession?: string): void {
    const body = {
      meetingId: this.meetingId,
      toUser: user,
      kind: kind as any,
      payload,
      ...(toSession ? { toSession } : {}),
    };
    const queued = (this.outgoing.get(user) ?? Promise.resolve()).then(() => this.send(body));
    this.outgoing.set(user, queued);
    void queued.finally(() => {
      if (this.outgoing.get(user) === queued) this.outgoing.delete(user);
    });
  }

  private async send(body: Parameters<typeof sendMeetingSignal>[1]): Promise<void> {
    for (let tries = 0; !this.closed; tries++) {
      try {
        await sendMeetingSignal(this.client, body);
        return;
      } catch (e: any) {
        // Anything else (the peer left, the meeting ended, the connection dropped) ends this
        // signal: the room starts over from the state the server sends.
        if (e?.code !== 'RATE_LIMITED' || tries >= SIGNAL_RETRIES) return;
        const delay = Math.min(5_000, Math.max(Number(e.retryAfterMs) || 0, 100 * 2 ** tries));
        await new Promise((done) => setTimeout(done, delay));
      }
    }
  }

  private drop(user: string): void {
    const peer = this.peers.get(user);
    if (!peer) return;
    this.peers.delete(user);
    this.levels.delete(user);
    peer.pc.close();
    this.callbacks.changed();
  }

  private restartAll(): void {
    for (const user of [...this.peers.keys()]) this.drop(user);
    for (const user of this.participants) {
      if (user === this.me) continue;
      if (this.me < user) this.offer(user).catch(() => {});
      else this.signal(user, 'BYE', 'restart');
    }
  }

  // Audio levels from the peer connections' statistics (inbound audio) and the local source.
  private async sampleLevels(): Promise<void> {
    for (const [user, peer] of this.peers) {
      try {
        const stats = await peer.pc.getStats();
        stats.forEach((r: any) => {
          if (r.type === 'inbound-rtp' && r.kind === 'audio' && typeof r.audioLevel === 'number')
            this.levels.set(user, r.audioLevel);
          if (r.type === 'media-source' && r.kind === 'audio' && typeof r.audioLevel === 'number')
            this.levels.set(this.me, this.audio ? r.audioLevel : 0);
        });
      } catch {
        /* closed meanwhile */
      }
    }
    this.callbacks.changed();
  }
}

// A description's ICE username fragment: new for every offer that restarts ICE, and for every
// new peer connection.
function ufrag(sdp: string | undefined): string {
  return /a=ice-ufrag:(\S+)/.exec(sdp ?? '')?.[1] ?? '';
}

// A candidate of a connection the other side has since replaced carries an ICE username
// fragment this one does not know, and the browser refuses it: not an error of the room.
async function addCandidate(pc: RTCPeerConnection, candidate: RTCIceCandidateInit): Promise<void> {
  try {
    await pc.addIceCandidate(candidate);
  } catch {
    /* stale: its connection is gone */
  }
}

// The DTLS certificate's fingerprint: the same for every offer of one peer connection.
function fingerprint(sdp: string | undefined): string {
  return /a=fingerprint:\S+ \S+/.exec(sdp ?? '')?.[0] ?? '';
}
