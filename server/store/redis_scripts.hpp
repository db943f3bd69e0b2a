#pragma once
// The Lua scripts of the Redis store. Each runs atomically in Redis; each touches only the
// keys it is given, all under one hash tag (redis/keys.hpp), so each can run on a Redis
// Cluster shard. Their bodies, with the KEYS/ARGV each expects and what it returns, are in
// redis_scripts.cpp.
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

// Presence.
const redis::Script& presence_join();
const redis::Script& presence_leave();
const redis::Script& presence_list();
const redis::Script& presence_refresh();
const redis::Script& user_connect();
const redis::Script& user_connected();

// Every script above, for SCRIPT LOAD when a connection opens.
std::vector<const redis::Script*> all();

}  // namespace muster::store::redis_scripts
