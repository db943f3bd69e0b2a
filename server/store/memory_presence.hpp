#pragma once
// Presence for a single node: who is subscribed where, in memory (see presence.hpp).
//
// Every call takes one mutex for a couple of map operations and completes inline, on the
// caller's thread: nothing here waits on anything, and callers get their answer before the
// call returns. Completions run after the mutex is released, so they may call back in.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/presence.hpp"

namespace muster::store {

class MemoryPresence final : public PresenceStore {
  public:
    // true on the user's first connection in the group; a non-empty name replaces the one kept.
    void join(std::string group, std::string user, std::string name, Done<bool> done) override;
    // true when the user's last connection in the group left; false for a pair never joined.
    void leave(std::string group, std::string user, Done<bool> done) override;
    void list(std::string group, std::string after, std::uint32_t limit,
              Done<PresencePage> done) override;
    void count(std::string group, Done<std::uint64_t> done) override;
    void is_connected(std::string user, Done<bool> done) override;
    // Under one lock for all of them.
    void connected_among(std::vector<std::string> users, Done<Connected> done) override;
    void connection_opened(const std::string& user) override;
    // A close without an open is ignored (never negative).
    void connection_closed(const std::string& user) override;

  private:
    struct Online {
        std::string name;
        std::uint32_t connections = 0;
    };

    std::mutex mutex_;
    // group -> user -> subscribed connections; a group with nobody online has no entry.
    std::unordered_map<std::string, std::map<std::string, Online>> groups_;
    // user -> open connections on this node
    std::unordered_map<std::string, std::uint32_t> connections_;
};

}  // namespace muster::store
