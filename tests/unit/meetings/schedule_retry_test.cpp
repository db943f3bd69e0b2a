// retries_schedule(): which create() of an existing meeting id is a retry (answered with the
// stored meeting) and which a CONFLICT; both stores decide it with this one function.

#include <gtest/gtest.h>

#include "features/meetings/meeting_event.hpp"

namespace muster::features::meetings {
namespace {

namespace v1 = muster::v1;

v1::MeetingRecord meeting(const std::string& group, const std::string& host) {
    v1::MeetingRecord record;
    record.mutable_state()->set_meeting_id("mt_1");
    record.mutable_state()->set_group(group);
    record.mutable_state()->set_host(host);
    return record;
}

TEST(ScheduleRetry, the_same_host_in_the_same_group_retries) {
    v1::MeetingRecord stored = meeting("branch", "ann");
    stored.mutable_state()->set_title("stored title");  // what was stored first is answered
    v1::MeetingRecord asked = meeting("branch", "ann");
    asked.mutable_state()->set_title("another title");
    EXPECT_TRUE(retries_schedule(stored, asked));
}

TEST(ScheduleRetry, another_host_or_another_group_conflicts) {
    EXPECT_FALSE(retries_schedule(meeting("branch", "ann"), meeting("branch", "bob")));
    EXPECT_FALSE(retries_schedule(meeting("branch", "ann"), meeting("district", "ann")));
}

}  // namespace
}  // namespace muster::features::meetings
