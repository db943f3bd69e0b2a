#pragma once
// The push worker: drains the outbox (store/push_outbox.hpp) to the users' devices, on its own
// thread beside the network loops, so that a duty call to thousands of members never slows
// chat.
//
// One round per intent: claim it (a lease in the store: no two processes send one intent at
// once; a dead process's lease is taken over once it lapses), ask presence whether the user is
// online on any node (then the intent is dropped: the app shows it), read the user's devices,
// render each device's text (push/notification_text.hpp), keep to the device's kinds and quiet
// hours (URGENT duty calls ignore them), send through the provider of its kind with at most
// push.provider_concurrency requests in flight per provider, and end the round: remove the
// intent when every device is done, or record the devices done and the next attempt
// (exponential backoff, never before Retry-After) up to push.max_attempts. A device whose
// provider says its token is dead is deleted. Delivery is at least once per (device, intent):
// a process that dies mid-round leaves the lease to lapse and another sends again (apps drop
// duplicates by data.intent).
//
// Thread: the worker's own; the stores answer on theirs and the answers are posted back.
// start()/stop() from the owning thread. The outbox, devices and presence must outlive it.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "http_client/http_client.hpp"
#include "push/provider.hpp"
#include "store/device_store.hpp"
#include "store/presence.hpp"
#include "store/push_outbox.hpp"

namespace muster::push {

class PushWorker {
  public:
    // Reads the providers' keys (push.*_file); throws std::runtime_error on an unreadable or
    // malformed key. `process` names this process in leases (unique per run).
    PushWorker(const PushConfig& config, const Clock& clock, PushOutbox& outbox,
               store::DeviceStore& devices, store::PresenceStore& presence, std::string process);
    ~PushWorker();
    PushWorker(const PushWorker&) = delete;
    PushWorker& operator=(const PushWorker&) = delete;

    void start();
    // Stops sending (requests in flight are abandoned: their leases lapse) and joins.
    void stop();

    // The VAPID public key (base64url); empty when Web Push is not configured.
    [[nodiscard]] const std::string& vapid_public_key() const { return vapid_public_key_; }

  private:
    struct Mailbox;
    struct Round;
    struct Job;
    struct Lane {
        std::unique_ptr<Provider> provider;
        std::deque<std::shared_ptr<Job>> queue;
        std::size_t in_flight = 0;
    };

    void run();
    void post(std::function<void()> task);
    static void post_to(const std::shared_ptr<Mailbox>& mailbox, std::function<void()> task);
    void poll(std::int64_t now);
    void claimed(Result<std::vector<PushIntent>> intents, std::uint64_t listed,
                 std::uint64_t last_id, std::int64_t oldest_ms);
    // Which rounds' users are offline (presence), then find_devices for those.
    void begin(std::vector<std::shared_ptr<Round>> rounds);
    void flush_removals();
    // The devices of each round's user, read for the whole batch at once, then with_devices.
    void find_devices(std::vector<std::shared_ptr<Round>> rounds);
    void with_devices(const std::shared_ptr<Round>& round,
                      Result<std::vector<store::DeviceInfo>> devices);
    void dispatch(std::int64_t now);
    void finished(const std::shared_ptr<Job>& job, const Outcome& outcome);
    void end(const std::shared_ptr<Round>& round);
    Lane* lane_for(const std::string& kind);

    const PushConfig config_;
    const Clock& clock_;
    PushOutbox& outbox_;
    store::DeviceStore& devices_;
    store::PresenceStore& presence_;
    const std::string process_;
    std::string vapid_public_key_;

    std::shared_ptr<Mailbox> mailbox_;
    std::unique_ptr<HttpClient> http_;
    std::map<std::string, Lane> lanes_;  // by provider name
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    // How much nicer the worker thread is than the process (the network loops).
    static constexpr int worker_nice = 10;
    // The longest the worker sleeps with nothing to wake it (a bound on how late it notices
    // a lapsed backoff).
    static constexpr std::int64_t max_wait_ms = 200;

    // Worker thread only.
    std::set<std::uint64_t> active_;       // intents in a round here (or being removed)
    std::vector<std::uint64_t> removals_;  // ended rounds, removed by the next flush
    bool removing_ = false;                // one removal write at a time
    bool claiming_ = false;
    std::uint64_t cursor_ = 0;  // the scan goes on after this id
    std::int64_t next_poll_ms_ = 0;
    // Pushes to be retried are logged at most once a second (an outage would otherwise log
    // one line per device), with the count of those not logged since.
    std::int64_t retry_logged_ms_ = 0;
    std::uint64_t retries_unlogged_ = 0;
    std::uint64_t scan_depth_ = 0;  // intents seen since the scan began at the start
    std::int64_t scan_oldest_ms_ = 0;
};

}  // namespace muster::push
