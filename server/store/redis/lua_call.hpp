#pragma once
// Calling the Redis store's Lua scripts by the names their files give KEYS and ARGV.
//
// The scripts are server/store/redis/lua/*.lua (libraries in lua/lib/), embedded at build time
// by lua/embed_lua.cmake into build/server/gen/store/redis/lua_scripts.hpp: per script a struct
// (record_swap.lua -> lua::RecordSwap) with its text and the aggregates Keys and Args whose
// members are the script's own names for its positions, in order. A call names them:
//
//   lua::run<lua::Append>(client, {.seq_key = keys.seq(g), .log_key = keys.log(g), ...},
//                         {.event = bytes, .ttl_s = ttl, ...}, done);
//
// so that a script that renames, adds or reorders a position breaks the build of every caller
// that does not follow (designated initializers must follow the declaration order, and a
// position left out does not compile: lua_value.hpp). A script with a variadic tail has a
// `more` member after the named ones.
//
// Each script runs atomically in Redis and touches only the keys it is given. Scripts that
// only read start with `#!lua flags=no-writes` (Redis 7): they may run on a replica and while
// Redis is out of memory. Every script is loaded (SCRIPT LOAD) when a connection opens
// (lua::all()): a script that is not loaded falls back from EVALSHA to EVAL, which may
// overtake commands queued behind it (redis/connection.hpp). A script that publishes has a
// sharded variant with SPUBLISH made from the same text (redis/script.hpp).
//
// Threads: as redis::Client::run() and redis::Script::run() (any thread / the loop thread).

#include <utility>

#include "redis/client.hpp"
#include "redis/commands.hpp"
#include "redis/script.hpp"
#include "store/redis/lua_scripts.hpp"

namespace muster::store::lua {

// On a client (any thread; `done` on the Redis thread).
template <typename Script>
void run(redis::Client& client, typename Script::Keys keys, typename Script::Args args,
         redis::ReplyCallback done, bool wait_for_connection = false) {
    client.run(Script::script(), std::move(keys).list(), std::move(args).list(), std::move(done),
               wait_for_connection);
}

// On a connection or a cluster router (its loop thread).
template <typename Script>
void run(redis::Commands& connection, typename Script::Keys keys, typename Script::Args args,
         redis::ReplyCallback done, bool wait_for_connection = false) {
    Script::script().run(connection, std::move(keys).list(), std::move(args).list(),
                         std::move(done), wait_for_connection);
}

}  // namespace muster::store::lua
