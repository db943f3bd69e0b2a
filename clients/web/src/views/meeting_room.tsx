// The meeting room: a video tile per participant (one's own first), microphone and camera
// toggles, the speaker highlighted, the floor holder marked. Media flows through MeshRoom
// (../media/mesh_room.ts) or, when the server gave the meeting an SFU room, through JanusRoom
// (../media/janus_room.ts); this view only mirrors the meeting's state into it. Which one is
// asked of the server (meeting_get) when media starts: the meeting may have got its room at
// its start, after we joined.
import { useEffect, useReducer, useRef, useState } from 'preact/hooks';
import { t } from '../i18n';
import { JanusRoom } from '../media/janus_room';
import { MeshRoom, type Tile } from '../media/mesh_room';
import { model } from '../model';

interface Props {
  meetingId: string;
  state: any;
  host: boolean;
}

// Audio-first beyond max_mesh_peers without an SFU: video from the hosts and the floor holder.
function maySendVideo(state: any, me: string, maxMesh: number, sfu: boolean): boolean {
  const n = (state.participants || []).length;
  return sfu || n <= maxMesh || state.host === me || (state.coHosts || []).includes(me) || state.floor === me;
}

// Voice and video start on a tap (mobile data is dear): until then the meeting runs as before.
export function MeetingRoom(props: Props) {
  const [on, setOn] = useState(false);
  if (!on) {
    return (
      <div class="card" data-section="room">
        <button class="primary big" onClick={() => setOn(true)} data-action="media-start">
          {t('mediaStart')}
        </button>
      </div>
    );
  }
  return <Room {...props} />;
}

function Room({ meetingId, state, host }: Props) {
  const [, rerender] = useReducer((n: number, _: number) => n + 1, 0);
  const [problem, setProblem] = useState<'' | 'denied' | 'failed'>('');
  const room = useRef<MeshRoom | JanusRoom | null>(null);
  const me = model.me;
  const media = model.meetingMedia.get(meetingId);
  const maxMesh = Number(media?.maxMeshPeers ?? 4);
  const sfu = media?.mode === 'SFU';
  const videoAllowed = maySendVideo(state, me, maxMesh, sfu);
  const users: string[] = (state.participants || []).map((p: any) => p.user);
  const usersRef = useRef(users);
  usersRef.current = users;

  useEffect(() => {
    let r: MeshRoom | JanusRoom | null = null;
    let gone = false;
    const callbacks = { changed: () => rerender(0), error: (kind: 'denied' | 'failed') => setProblem(kind) };
    (async () => {
      let current = media;
      try {
        const reply = await model.sdk.request('meeting_get', { meetingId });
        if (reply?.media) {
          current = reply.media;
          model.meetingMedia.set(meetingId, reply.media);
        }
      } catch {
        /* keep what the join said */
      }
      if (gone) return;
      const useSfu = current?.mode === 'SFU';
      r = useSfu
        ? new JanusRoom(model.sdk, meetingId, me, current, callbacks)
        : new MeshRoom(model.sdk, meetingId, me, callbacks);
      room.current = r;
      (window as any).musterRoom = r; // for the browser tests' getStats checks
      r.setParticipants(usersRef.current);
      const latest = model.meetings.get(meetingId) ?? state;
      await r.start(maySendVideo(latest, me, Number(current?.maxMeshPeers ?? 4), useSfu));
      rerender(0);
    })().catch((e) => model.error(e));
    return () => {
      gone = true;
      r?.close();
      if ((window as any).musterRoom === r) (window as any).musterRoom = null;
      room.current = null;
    };
  }, [meetingId]);

  useEffect(() => {
    room.current?.setParticipants(users);
  }, [users.join('\n')]);

  const mine = (state.participants || []).find((p: any) => p.user === me);
  useEffect(() => {
    if (mine) room.current?.serverMedia(!!mine.audio, !!mine.video);
  }, [!!mine?.audio, !!mine?.video]);

  // Granting the floor opens the speaker's microphone.
  useEffect(() => {
    if (state.floor === me) room.current?.setAudio(true);
  }, [state.floor === me]);

  // Losing the right to send video (the meeting grew) turns the camera off.
  useEffect(() => {
    if (!videoAllowed && room.current?.video) room.current.setVideo(false);
  }, [videoAllowed]);

  const r = room.current;
  const speaker = r?.speaker() ?? '';
  const tiles = r?.tiles() ?? [];
  return (
    <div class="card" data-section="room">
      {problem ? (
        <p class="error" data-media-error={problem}>
          {problem === 'denied' ? t('mediaDenied') : t('mediaFailed')}
        </p>
      ) : null}
      <div class="tiles">
        {tiles.map((tile) => (
          <VideoTile key={tile.user} tile={tile} speaking={tile.user === speaker} floor={state.floor === tile.user}
            muted={!(state.participants || []).find((p: any) => p.user === tile.user)?.audio} />
        ))}
      </div>
      {r?.local ? (
        <div class="actions">
          <button onClick={() => r.setAudio(!r.audio)} data-action="mic" data-on={r.audio ? '1' : '0'}>
            {r.audio ? t('mute') : t('unmute')}
          </button>
          <button onClick={() => r.setVideo(!r.video)} data-action="camera" data-on={r.video ? '1' : '0'} disabled={!r.video && !videoAllowed}>
            {r.video ? t('cameraOff') : t('cameraOn')}
          </button>
        </div>
      ) : null}
      {!videoAllowed ? <p class="muted small">{t('audioFirst')}</p> : null}
      <p class="muted small" data-media-mode={sfu ? 'SFU' : 'MESH'}>{sfu ? t('viaSfu') : t('viaMesh')}</p>
      {host ? (
        <div class="small" data-section="host-media">
          {(state.participants || [])
            .filter((p: any) => p.user !== me && p.audio)
            .map((p: any) => (
              <button key={p.user} class="link small" data-action="mute-other" data-user={p.user}
                onClick={() => model.request('meeting_media', { meetingId, user: p.user, audio: false, video: !!p.video }).catch((e) => model.error(e))}>
                {t('muteOther')} {p.name || model.nameOf(p.user)}
              </button>
            ))}
        </div>
      ) : null}
    </div>
  );
}

function VideoTile({ tile, speaking, floor, muted }: { tile: Tile; speaking: boolean; floor: boolean; muted: boolean }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== tile.stream) ref.current.srcObject = tile.stream;
  }, [tile.stream]);
  return (
    <figure class={`tile${speaking ? ' speaking' : ''}${floor ? ' floor' : ''}`} data-tile={tile.user}
      data-speaking={speaking ? '1' : '0'}>
      <video ref={ref} autoplay playsInline muted={tile.local} />
      <figcaption>
        {tile.local ? t('you') : model.nameOf(tile.user)}
        {muted ? ' 🔇' : ''}
      </figcaption>
    </figure>
  );
}
