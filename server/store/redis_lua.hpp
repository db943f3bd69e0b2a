#pragma once
// Lua shared by the Redis store's scripts: each script is one of these libraries (or several)
// followed by its own body, so that what must happen the same way everywhere is written once.
// The most important: appending an event to a group's log (the next seq, the stream entry,
// the publication) is `muster_append`, used by the chat append script and by every duty-call
// and meeting script, so that an event of any kind gets its seq, entry and PUBLISH exactly as
// a chat message does.
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

// Protobuf encoding of the messages scripts build themselves (needs append()):
// pb_uint/pb_bytes/pb_repeated(out, field, value) add a field to the table `out` (proto3:
// zero and empty values are left out); pb_message(field, bytes) is an embedded message.
std::string_view protobuf();

// muster_sort(list): sorts strings by their bytes (Lua's < follows the server's locale).
std::string_view sort();

// The push outbox (needs nothing): outbox_add(k, user, title, body, data, created) -> id,
// outbox_forget(k, id) -> 0|1, outbox_trim(k, max, cutoff) -> dropped, where k is
// {next=, ids=, data=, by_user=} (redis/keys.hpp).
std::string_view outbox();

// Duty calls (needs append(), protobuf(), sort(), outbox()): the KEYS/ARGV layout every duty
// script shares (duty_targets), loading a call and an answer, the tally, and announcing a
// change in every target group. The layout is in redis_lua.cpp, built by RedisDutyStore.
std::string_view duty();

// "#!lua flags=no-writes" (and the libraries, and the body): a read-only script. Such a
// script may run on a replica and while Redis is out of memory.
std::string read_only(std::string_view libraries, std::string_view body);

}  // namespace muster::store::redis_lua
