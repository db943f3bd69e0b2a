// The Redis store's Lua scripts as the build embeds them (server/store/redis/lua/, generated
// by lua/embed_lua.cmake): each call names its positions in the order the script declares
// them, libraries are in place, a read-only script keeps its flag on the first line, and a
// position cannot be left out. Redis itself runs them in the integration tests (redis area).

#include <filesystem>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "store/redis/lua_call.hpp"

namespace muster::store::lua {
namespace {

// A position left out of a call does not compile.
static_assert(!std::is_default_constructible_v<Value>);
static_assert(!std::is_default_constructible_v<Append::Keys>);
static_assert(!std::is_default_constructible_v<Append::Args>);
// Only what a script reads through an expression (its variadic tail) has a `more`.
static_assert(std::is_default_constructible_v<RecordsRead::Keys>);

TEST(LuaScripts, positions_go_in_the_order_the_script_names_them) {
    EXPECT_EQ((Append::Keys{.seq_key = "s", .log_key = "l", .idempotency_key = "i"}.list()),
              (std::vector<std::string>{"s", "l", "i"}));
    EXPECT_EQ((Append::Args{.event = "e",
                            .ttl_s = 60,
                            .now_ms = std::int64_t{-1},
                            .retention = std::uint64_t{0},
                            .channel = "c",
                            .time_ms = 5}
                   .list()),
              (std::vector<std::string>{"e", "60", "-1", "0", "c", "5"}));
    EXPECT_NE(Append::script().body().find(
                  "local seq_key, log_key, idempotency_key = KEYS[1], KEYS[2], KEYS[3]\n"),
              std::string::npos);
}

TEST(LuaScripts, a_variadic_tail_follows_the_named_positions) {
    EXPECT_EQ((PresenceRefresh::Args{
                  .node = "n", .ttl_ms = 1000, .present = 1, .more = {"ann", "Ann", "bob"}}
                   .list()),
              (std::vector<std::string>{"n", "1000", "1", "ann", "Ann", "bob"}));
    EXPECT_EQ((IndexNewest::Keys{.values_key = "v", .more = {"a", "b"}}.list()),
              (std::vector<std::string>{"v", "a", "b"}));
}

TEST(LuaScripts, libraries_are_in_place_and_read_only_flags_stay_first) {
    const std::string& list = OutboxList::script().body();
    EXPECT_EQ(list.rfind("#!lua flags=no-writes\n", 0), 0u);
    EXPECT_NE(list.find("local function outbox_entry("), std::string::npos);
    EXPECT_EQ(list.find("-- include "), std::string::npos);
    const std::string& swap = RecordSwap::script().body();
    EXPECT_LT(swap.find("local function muster_append("), swap.find("local function outbox_add("));
    EXPECT_EQ(Append::script().body().rfind("#!lua", 0), std::string::npos);
}

TEST(LuaScripts, every_script_is_loaded_and_those_that_publish_have_a_sharded_variant) {
    std::set<std::string> shas;
    for (const redis::Script* script : all()) shas.insert(script->sha1());
    EXPECT_EQ(shas.size(), all().size());
    std::size_t files = 0;  // the scripts of server/store/redis/lua/ (not lib/)
    for (const auto& entry :
         std::filesystem::directory_iterator(MUSTER_SOURCE_DIR "/server/store/redis/lua")) {
        if (entry.path().extension() == ".lua") ++files;
    }
    EXPECT_EQ(all().size(), files);
    EXPECT_EQ(Append::script().bodies().size(), 2u);        // PUBLISH -> SPUBLISH
    EXPECT_EQ(RecordSwap::script().bodies().size(), 2u);    // via muster_append
    EXPECT_EQ(PresenceJoin::script().bodies().size(), 1u);  // publishes nothing
}

}  // namespace
}  // namespace muster::store::lua
