// Keeping a meeting's state current from its MeetingUpdate events.
//
// An update carries what changed (the user, the participant who joined, came back or went away,
// the shared item added), the meeting's scalar state after it (title, phase, floor, agenda
// index, the roll call's times) and the sizes of its lists after it (participants, hands, roll
// call answers), never the lists themselves: its size does not grow with the meeting. The whole
// state is the reply to meeting_join and meeting_get. applyMeetingUpdate() turns a known state
// and the next update into the state after it; it answers null when the update cannot be
// applied exactly (no snapshot yet, a change whose names the update does not carry, counts that
// disagree): fetch the state with meeting_get then (MeetingTracker does that by itself).
//
// Order: updates must be applied in seq order, each once (a Subscription's onEvent guarantees
// both). Pure functions; the tracker is single-threaded like the client.
import type { MusterClient } from './client.js';
import type { MeetingState, MeetingUpdate, Participant } from './gen/types.js';

/** Scalar fields of MeetingState: an update's `state` has them all, and no lists. */
const SCALARS = [
  'title', 'host', 'coHosts', 'phase', 'scheduledAtMs', 'startedAtMs', 'endedAtMs',
  'agendaIndex', 'floor',
] as const;

function withoutUser<T>(list: T[] | undefined, user: string, key?: (item: T) => string): T[] {
  return (list ?? []).filter((item) => (key ? key(item) : (item as unknown as string)) !== user);
}

/**
 * The state after `update`, or null when it must be fetched (meeting_get). `state` is not
 * modified. An update of another meeting, or for a state that is already newer, is a caller's
 * mistake: null as well.
 */
export function applyMeetingUpdate(
  state: MeetingState | undefined,
  update: MeetingUpdate,
): MeetingState | null {
  if (!state || state.meetingId !== update.meetingId) return null;
  const next: MeetingState = {
    ...state,
    participants: [...(state.participants ?? [])],
    hands: [...(state.hands ?? [])],
    shared: [...(state.shared ?? [])],
  } as MeetingState;
  const scalars = update.state;
  if (scalars) {
    for (const field of SCALARS) {
      if (field in scalars) (next as any)[field] = (scalars as any)[field];
    }
  }
  if (update.phase && update.phase !== 'PHASE_UNSPECIFIED') next.phase = update.phase;
  const user = update.user ?? '';
  const participant: Participant | undefined = update.participant;
  switch (update.change) {
    case 'SCHEDULED':
      return null;  // the agenda is not in the update
    case 'JOINED':
    case 'BACK':
    case 'AWAY': {
      if (!participant?.user) return null;  // AWAY of everyone (a node restarted)
      const at = next.participants.findIndex((p) => p.user === participant.user);
      if (at >= 0) next.participants[at] = participant;
      else next.participants.push(participant);
      break;
    }
    case 'LEFT':
    case 'DROPPED':
      if (!user) return null;
      next.participants = withoutUser(next.participants, user, (p) => p.user);
      next.hands = withoutUser(next.hands, user);
      break;
    case 'HAND_RAISED':
      if (!next.hands.includes(user)) next.hands.push(user);
      break;
    case 'HAND_LOWERED':
      next.hands = withoutUser(next.hands, user);
      break;
    case 'FLOOR_GRANTED':
      next.hands = withoutUser(next.hands, user);
      break;
    case 'SHARED': {
      const item = update.shared;
      if (!item) return null;
      // Idempotent like the other changes: a reply's state may already hold the item.
      const same = (s: typeof item) =>
        s.url === item.url && s.title === item.title && s.by === item.by && s.timeMs === item.timeMs;
      if (!next.shared.some(same)) next.shared.push(item);
      break;
    }
    case 'ROLL_CALL_OPENED':
      next.rollCall = { ...(scalars?.rollCall ?? {}), present: [], absent: [] } as any;
      break;
    case 'ROLL_ANSWERED': {
      const roll = { ...(next.rollCall ?? {}), ...(scalars?.rollCall ?? {}) } as any;
      roll.present = [...(state.rollCall?.present ?? [])];
      if (!roll.present.includes(user)) roll.present.push(user);
      roll.absent = [...(state.rollCall?.absent ?? [])];
      next.rollCall = roll;
      break;
    }
    case 'ROLL_CALL_CLOSED':
      return null;  // the names of the absent are not in the update
    case 'ENDED':
      if (state.rollCall?.open) return null;  // ending closed the roll call: its names
      next.participants = [];
      next.hands = [];
      break;
    default:
      // STARTED, AGENDA_ITEM, ENDED and changes added later: the scalars, and the participant
      // an update names.
      if (participant?.user) {
        const at = next.participants.findIndex((p) => p.user === participant.user);
        if (at >= 0) next.participants[at] = participant;
      }
      break;
  }
  if (update.change !== 'ROLL_CALL_OPENED' && scalars?.rollCall) {
    next.rollCall = {
      ...scalars.rollCall,
      present: next.rollCall?.present ?? [],
      absent: next.rollCall?.absent ?? [],
    } as any;
  }
  // The counts say whether the lists came out right (a missed update, a rule applied
  // differently): when they disagree, the state is fetched.
  if ((update.participantCount ?? next.participants.length) !== next.participants.length) return null;
  if ((update.handCount ?? next.hands.length) !== next.hands.length) return null;
  const answered = next.rollCall?.present?.length ?? 0;
  if ((update.change === 'ROLL_ANSWERED' || update.change === 'ROLL_CALL_OPENED') &&
      (update.presentCount ?? answered) !== answered) {
    return null;
  }
  return next;
}

/**
 * The current state of the meetings an app follows, from their updates. A meeting is followed
 * from its first whole state: `set()` with the reply to meeting_join (or any meeting command:
 * pass its `seq`), or `fetch()`. Feed `apply()` every MeetingUpdate of the subscription with its
 * event's seq: updates of meetings not followed are ignored, updates the state already holds
 * (seq at or below the state's) are skipped, and when an update is not enough the state is
 * fetched again with meeting_get (one request at a time per meeting). `onChange` gets each new
 * state.
 */
export class MeetingTracker {
  private readonly states = new Map<string, { state: MeetingState; seq: number }>();
  private readonly fetching = new Map<string, Promise<MeetingState | undefined>>();

  constructor(
    private readonly client: Pick<MusterClient, 'request'>,
    private readonly onChange: (state: MeetingState) => void = () => {},
  ) {}

  /** The state last known (a whole state with every update since applied), if followed. */
  get(meetingId: string): MeetingState | undefined {
    return this.states.get(meetingId)?.state;
  }

  /**
   * Follows a meeting from a whole state. `seq`: the log position the state is known to hold
   * (a command's reply seq; 0 = unknown, e.g. meeting_get's).
   */
  set(state: MeetingState, seq = 0): void {
    if (!state?.meetingId) return;
    const known = this.states.get(state.meetingId);
    this.states.set(state.meetingId, { state, seq: Math.max(seq, known?.seq ?? 0) });
    this.onChange(state);
  }

  /**
   * Applies the next update of the log (`seq`: its event's seq). False when the meeting is not
   * followed or the update was already held; true when applied or a fetch was started.
   */
  apply(update: MeetingUpdate, seq = 0): boolean {
    const known = this.states.get(update.meetingId);
    if (!known) return false;
    if (seq > 0 && seq <= known.seq) return false;
    const next = applyMeetingUpdate(known.state, update);
    if (next) {
      this.set(next, seq);
      return true;
    }
    void this.fetch(update.meetingId).catch(() => {});
    return true;
  }

  /** The whole state from the server (meeting_get), at most one request at a time. */
  fetch(meetingId: string): Promise<MeetingState | undefined> {
    const pending = this.fetching.get(meetingId);
    if (pending) return pending;
    const request = this.client
      .request('meeting_get', { meetingId })
      .then((reply: any) => {
        if (reply?.state) this.set(reply.state as MeetingState);
        return reply?.state as MeetingState | undefined;
      })
      .finally(() => this.fetching.delete(meetingId));
    this.fetching.set(meetingId, request);
    return request;
  }
}
