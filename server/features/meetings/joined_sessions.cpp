#include "features/meetings/joined_sessions.hpp"

#include <algorithm>

namespace muster::features::meetings {

void JoinedSessions::add(const std::string& session, const std::string& meeting) {
    std::lock_guard lock(mutex_);
    auto& meetings = meetings_of_[session];
    if (std::find(meetings.begin(), meetings.end(), meeting) == meetings.end())
        meetings.push_back(meeting);
}

void JoinedSessions::remove(const std::string& session, const std::string& meeting) {
    std::lock_guard lock(mutex_);
    const auto it = meetings_of_.find(session);
    if (it == meetings_of_.end()) return;
    std::erase(it->second, meeting);
    if (it->second.empty()) meetings_of_.erase(it);
}

bool JoinedSessions::joined(const std::string& session, const std::string& meeting) {
    std::lock_guard lock(mutex_);
    const auto it = meetings_of_.find(session);
    return it != meetings_of_.end() &&
           std::find(it->second.begin(), it->second.end(), meeting) != it->second.end();
}

std::vector<std::string> JoinedSessions::take(const std::string& session) {
    std::lock_guard lock(mutex_);
    const auto it = meetings_of_.find(session);
    if (it == meetings_of_.end()) return {};
    auto meetings = std::move(it->second);
    meetings_of_.erase(it);
    return meetings;
}

}  // namespace muster::features::meetings
