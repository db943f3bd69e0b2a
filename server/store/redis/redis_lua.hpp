#pragma once
// Lua shared by the Redis store's scripts: each script is one of these libraries (or several)
// followed by its own body, so that what must happen the same way everywhere is written once.
// The most important: appending an event to a group's log (the next seq, the stream entry,
// the publication) is `muster_append`, used by the chat append script, the generic record swap
// (duty calls) and the meeting swap, so that an event of any kind gets its seq, entry and
// PUBLISH exactly as a chat message does.
//
// A library is a sequence of `local function` definitions; put them before the body. Cost:
// Redis parses them with every script that includes them (once per SCRIPT LOAD, not per call).

#include <string>
#include <string_view>

namespace muster::store::redis_lua {

// muster_varint(n): protobuf's base-128 varint of an integer 0..2^53.
// muster_append(seq_key, log_key, channel, event, time_ms, retention): INCR, XADD (trimmed to
// about `retention` events; '0' = unbounded), PUBLISH of `event` with field 2 (seq) appended.
// The caller checks first that the group exists (its seq key). Returns the seq.
std::string_view append();

// Presence of one group (needs nothing), k = {online=, nodes=, names=, users=} (redis/keys.hpp):
// presence_now() is Redis' clock in ms; presence_elsewhere(k, user) whether any node still has
// a live entry for the user; presence_gone(k, user) takes a user online nowhere out of the
// index and the names; presence_sweep(k, now) drops expired entries (a dead node's) and the
// users they were the last of. `users` is the index of who is online (score 0, so that
// ZRANGEBYLEX pages it by user id and ZCARD counts it without reading it).
std::string_view presence();

// The push outbox (needs nothing): outbox_add(k, user, title, body, data, created) -> id,
// outbox_forget(k, id) -> 0|1, outbox_trim(k, max, cutoff) -> dropped, where k is
// {next=, ids=, data=, by_user=} (redis/keys.hpp).
std::string_view outbox();

// "#!lua flags=no-writes" (and the libraries, and the body): a read-only script. Such a
// script may run on a replica and while Redis is out of memory.
std::string read_only(std::string_view libraries, std::string_view body);

}  // namespace muster::store::redis_lua
