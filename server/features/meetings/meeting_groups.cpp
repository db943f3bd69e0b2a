#include "features/meetings/meeting_groups.hpp"

namespace muster::features::meetings {

std::optional<std::string> MeetingGroups::group_of(const std::string& meeting) const {
    std::lock_guard lock(mutex_);
    const auto it = group_of_.find(meeting);
    if (it == group_of_.end()) return std::nullopt;
    return it->second;
}

void MeetingGroups::remember(const std::string& meeting, const std::string& group) {
    std::lock_guard lock(mutex_);
    if (group_of_.size() >= capacity_ && !group_of_.contains(meeting)) group_of_.clear();
    group_of_[meeting] = group;
}

}  // namespace muster::features::meetings
