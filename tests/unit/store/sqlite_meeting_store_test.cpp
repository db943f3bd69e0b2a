// SqliteMeetingStore: one change = record + intervals + event in one transaction; a refused
// rule changes nothing; everything survives reopening the database.

#include "store/sqlite/sqlite_meeting_store.hpp"

#include <gtest/gtest.h>

#include "bus/local_bus.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "unit/store/store_test_util.hpp"

namespace muster::store {
namespace {

namespace v1 = muster::v1;
using features::meetings::AttendanceSnapshot;
using features::meetings::MeetingApplied;
using features::meetings::MeetingChange;
using features::meetings::MeetingRule;
using test::parse_event;
using test::wait_for;

constexpr std::int64_t start_ms = 1'700'000'000'000;

class SqliteMeetingStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        bus_.set_handler(&handler_);
        config_.server.data_dir = dir_.path();
        config_.store.trim_interval_s = 0;
        open();
        auto put = wait_for<Unit>([&](const Done<Unit>& d) {
            store_->directory().put_group(GroupInfo{"branch", "Branch", ""}, d);
        });
        ASSERT_TRUE(put.ok()) << put.status().message();
    }

    void open() {
        store_ = std::make_unique<SqliteStore>(config_, bus_, clock_);
        meetings_ =
            std::make_unique<SqliteMeetingStore>(store_->database(), store_->sqlite_log(), clock_);
    }
    void reopen() {
        store_->close();
        meetings_.reset();
        store_.reset();
        open();
    }

    Result<MeetingApplied> create(const std::string& id, const std::string& group = "branch",
                                  const std::string& host = "host") {
        v1::MeetingRecord record;
        record.mutable_state()->set_meeting_id(id);
        record.mutable_state()->set_group(group);
        record.mutable_state()->set_host(host);
        record.mutable_state()->set_phase(v1::MeetingState::SCHEDULED);
        MeetingChange first;
        first.change = v1::MeetingUpdate::SCHEDULED;
        first.sender = "host";
        return wait_for<MeetingApplied>(
            [&](const Done<MeetingApplied>& d) { meetings_->create(record, first, d); });
    }

    Result<MeetingApplied> apply(const std::string& id, MeetingRule rule) {
        return wait_for<MeetingApplied>(
            [&](const Done<MeetingApplied>& d) { meetings_->apply(id, rule, d); });
    }

    test::TempDir dir_;
    Config config_;
    bus::LocalBus bus_;
    test::RecordingHandler handler_;
    ManualClock clock_{start_ms};
    std::unique_ptr<SqliteStore> store_;
    std::unique_ptr<SqliteMeetingStore> meetings_;
};

TEST_F(SqliteMeetingStoreTest, create_appends_the_scheduled_update_and_answers_a_retry) {
    auto created = create("mt_1");
    ASSERT_TRUE(created.ok()) << created.status().message();
    EXPECT_EQ(created->seq, 1U);
    ASSERT_EQ(handler_.seqs("branch"), std::vector<std::uint64_t>{1});
    const auto event = parse_event(handler_.of("branch")[0].event);
    EXPECT_EQ(event.meeting().change(), v1::MeetingUpdate::SCHEDULED);
    EXPECT_EQ(event.meeting().meeting_id(), "mt_1");
    EXPECT_EQ(event.sender(), "host");
    EXPECT_EQ(event.time_ms(), start_ms);

    // The same id by the same host: a retry, answered with the first SCHEDULED seq.
    auto retry = create("mt_1");
    ASSERT_TRUE(retry.ok()) << retry.status().message();
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->seq, 1U);
    EXPECT_EQ(retry->record.state().host(), "host");
    // By another host, or for another group: taken.
    EXPECT_EQ(create("mt_1", "branch", "someone").status().code(), errc::conflict);
    EXPECT_EQ(create("mt_1", "other").status().code(), errc::conflict);
    EXPECT_EQ(create("mt_2", "no-such-group").status().code(), errc::not_found);
    EXPECT_EQ(handler_.seqs("branch").size(), 1U);  // nothing appended by the failures
}

TEST_F(SqliteMeetingStoreTest, a_change_stores_record_intervals_and_event_together) {
    ASSERT_TRUE(create("mt_1").ok());
    clock_.advance(5000);
    auto applied =
        apply("mt_1", [](v1::MeetingRecord& record, std::int64_t now) -> Result<MeetingChange> {
            record.mutable_state()->set_phase(v1::MeetingState::LIVE);
            record.mutable_state()->set_started_at_ms(now);
            MeetingChange change;
            change.change = v1::MeetingUpdate::STARTED;
            change.closed.push_back({"alice", "Alice", now - 1000, now});
            return change;
        });
    ASSERT_TRUE(applied.ok()) << applied.status().message();
    EXPECT_EQ(applied->seq, 2U);
    EXPECT_EQ(applied->record.state().started_at_ms(), start_ms + 5000);
    const auto event = parse_event(handler_.of("branch")[1].event);
    EXPECT_EQ(event.meeting().state().phase(), v1::MeetingState::LIVE);

    reopen();
    auto snapshot = wait_for<AttendanceSnapshot>(
        [&](const Done<AttendanceSnapshot>& d) { meetings_->attendance("mt_1", d); });
    ASSERT_TRUE(snapshot.ok());
    EXPECT_EQ(snapshot->record.state().phase(), v1::MeetingState::LIVE);
    ASSERT_EQ(snapshot->intervals.size(), 1U);
    EXPECT_EQ(snapshot->intervals[0].user, "alice");
    EXPECT_EQ(snapshot->intervals[0].left_ms - snapshot->intervals[0].joined_ms, 1000);
    auto unfinished = wait_for<std::vector<v1::MeetingRecord>>(
        [&](const Done<std::vector<v1::MeetingRecord>>& d) { meetings_->unfinished(d); });
    ASSERT_TRUE(unfinished.ok());
    EXPECT_EQ(unfinished->size(), 1U);
}

TEST_F(SqliteMeetingStoreTest, a_refused_rule_or_no_change_appends_nothing) {
    ASSERT_TRUE(create("mt_1").ok());
    auto refused =
        apply("mt_1", [](v1::MeetingRecord& record, std::int64_t) -> Result<MeetingChange> {
            record.mutable_state()->set_title("changed, then refused");
            return Status{errc::conflict, "no"};
        });
    EXPECT_EQ(refused.status().code(), errc::conflict);
    auto unchanged = apply("mt_1", [](v1::MeetingRecord&, std::int64_t) -> Result<MeetingChange> {
        return MeetingChange{};
    });
    ASSERT_TRUE(unchanged.ok());
    EXPECT_EQ(unchanged->seq, 0U);
    EXPECT_EQ(handler_.seqs("branch").size(), 1U);
    auto record = wait_for<v1::MeetingRecord>(
        [&](const Done<v1::MeetingRecord>& d) { meetings_->get("mt_1", d); });
    ASSERT_TRUE(record.ok());
    EXPECT_TRUE(record->state().title().empty());
    EXPECT_EQ(apply("mt_404",
                    [](v1::MeetingRecord&, std::int64_t) -> Result<MeetingChange> {
                        return MeetingChange{};
                    })
                  .status()
                  .code(),
              errc::not_found);
}

}  // namespace
}  // namespace muster::store
