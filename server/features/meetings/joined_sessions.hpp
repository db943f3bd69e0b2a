#pragma once
// Which meetings each local connection has joined, so that a closed connection can tell the
// store which attendance to put on grace. In memory: a connection lives on this node only, and
// after a restart every earlier connection is gone anyway (rules.hpp, recover()).
//
// Thread-safe (commands run on every loop). Memory: one entry per joined (connection, meeting),
// removed when the connection closes.

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace muster::features::meetings {

class JoinedSessions {
  public:
    void add(const std::string& session, const std::string& meeting);
    void remove(const std::string& session, const std::string& meeting);
    // Whether the session joined the meeting (and has not left it or closed).
    [[nodiscard]] bool joined(const std::string& session, const std::string& meeting);
    // Forgets the session and returns the meetings it had joined.
    std::vector<std::string> take(const std::string& session);

  private:
    std::mutex mutex_;
    std::unordered_map<std::string, std::vector<std::string>> meetings_of_;
};

}  // namespace muster::features::meetings
