#pragma once
// Who is online in a group: users with at least one connection subscribed to it, on any node.
// A user with several devices is online once. Presence is transient: it is never on the log.
//
// Implementations: MemoryPresence (one node) and RedisPresence (per-node entries with a TTL
// refreshed by a heartbeat, so that a dead node's users disappear within the TTL).

#include <cstdint>
#include <string>
#include <vector>

#include "core/async.hpp"

namespace muster::store {

struct PresenceEntry {
    std::string user;
    std::string name;
};

// One page of who is online, ordered by user id.
struct PresencePage {
    std::vector<PresenceEntry> entries;
    std::string next;          // the last user of this page when more follow, else empty
    std::uint64_t online = 0;  // users online in the group now, all pages together
};

class PresenceStore {
  public:
    virtual ~PresenceStore() = default;

    // One more connection of `user` is subscribed to `group` on this node. Completes with true
    // when the user was not online in the group anywhere before (announce a join).
    virtual void join(std::string group, std::string user, std::string name, Done<bool> done) = 0;
    // One connection fewer. Completes with true when the user is now offline everywhere.
    virtual void leave(std::string group, std::string user, Done<bool> done) = 0;
    // Up to `limit` users (> 0) with ids greater than `after` (empty: from the first). Costs
    // O(limit + log members): a large group is read one page at a time, never whole.
    virtual void list(std::string group, std::string after, std::uint32_t limit,
                      Done<PresencePage> done) = 0;
    // How many users are online in the group (O(1) amortised; large groups send counts).
    virtual void count(std::string group, Done<std::uint64_t> done) = 0;
    // Whether the user has a connection anywhere (push goes to users who have none).
    virtual void is_connected(std::string user, Done<bool> done) = 0;
    // The same for many users, answered once for all, in the order of `users` (each answer
    // that user's, or that user's own failure). For a duty call's audience (10,000 users) and
    // the push worker's page of intents: one node's presence answers the lot under one lock.
    // By default one is_connected per user, gathered (on Redis each user's key may be on
    // another node of a cluster). `done` runs on the thread of the last answer.
    using Connected = std::vector<Result<bool>>;
    virtual void connected_among(std::vector<std::string> users, Done<Connected> done);
    // A connection of the user opened or closed on this node (for is_connected).
    virtual void connection_opened(const std::string& user) = 0;
    virtual void connection_closed(const std::string& user) = 0;
};

// The users (of `users`) with no connection on any node, in the order given, from one
// connected_among(): whom a feature's news reaches by push. A user whose presence cannot be
// read counts as offline: a push too many beats news nobody heard of. `done` runs on the
// thread of connected_among's answer (at once for no users); it never fails.
void offline_among(PresenceStore& presence, std::vector<std::string> users,
                   Done<std::vector<std::string>> done);

}  // namespace muster::store
