#pragma once
// The event log shared by every node, in Redis (see event_log.hpp for the contract).
//
// Per group (redis/keys.hpp): a counter `seq` (its existence is the group's: put_group
// creates it at 0, so the append script needs no key outside the group's hash tag) and a
// stream `log` whose entry ids are "<seq>-0", so that a page is XRANGE by seq.
//
// Append: ONE Lua script (lua/append.lua) checks the group, the idempotency key, INCRs the
// seq, XADDs (trimmed to about retention_events: MAXLEN ~, whole stream nodes at a time, so a
// few more may stay), records the key and PUBLISHes to the group's channel. Redis runs it
// atomically, so the publications of a group leave Redis in seq order and every node's bus
// sees them in that order. The node serialises the Event without seq; the script appends the
// seq field to the bytes it stores and publishes, and the node appends the same field to its
// own copy (protocol/event_bytes.hpp): the Appended bytes equal what every node received, with no
// second serialisation and no round trip.
//
// Idempotency: the key holds "<seq>:<expires_ms>" by the node's clock (ManualClock in tests),
// and Redis expires it after the TTL anyway.
//
// Retention by age: every trim interval, the directory's groups are walked and each log's old
// prefix is cut (one small script per group).
//
// While Redis is unreachable every call fails with UNAVAILABLE at once (redis::Connection).
// An append that fails UNAVAILABLE after it was sent may have been applied: a client retrying
// with the same client_msg_id gets the original seq.

#include <chrono>
#include <cstdint>
#include <string>

#include <boost/asio/steady_timer.hpp>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "redis/client.hpp"
#include "redis/keys.hpp"
#include "store/event_log.hpp"

namespace muster::store {

class RedisEventLog final : public EventLog {
  public:
    // `client`, `keys` and `clock` must outlive the log.
    RedisEventLog(redis::Client& client, const redis::Keys& keys, LogConfig config,
                  const Clock& clock);

    void append(AppendRequest request, Done<Appended> done) override;
    void read_after(std::string group, std::uint64_t after_seq, std::uint32_t limit,
                    Done<LogRange> done) override;
    void read_before(std::string group, std::uint64_t before_seq, std::uint32_t limit,
                     Done<LogRange> done) override;

    // Retention by age for every group, now; `done` when every group was trimmed.
    void trim_now(Done<Unit> done);
    // Runs trim_now() every `interval` (loop thread; zero: never). stop_trimming() ends it.
    void start_trimming(std::chrono::seconds interval);
    void stop_trimming();

  private:
    void read(std::string group, bool after, std::uint64_t bound, std::uint32_t limit,
              Done<LogRange> done);
    void schedule_trim();

    redis::Client& client_;
    const redis::Keys& keys_;
    const LogConfig config_;
    const Clock& clock_;
    boost::asio::steady_timer trim_timer_;  // loop thread
    std::chrono::seconds trim_interval_{0};
};

}  // namespace muster::store
