// A meeting's voice and video through the SFU (PROTOCOL.md "Meeting media", mode SFU): one
// peer connection publishing our camera and microphone to the meeting's Janus VideoRoom, and
// one per other participant's feed, received from Janus. Spoken to over Janus's HTTP API
// directly (no janus.js): create a session, attach handles to janus.plugin.videoroom, long-poll
// the session for events. The room admits us with the token Muster handed out in the meeting
// snapshot; we join with our user id as display name, which is how Muster finds us to send us
// out when we leave and how the tiles know whose feed is whose.
//
// Janus announces a publisher to the others once its media is up (after its webrtcup), so we
// subscribe to the feeds of the `joined` answer and of later `publishers` events, never
// earlier. SDPs go complete (we wait for ICE gathering), Janus's candidates come in its SDP or
// as trickle events. Re-join after a drop: when the Janus session is lost (a failed long poll,
// an error answer, the publisher's connection failing) or our WebSocket to Muster comes back,
// everything is torn down and joined afresh, after 1, 2, 4... s (at most 15 s), with a
// meeting_join first (Muster admits us again, and makes the room again if Janus restarted).
//
// Same surface as MeshRoom (tiles, levels, toggles, peers for the browser tests).
import { setMeetingMedia } from '@muster/client';
import { CAMERA, type RoomCallbacks, type Tile } from './mesh_room';

export interface SfuMedia {
  sfuUrl: string;
  room: string;
  token: string;
}

interface Feed {
  user: string;
  feed: number;
  handle: number;
  pc: RTCPeerConnection;
  stream: MediaStream | null;
}

export class JanusRoom {
  local: MediaStream | null = null;
  audio = false;
  video = false;
  peers = new Map<string, Feed>(); // user -> their feed as we receive it
  levels = new Map<string, number>();
  private participants: string[] = [];
  private session = 0;
  private publisher = 0;
  private publisherPc: RTCPeerConnection | null = null;
  private handles = new Map<number, (event: any) => void>();
  private closed = false;
  private generation = 0; // bumps at every (re)join: answers of an older one are ignored
  private retryDelay = 1000;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private offState: (() => void) | null = null;
  private pendingMedia = 0;
  private transaction = 0;
  private attempts = 0;

  constructor(
    private client: any,
    private meetingId: string,
    private me: string,
    private media: SfuMedia,
    private callbacks: RoomCallbacks,
  ) {}

  async start(wantVideo: boolean): Promise<void> {
    let reconnected = false;
    this.offState = this.client.on('state', (state: string) => {
      if (state !== 'connected') {
        reconnected = true;
        return;
      }
      if (!reconnected || this.closed) return;
      reconnected = false;
      this.rejoin(0); // joins the meeting again first (see join())
    });
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
    await this.join();
  }

  /** The meeting's participants changed: tiles follow (feeds come and go with Janus's events). */
  setParticipants(users: string[]): void {
    this.participants = users;
    for (const user of [...this.peers.keys()]) if (!users.includes(user)) this.dropFeed(user);
    this.callbacks.changed();
  }

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
    clearTimeout(this.retryTimer);
    clearInterval(this.statsTimer);
    this.offState?.();
    this.teardown(true);
    for (const t of this.local?.getTracks() ?? []) t.stop();
    this.local = null;
  }

  // ---- Janus ------------------------------------------------------------------------------

  private async join(): Promise<void> {
    const generation = ++this.generation;
    try {
      if (this.attempts++ > 0) {
        // Joining again: Muster admits us again (and makes the room again if Janus restarted).
        const reply = await this.client.request('meeting_join', { meetingId: this.meetingId });
        if (generation !== this.generation) return;
        if (reply?.media?.mode !== 'SFU') return; // the meeting ended meanwhile
        this.media = reply.media;
      }
      const created = await this.post('', { janus: 'create' });
      if (generation !== this.generation) return;
      this.session = created.data.id;
      this.poll(generation);
      this.publisher = await this.attach();
      this.handles.set(this.publisher, (event) => this.onPublisherEvent(event, generation));
      const joined = await this.message(this.publisher, {
        request: 'join',
        ptype: 'publisher',
        room: Number(this.media.room),
        token: this.media.token,
        display: this.me,
      });
      if (joined?.janus === 'error') throw new Error(joined.error?.reason ?? 'Janus refused');
      this.retryDelay = 1000;
    } catch (e: any) {
      if (generation === this.generation) this.rejoin(this.retryDelay, String(e?.message ?? e));
    }
  }

  /** Tears everything down and joins again after `delay` ms (a drop, a lost session). */
  private rejoin(delay: number, why = ''): void {
    if (this.closed) return;
    if (why) console.warn(`Janus: ${why}; joining again in ${delay} ms`);
    this.generation++;
    this.teardown(false);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.join(), delay);
    this.retryDelay = Math.min(this.retryDelay * 2, 15000);
  }

  private teardown(leave: boolean): void {
    for (const user of [...this.peers.keys()]) this.dropFeed(user);
    this.publisherPc?.close();
    this.publisherPc = null;
    this.handles.clear();
    if (this.session && leave) this.post(`/${this.session}`, { janus: 'destroy' }).catch(() => {});
    this.session = 0;
    this.publisher = 0;
    this.callbacks.changed();
  }

  private async onPublisherEvent(event: any, generation: number): Promise<void> {
    if (generation !== this.generation) return;
    const data = event.plugindata?.data ?? {};
    if (event.janus === 'hangup' || event.janus === 'detached') {
      this.rejoin(this.retryDelay, 'our publisher connection was hung up');
      return;
    }
    if (event.janus === 'trickle' && event.candidate && !event.candidate.completed) {
      await this.publisherPc?.addIceCandidate(event.candidate).catch(() => {});
      return;
    }
    if (event.jsep && this.publisherPc) {
      await this.publisherPc.setRemoteDescription(event.jsep);
    }
    if (data.videoroom === 'joined') {
      await this.publish(generation);
    }
    if (data.error_code) {
      this.callbacks.error('failed', `Janus ${data.error_code}: ${data.error}`);
      this.rejoin(this.retryDelay, data.error);
      return;
    }
    for (const p of data.publishers ?? []) {
      if (p.display && p.display !== this.me) this.subscribe(p.display, p.id, generation).catch(() => {});
    }
    const gone = data.unpublished ?? data.leaving;
    if (gone !== undefined && gone !== 'ok') {
      for (const [user, feed] of this.peers) if (feed.feed === gone) this.dropFeed(user);
    }
    if (data.leaving === 'ok' && data.reason === 'kicked') {
      this.teardown(false); // Muster sent us out (we left the meeting)
    }
  }

  private async publish(generation: number): Promise<void> {
    const pc = new RTCPeerConnection({});
    this.publisherPc = pc;
    if (this.local) {
      for (const track of this.local.getTracks()) pc.addTrack(track, this.local);
    }
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed' && this.publisherPc === pc) {
        this.rejoin(this.retryDelay, 'our connection to Janus failed');
      }
    };
    if (!this.local) return; // receive-only: nothing to publish
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    if (generation !== this.generation) return;
    await this.message(this.publisher, { request: 'configure', audio: true, video: true }, pc.localDescription);
  }

  private async subscribe(user: string, feedId: number, generation: number): Promise<void> {
    if (this.peers.get(user)?.feed === feedId) return;
    this.dropFeed(user);
    const handle = await this.attach();
    if (generation !== this.generation) return;
    const pc = new RTCPeerConnection({});
    const feed: Feed = { user, feed: feedId, handle, pc, stream: null };
    this.peers.set(user, feed);
    pc.ontrack = (e) => {
      if (!feed.stream) feed.stream = new MediaStream();
      feed.stream.addTrack(e.track);
      feed.stream = new MediaStream(feed.stream.getTracks()); // a new object: the tile updates
      this.callbacks.changed();
    };
    pc.onicecandidate = (e) => {
      const candidate = e.candidate ? e.candidate.toJSON() : { completed: true };
      this.post(`/${this.session}/${handle}`, { janus: 'trickle', candidate }).catch(() => {});
    };
    this.handles.set(handle, async (event) => {
      if (generation !== this.generation || this.peers.get(user) !== feed) return;
      if (event.janus === 'trickle' && event.candidate && !event.candidate.completed) {
        await pc.addIceCandidate(event.candidate).catch(() => {});
        return;
      }
      if (!event.jsep) return;
      await pc.setRemoteDescription(event.jsep);
      await pc.setLocalDescription(await pc.createAnswer());
      await this.message(handle, { request: 'start', room: Number(this.media.room) }, pc.localDescription);
    });
    await this.message(handle, {
      request: 'join',
      ptype: 'subscriber',
      room: Number(this.media.room),
      token: this.media.token,
      streams: [{ feed: feedId }],
    });
    this.callbacks.changed();
  }

  private dropFeed(user: string): void {
    const feed = this.peers.get(user);
    if (!feed) return;
    this.peers.delete(user);
    this.levels.delete(user);
    this.handles.delete(feed.handle);
    feed.pc.close();
    if (this.session) this.post(`/${this.session}/${feed.handle}`, { janus: 'detach' }).catch(() => {});
    this.callbacks.changed();
  }

  private async attach(): Promise<number> {
    const reply = await this.post(`/${this.session}`, { janus: 'attach', plugin: 'janus.plugin.videoroom' });
    if (reply.janus !== 'success') throw new Error(reply.error?.reason ?? 'attach failed');
    return reply.data.id;
  }

  private message(handle: number, body: any, jsep?: RTCSessionDescription | null): Promise<any> {
    return this.post(`/${this.session}/${handle}`, { janus: 'message', body, ...(jsep ? { jsep: jsep.toJSON() } : {}) });
  }

  private async post(path: string, message: any): Promise<any> {
    const response = await fetch(this.media.sfuUrl + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...message, transaction: `t${++this.transaction}` }),
    });
    if (!response.ok) throw new Error(`Janus HTTP ${response.status}`);
    return response.json();
  }

  // The session's events, by long poll; a failed poll means the session is gone: join again.
  private async poll(generation: number): Promise<void> {
    const session = this.session;
    while (!this.closed && generation === this.generation && this.session === session) {
      let events: any;
      try {
        const response = await fetch(`${this.media.sfuUrl}/${session}?maxev=10&rid=${Date.now()}`);
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        events = await response.json();
      } catch (e: any) {
        if (generation === this.generation) this.rejoin(this.retryDelay, `lost the Janus session (${e?.message ?? e})`);
        return;
      }
      for (const event of Array.isArray(events) ? events : [events]) {
        if (event?.janus === 'error' && event.error?.code === 458) {
          this.rejoin(this.retryDelay, 'Janus forgot our session');
          return;
        }
        const handler = this.handles.get(event?.sender);
        if (handler) await Promise.resolve(handler(event)).catch((e) => console.warn('Janus event', e));
      }
    }
  }

  private publishMedia(): void {
    this.pendingMedia++;
    setMeetingMedia(this.client, this.meetingId, { audio: this.audio, video: this.video })
      .catch(() => {})
      .finally(() => this.pendingMedia--);
  }

  private async sampleLevels(): Promise<void> {
    for (const [user, feed] of this.peers) {
      try {
        const stats = await feed.pc.getStats();
        stats.forEach((r: any) => {
          if (r.type === 'inbound-rtp' && r.kind === 'audio' && typeof r.audioLevel === 'number') this.levels.set(user, r.audioLevel);
        });
      } catch {
        /* closed meanwhile */
      }
    }
    if (this.publisherPc) {
      try {
        const stats = await this.publisherPc.getStats();
        stats.forEach((r: any) => {
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

// Resolves once the peer connection has gathered its ICE candidates (they go in the SDP), or
// after 3 s with what it has.
function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      pc.removeEventListener('icegatheringstatechange', check);
      clearTimeout(timer);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = setTimeout(done, 3000);
    pc.addEventListener('icegatheringstatechange', check);
  });
}
