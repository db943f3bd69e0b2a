#pragma once
// Helpers for the store tests: a temporary directory, waiting on a Done<T> without sleeping, a
// bus handler that records deliveries, a writer-thread gate, and chat events.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <stdlib.h>  // mkdtemp
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bus/bus.hpp"
#include "core/async.hpp"
#include "sqlite/database.hpp"
#include "store/event_log.hpp"

namespace muster::store::test {

// A fresh directory (mkdtemp), removed with its contents at the end of the test.
class TempDir {
  public:
    TempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "muster-store-test-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const std::string& path() const { return path_; }
    [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

// Generous: a loaded CI machine may take seconds for what takes milliseconds here.
inline constexpr auto wait_limit = std::chrono::seconds(60);

// Starts an operation with a Done<T> and waits for its completion.
// A test failure when it does not complete within wait_limit.
template <class T, class Start>
Result<T> wait_for(Start&& start) {
    Result<T> result = blocking_call<T>(std::forward<Start>(start), wait_limit);
    if (!result && result.status().message().starts_with("no answer within")) {
        ADD_FAILURE() << "no completion within " << wait_limit.count() << " s";
    }
    return result;
}

// Records what the LocalBus delivers, per group, in arrival order.
class RecordingHandler final : public bus::BusHandler {
  public:
    struct Delivery {
        std::uint64_t seq;
        SharedBytes event;
    };

    void on_event(const std::string& group, std::uint64_t seq, SharedBytes event) override {
        std::lock_guard lock(mutex_);
        deliveries_[group].push_back({seq, std::move(event)});
    }
    void on_control(SharedBytes /*message*/) override {}
    void on_bus_reset() override {}

    std::vector<Delivery> of(const std::string& group) {
        std::lock_guard lock(mutex_);
        return deliveries_[group];
    }
    std::vector<std::uint64_t> seqs(const std::string& group) {
        std::vector<std::uint64_t> out;
        for (const auto& d : of(group)) out.push_back(d.seq);
        return out;
    }
    std::uint64_t last_seq(const std::string& group) {
        std::lock_guard lock(mutex_);
        auto& list = deliveries_[group];
        return list.empty() ? 0 : list.back().seq;
    }

  private:
    std::mutex mutex_;
    std::map<std::string, std::vector<Delivery>> deliveries_;
};

// Holds the writer thread inside a job until opened, so that the jobs queued meanwhile are
// taken together as the next batch. close_and_wait() returns once the writer is held.
class WriterGate {
  public:
    explicit WriterGate(sqlite::Database& db) {
        auto released = released_.get_future().share();
        db.write(
            [this, released](sqlite::Transaction&) -> Status {
                held_.set_value();
                released.wait();
                return ok_status();
            },
            {});
        if (held_.get_future().wait_for(wait_limit) != std::future_status::ready) {
            ADD_FAILURE() << "the writer never took the gate job";
        }
    }
    ~WriterGate() { open(); }
    WriterGate(const WriterGate&) = delete;
    WriterGate& operator=(const WriterGate&) = delete;

    void open() {
        if (!opened_) released_.set_value();
        opened_ = true;
    }

  private:
    std::promise<void> held_;
    std::promise<void> released_;
    bool opened_ = false;
};

inline AppendRequest chat(const std::string& group, const std::string& text,
                          const std::string& user = "u1", const std::string& key = {}) {
    AppendRequest request;
    request.event.set_group(group);  // time_ms left 0: the log stamps it with its clock
    request.event.set_sender(user);
    request.event.set_sender_name("User " + user);
    request.event.mutable_chat()->set_text(text);
    request.event.mutable_chat()->set_client_msg_id(key);
    request.idempotency_user = user;
    request.idempotency_key = key;
    return request;
}

inline muster::v1::Event parse_event(const SharedBytes& bytes) {
    muster::v1::Event event;
    EXPECT_TRUE(bytes != nullptr && event.ParseFromString(*bytes));
    return event;
}

inline std::vector<std::uint64_t> seqs_of(const LogRange& range) {
    std::vector<std::uint64_t> out;
    for (const auto& bytes : range.events) out.push_back(parse_event(bytes).seq());
    return out;
}

inline std::vector<std::uint64_t> iota_seqs(std::uint64_t first, std::uint64_t last) {
    std::vector<std::uint64_t> out;
    for (auto s = first; s <= last; ++s) out.push_back(s);
    return out;
}

// A count from any SQL inside a job's transaction (-1 on an error).
inline std::int64_t count_in(sqlite::Transaction& txn, const std::string& sql) {
    auto stmt = txn.prepare(sql);
    if (!stmt) return -1;
    auto row = stmt->step();
    return row && *row ? stmt->int64(0) : -1;
}

// A count from any SQL, on the reader connection.
inline std::int64_t count_rows(sqlite::Database& db, const std::string& sql) {
    auto result = wait_for<std::int64_t>([&](const Done<std::int64_t>& done) {
        db.read(
            [sql, done](sqlite::Transaction& txn) -> Status {
                auto stmt = txn.prepare(sql);
                if (!stmt) return stmt.status();
                auto row = stmt->step();
                if (!row) return row.status();
                const std::int64_t n = *row ? stmt->int64(0) : -1;
                txn.after_commit([done, n] { done(n); });
                return ok_status();
            },
            [done](Status status) { done(std::move(status)); });
    });
    EXPECT_TRUE(result.ok()) << result.status().message();
    return result.ok() ? *result : -1;
}

}  // namespace muster::store::test
