#pragma once
// The push outbox in Redis, shared by the nodes (see store/push_outbox.hpp for the contract).
//
// Keys under the `{push}` tag (redis/keys.hpp): a counter for ids, the ids in order, the
// intents by id (msgpack), and an index "<user>\n<id>" for one user's intents. The duty scripts
// record their intents through the same Lua (lua/lib/outbox.lua), inside the script that
// takes the decision, so an intent is recorded atomically with what caused it.
//
// Retention, as SqlitePushOutbox: at most max_intents (the oldest go when one more comes),
// none older than max_age (a sweep every sweep_interval on the Redis thread, 10 000 at most
// per run so that one run never stalls Redis).
//
// claim() and update(): the intents and their delivery states are read, the worker's rule runs
// here (Redis thread), and the new states are written by a compare-and-swap script: only where
// the state is still the one read. Two nodes racing for a lease: one wins, the other skips.

#include <boost/asio/steady_timer.hpp>

#include "core/clock.hpp"
#include "redis/client.hpp"
#include "redis/keys.hpp"
#include "store/push_outbox.hpp"
#include "store/push_outbox_limits.hpp"

namespace muster::store {

class RedisPushOutbox final : public push::PushOutbox {
  public:
    // `client`, `keys` and `clock` must outlive this; close() before the client closes.
    RedisPushOutbox(redis::Client& client, const redis::Keys& keys, const Clock& clock,
                    PushOutboxLimits limits = {});
    ~RedisPushOutbox() override;

    void enqueue(std::vector<push::PushIntent> intents, Done<Unit> done) override;
    void list(push::PushQuery query, Done<std::vector<push::PushIntent>> done) override;
    void remove(std::vector<std::uint64_t> ids, Done<std::uint64_t> done) override;
    void claim(push::PushQuery query, push::PushStateRule rule,
               Done<std::vector<push::PushIntent>> done) override;
    void update(std::vector<std::uint64_t> ids, push::PushStateRule rule,
                Done<std::vector<push::PushIntent>> done) override;

    // Retention now (tests); `done` with how many intents were dropped.
    void sweep(Done<std::uint64_t> done);
    // Stops the periodic sweep. Blocks until the Redis thread has taken note; idempotent.
    void close();

    [[nodiscard]] const PushOutboxLimits& limits() const { return limits_; }

  private:
    void schedule_sweep();
    // The outbox's four keys, as any outbox script (lua::Outbox*) names them.
    template <typename Script>
    [[nodiscard]] typename Script::Keys outbox_keys() const;
    void swap(Result<std::vector<push::PushIntent>> read, const push::PushStateRule& rule,
              Done<std::vector<push::PushIntent>> done);

    redis::Client& client_;
    const redis::Keys& keys_;
    const Clock& clock_;
    const PushOutboxLimits limits_;
    boost::asio::steady_timer timer_;  // Redis thread
    bool sweeping_ = true;             // Redis thread
};

}  // namespace muster::store
