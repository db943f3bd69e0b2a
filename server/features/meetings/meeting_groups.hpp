#pragma once
// Which group each meeting belongs to, as far as this node has seen: a meeting never moves, so
// what is known stays true, and the check of in-session chat (a publish tagged with a meeting
// id) costs a store read only the first time a node sees the meeting.
//
// Thread-safe (publishes run on every loop). Bounded: when full it starts again empty, which
// costs one store read per meeting in use.

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace muster::features::meetings {

class MeetingGroups {
  public:
    explicit MeetingGroups(std::size_t capacity) : capacity_(capacity) {}

    [[nodiscard]] std::optional<std::string> group_of(const std::string& meeting) const;
    void remember(const std::string& meeting, const std::string& group);

  private:
    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::string> group_of_;
};

}  // namespace muster::features::meetings
