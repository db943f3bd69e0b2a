#pragma once
// The Lua scripts of the Redis store. Each runs atomically in Redis and touches only the keys
// it is given. The log, directory and presence scripts keep to one hash tag each (redis/
// keys.hpp), so each could run on a Redis Cluster shard; the record swap (duty calls) and the
// meeting scripts also touch their indexes, and a subtree call several groups' logs: one
// Redis (with replicas) is what they need (docs/ARCHITECTURE.md: what Cluster would take).
// Their bodies, with the KEYS/ARGV each expects and what it returns, are in
// redis_scripts.cpp (log, directory, presence, liveness), redis/record_scripts.cpp (the
// generic record scripts of features), redis_meeting_scripts.cpp and redis_push_scripts.cpp;
// the Lua they share in redis_lua.cpp.
//
// Scripts that only read start with `#!lua flags=no-writes` (Redis 7): they may run on a
// replica and while Redis is out of memory.

#include <vector>

#include "redis/script.hpp"

namespace muster::store::redis_scripts {

// The event log.
const redis::Script& append();
const redis::Script& read_range();
const redis::Script& trim_by_age();

// The directory.
const redis::Script& put_group();
const redis::Script& list_groups();
const redis::Script& put_member();
const redis::Script& remove_member();
const redis::Script& members_of();
const redis::Script& first_member_name();

// Presence.
const redis::Script& presence_join();
const redis::Script& presence_leave();
const redis::Script& presence_list();
const redis::Script& presence_refresh();
const redis::Script& presence_count();
const redis::Script& user_connected();

// Which node processes are alive; a node's entry in either (a user's nodes, the live nodes).
const redis::Script& nodes_alive();
const redis::Script& live_entry();

// Duty calls and sign-in use the generic record scripts (store/redis/record_scripts.hpp).

// Meetings.
const redis::Script& meeting_claim();
const redis::Script& meeting_unclaim();
const redis::Script& meeting_create();
const redis::Script& meeting_swap();
const redis::Script& meeting_read();

// The push outbox and devices.
const redis::Script& outbox_enqueue();
const redis::Script& outbox_list();
const redis::Script& outbox_remove();
const redis::Script& outbox_sweep();
const redis::Script& outbox_get();
const redis::Script& outbox_swap();
const redis::Script& device_put();
const redis::Script& device_remove();
const redis::Script& devices_list();

// Every script a node runs (those above and the duty call's second step,
// store/redis/duty_fanout_scripts.hpp), for SCRIPT LOAD when a connection opens: a script
// that is not loaded falls back from EVALSHA to EVAL, which may overtake commands queued
// behind it (redis/connection.hpp).
std::vector<const redis::Script*> all();

}  // namespace muster::store::redis_scripts
