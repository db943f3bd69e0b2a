#pragma once
// The scripts of a duty call's second step on Redis (store/redis/redis_duty_fanout.hpp): each
// keeps to one hash tag, so that they run on a Redis Cluster, and each is idempotent, so that
// a retry after a partial failure (a node killed, a master unreachable) completes the step
// without writing anything twice. No duty rule is in them: they check numbers and write what
// they are given.
//
// duty_claim ({duty}): KEYS calls, groups; ARGV call id, its targets ("\n"-joined), its group.
//   Claims the id for these targets (a unique entry: a call id is created once across groups)
//   and lists the group among those with calls. Returns 1 when the id is now, or was already,
//   claimed with these targets; the targets it has when another create claimed it.
//
// duty_fanout (one target group's tag): KEYS seq, log, fanned, calls, states; ARGV call id,
//   update number u, created_at_ms, state, log retention in events, then 3 per event (channel,
//   bytes without seq, time_ms). Appends the events with muster_append and records the call in
//   the group's listing only if the group took the call's updates up to u - 1 and not u.
//   Returns {0, seq per event...}; {1} u was taken already; {-8, last} an earlier update is
//   not taken yet (nothing written); {-5} the group does not exist (nothing written).
//
// duty_push_move ({push}): KEYS pushed, the outbox's next, ids, data, by_user; ARGV call id,
//   push number p, the outbox's bound, the notification (title, body, data, created_ms), then
//   the users. Records one intent per user (ids in their order) only if the outbox took the
//   call's push updates up to p - 1 and not p.
//   Returns {0, intents dropped by the bound}; {1} taken already; {-8, last} as above.
//
// duty_fanned (the call's group's tag): KEYS out, pending; ARGV update number, call id.
//   Forgets a carried update, and the call's pending entry with the last one.

#include "redis/script.hpp"

namespace muster::store::redis_scripts {

const redis::Script& duty_claim();
const redis::Script& duty_fanout();
const redis::Script& duty_push_move();
const redis::Script& duty_fanned();

}  // namespace muster::store::redis_scripts
