// Calling someone by name in a message: typing "@" opens the group's members, narrowed by
// what follows it; a tap writes "@name " into the message and remembers whom it names. Those
// not connected get a push (`publish { mentions }`), so volunteers can reach one person in a
// busy group.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { useModel } from '../hooks';
import { t } from '../i18n';

export interface Member {
  user: string;
  name: string;
}

// The most names shown at once: a phone screen's worth.
const SHOWN = 8;

// Each group's members, read once while the app is open.
const known = new Map<string, Promise<Member[]>>();

function membersOf(group: string): Promise<Member[]> {
  let members = known.get(group);
  if (!members) {
    members = api('GET', `/api/v1/groups/${encodeURIComponent(group)}/members`).then(
      (r) => (r.members || []).map((mb: any) => ({ user: mb.user, name: mb.name || mb.user })),
      (e) => {
        known.delete(group); // asked again next time
        throw e;
      },
    );
    known.set(group, members);
  }
  return members;
}

// What is being typed after an "@" at the end of `text` (null: no "@" being typed).
export function mentionQuery(text: string): string | null {
  const at = /(?:^|\s)@([^\s@]*)$/.exec(text);
  return at ? at[1] : null;
}

// `text` with its trailing "@query" replaced by "@name ".
export function withMention(text: string, name: string): string {
  return text.replace(/@([^\s@]*)$/, `@${name} `);
}

// The ids of `picked` whose "@name" is still in `text` (a name deleted is no longer called).
export function mentionsIn(text: string, picked: Map<string, string>): string[] {
  return [...picked].filter(([, name]) => text.includes(`@${name}`)).map(([user]) => user);
}

export function MentionPicker({ group, query, onPick }: { group: string; query: string; onPick: (m: Member) => void }) {
  const model = useModel();
  const [members, setMembers] = useState<Member[] | null>(null);
  useEffect(() => {
    membersOf(group).then(setMembers, (e) => model.error(e));
  }, [group]);
  if (!members) return null;
  const q = query.toLowerCase();
  const matching = members
    .filter((mb) => mb.user !== model.me)
    .filter((mb) => !q || mb.name.toLowerCase().includes(q) || mb.user.toLowerCase().includes(q))
    .slice(0, SHOWN);
  return (
    <div class="mention-picker" role="listbox" aria-label={t('mentionSomeone')}>
      {matching.length === 0 ? <div class="muted small">{t('noSuchMember')}</div> : null}
      {matching.map((mb) => (
        <button
          type="button"
          key={mb.user}
          class="mention-option"
          role="option"
          data-mention={mb.user}
          // Keep the input's focus (and the phone's keyboard) while a name is tapped.
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => onPick(mb)}
        >
          {mb.name}
        </button>
      ))}
    </div>
  );
}
