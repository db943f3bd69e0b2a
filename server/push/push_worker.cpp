#include "push/push_worker.hpp"

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <sys/resource.h>
#include <unistd.h>

#include "core/async.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/thread_name.hpp"
#include "push/apns_provider.hpp"
#include "push/delivery_state.hpp"
#include "push/fcm_provider.hpp"
#include "push/hms_provider.hpp"
#include "push/push_metrics.hpp"
#include "push/time_zone.hpp"
#include "push/web_push_provider.hpp"
#include "push/webhook_provider.hpp"

namespace muster::push {

// Tasks for the worker thread from any thread; dropped once the worker has stopped.
struct PushWorker::Mailbox {
    std::mutex mutex;
    std::deque<std::function<void()>> tasks;
    HttpClient* http = nullptr;  // to end its wait; null once the worker thread is gone
    bool closed = false;
};

struct PushWorker::Round {
    PushIntent intent;
    DeliveryState state;              // as claimed: ours until state.lease_until_ms
    std::size_t pending = 0;          // jobs not finished
    std::vector<std::string> done;    // devices done in this round
    bool retry = false;               // some device is to be tried again
    std::int64_t retry_after_ms = 0;  // the longest Retry-After among them
    std::int64_t hold_until_ms = 0;   // quiet hours: the earliest end among held devices
    bool lapsed = false;              // a job found too little lease left to send
    bool sent = false;
};

struct PushWorker::Job {
    std::shared_ptr<Round> round;
    store::DeviceInfo device;
    Notification notification;
    std::string provider;
};

namespace {

std::string provider_name(const std::string& kind) {
    if (kind == "webpush" || kind == "unifiedpush") return "webpush";
    return kind;
}

// The worker's pace is real time, whatever clock the store uses (a manual clock in tests).
std::int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

bool kind_enabled(const store::DeviceInfo& device, const std::string& kind) {
    if (device.kinds.empty()) return kind != "chat";  // the default: all but chat
    return std::find(device.kinds.begin(), device.kinds.end(), kind) != device.kinds.end();
}

}  // namespace

PushWorker::PushWorker(const PushConfig& config, const Clock& clock, PushOutbox& outbox,
                       store::DeviceStore& devices, store::PresenceStore& presence,
                       std::string process)
    : config_(config)
    , clock_(clock)
    , outbox_(outbox)
    , devices_(devices)
    , presence_(presence)
    , process_(std::move(process))
    , mailbox_(std::make_shared<Mailbox>()) {
    HttpClientOptions options;
    options.ca_file = config_.ca_file;
    options.connect_timeout = std::chrono::milliseconds(config_.connect_timeout_ms);
    options.request_timeout = std::chrono::milliseconds(config_.request_timeout_ms);
    http_ = std::make_unique<HttpClient>(options);
    if (!config_.vapid_private_key_file.empty()) {
        auto key = load_private_key_file(config_.vapid_private_key_file);
        if (!key)
            throw std::runtime_error("push.vapid_private_key_file: " + key.status().message());
        auto provider = std::make_unique<WebPushProvider>(
            std::move(*key), config_.vapid_subject, config_.ttl_s, config_.allow_http_endpoints);
        vapid_public_key_ = provider->public_key();
        if (vapid_public_key_.empty())
            throw std::runtime_error("push.vapid_private_key_file: not a P-256 key");
        lanes_["webpush"].provider = std::move(provider);
    }
    lanes_["webhook"].provider = std::make_unique<WebhookProvider>(config_.allow_http_endpoints);
    if (!config_.apns_key_file.empty()) {
        auto key = load_private_key_file(config_.apns_key_file);
        if (!key) throw std::runtime_error("push.apns_key_file: " + key.status().message());
        if (config_.apns_key_id.empty() || config_.apns_team_id.empty())
            throw std::runtime_error("push.apns_key_id and push.apns_team_id are needed for APNs");
        lanes_["apns"].provider = std::make_unique<ApnsProvider>(
            std::move(*key), ApnsOptions{config_.apns_key_id, config_.apns_team_id,
                                         config_.apns_url, config_.ttl_s});
    }
    if (!config_.fcm_service_account_file.empty()) {
        auto account = load_service_account(config_.fcm_service_account_file);
        if (!account)
            throw std::runtime_error("push.fcm_service_account_file: " +
                                     account.status().message());
        lanes_["fcm"].provider =
            std::make_unique<FcmProvider>(std::move(*account), config_.fcm_url, config_.ttl_s);
    }
    if (!config_.hms_client_secret.empty()) {
        if (config_.hms_app_id.empty())
            throw std::runtime_error("push.hms_app_id is needed for HMS Push Kit");
        lanes_["hms"].provider = std::make_unique<HmsProvider>(
            HmsOptions{config_.hms_app_id, config_.hms_client_secret, config_.hms_url,
                       config_.hms_token_url, config_.ttl_s});
    }
    push_metrics::register_all();
}

PushWorker::~PushWorker() {
    stop();
}

void PushWorker::start() {
    mailbox_->http = http_.get();
    thread_ = std::thread([this] {
        const NonBlockingThread mark("push worker");
        name_this_thread("push worker");
        run();
    });
}

void PushWorker::stop() {
    if (!thread_.joinable()) return;
    stopping_ = true;
    {
        std::lock_guard lock(mailbox_->mutex);
        if (mailbox_->http != nullptr) mailbox_->http->wakeup();
    }
    thread_.join();
}

void PushWorker::post(std::function<void()> task) {
    post_to(mailbox_, std::move(task));
}

// Store answers may come after the worker has gone: they reach its mailbox (kept alive by the
// answer) and are dropped there, never touching the worker.
void PushWorker::post_to(const std::shared_ptr<Mailbox>& mailbox, std::function<void()> task) {
    std::lock_guard lock(mailbox->mutex);
    if (mailbox->closed) return;
    mailbox->tasks.push_back(std::move(task));
    if (mailbox->http != nullptr) mailbox->http->wakeup();
}

void PushWorker::run() {
    // The worker yields the CPU to the network loops: a storm of pushes may take longer, a
    // chat line must not (on Linux, a thread's nice value is its own).
    errno = 0;
    const int nice_now = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
    if (errno != 0 ||
        setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice_now + worker_nice) != 0) {
        MUSTER_LOG_WARN("push") << "could not lower the push worker's priority";
    }
    std::string providers;
    for (const auto& [name, lane] : lanes_) providers += " " + name;
    MUSTER_LOG_INFO("push") << "push worker started as " << process_ << " (providers:" << providers
                            << ")";
    while (!stopping_) {
        std::deque<std::function<void()>> tasks;
        {
            std::lock_guard lock(mailbox_->mutex);
            tasks.swap(mailbox_->tasks);
        }
        for (auto& task : tasks) task();
        flush_removals();
        poll(steady_ms());
        dispatch(clock_.now_ms());
        http_->perform();
        // While a claim is out or every slot is in flight, poll() has nothing to do until a
        // store answer (a mailbox task) or a provider's reply (a socket): both end the wait.
        // Waiting for next_poll_ms_ then would spin, and a storm would spend a core on it.
        const bool can_claim = !claiming_ && active_.size() < config_.max_in_flight;
        std::int64_t wait =
            can_claim ? std::clamp<std::int64_t>(next_poll_ms_ - steady_ms(), 0, max_wait_ms)
                      : max_wait_ms;
        {
            std::lock_guard lock(mailbox_->mutex);
            if (!mailbox_->tasks.empty()) wait = 0;
        }
        http_->wait(std::chrono::milliseconds(wait));
    }
    // Rounds that ended since the last flush: removed now, or sent again once their lease
    // lapses (at least once).
    if (!removals_.empty())
        outbox_.remove(std::move(removals_), [](const Result<std::uint64_t>&) {});
    std::lock_guard lock(mailbox_->mutex);
    mailbox_->closed = true;
    mailbox_->http = nullptr;
    mailbox_->tasks.clear();
}

void PushWorker::poll(std::int64_t now) {
    if (claiming_ || now < next_poll_ms_ || active_.size() >= config_.max_in_flight) return;
    claiming_ = true;
    // The scan's bookkeeping, filled in by the rule as the store runs it over the page.
    struct Seen {
        std::mutex mutex;
        std::uint64_t listed = 0;
        std::uint64_t last_id = 0;
        std::int64_t oldest_ms = 0;
    };
    auto seen = std::make_shared<Seen>();
    PushStateRule lease = take_lease(process_, static_cast<std::int64_t>(config_.lease_s) * 1000);
    PushStateRule rule = [seen, lease](const PushIntent& intent,
                                       std::int64_t at) -> std::optional<std::string> {
        {
            std::lock_guard lock(seen->mutex);
            ++seen->listed;
            seen->last_id = std::max(seen->last_id, intent.id);
            if (seen->oldest_ms == 0 || intent.created_ms < seen->oldest_ms)
                seen->oldest_ms = intent.created_ms;
        }
        return lease(intent, at);
    };
    PushQuery query;
    query.after_id = cursor_;
    query.limit = config_.batch;
    outbox_.claim(query, std::move(rule),
                  [this, seen, mailbox = mailbox_](Result<std::vector<PushIntent>> intents) {
                      post([this, seen, intents = std::move(intents)]() mutable {
                          std::lock_guard lock(seen->mutex);
                          claimed(std::move(intents), seen->listed, seen->last_id, seen->oldest_ms);
                      });
                  });
}

void PushWorker::claimed(Result<std::vector<PushIntent>> intents, std::uint64_t listed,
                         std::uint64_t last_id, std::int64_t oldest_ms) {
    claiming_ = false;
    const std::int64_t now = steady_ms();
    if (!intents) {
        MUSTER_LOG_WARN("push") << "outbox claim: " << intents.status().message();
        next_poll_ms_ = now + config_.poll_interval_ms;
        return;
    }
    if (cursor_ == 0) {
        scan_depth_ = 0;
        scan_oldest_ms_ = oldest_ms;
    }
    scan_depth_ += listed;
    if (listed < config_.batch) {
        // The end of the outbox: publish what the scan saw, start again after a pause.
        push_metrics::outbox_depth().set(static_cast<std::int64_t>(scan_depth_));
        push_metrics::oldest_age_seconds().set(scan_depth_ == 0 || scan_oldest_ms_ == 0
                                                   ? 0
                                                   : (clock_.now_ms() - scan_oldest_ms_) / 1000);
        cursor_ = 0;
        next_poll_ms_ = now + config_.poll_interval_ms;
    } else {
        cursor_ = last_id;
        next_poll_ms_ = now;  // more to read: go on at once (capacity permitting)
    }
    // Chat collapses per group: of a user's chat pushes for one group in this page, the newest
    // is sent and the rest forgotten (a burst after quiet hours is one push, the latest).
    const std::vector<std::uint64_t> superseded = superseded_in(*intents);
    std::vector<std::shared_ptr<Round>> rounds;
    for (auto& intent : *intents) {
        if (active_.count(intent.id) != 0) continue;  // cannot happen: the lease is ours
        if (std::find(superseded.begin(), superseded.end(), intent.id) != superseded.end()) {
            push_metrics::superseded().inc();
            active_.insert(intent.id);
            removals_.push_back(intent.id);
            continue;
        }
        auto round = std::make_shared<Round>();
        round->state = parse_state(intent.state);
        round->intent = std::move(intent);
        active_.insert(round->intent.id);
        rounds.push_back(std::move(round));
    }
    if (!rounds.empty()) begin(std::move(rounds));
}

// Presence is asked for the whole page at once; the answers are handed to the worker in one
// task: a page of 256 intents wakes the worker once, not 256 times.
void PushWorker::begin(std::vector<std::shared_ptr<Round>> rounds) {
    auto batch = std::make_shared<std::vector<std::shared_ptr<Round>>>(std::move(rounds));
    std::vector<std::string> users;
    users.reserve(batch->size());
    for (const auto& round : *batch) users.push_back(round->intent.user);
    presence_.connected_among(std::move(users), [this, mailbox = mailbox_, batch](
                                                    Result<store::PresenceStore::Connected> asked) {
        // The default gathers and never fails as a whole; each user's failure is in place.
        auto online = asked ? std::move(*asked)
                            : store::PresenceStore::Connected(batch->size(), asked.status());
        auto answers = std::make_shared<std::vector<Result<bool>>>(std::move(online));
        post_to(mailbox, [this, batch, answers] {
            std::vector<std::shared_ptr<Round>> offline;
            for (std::size_t i = 0; i < batch->size(); ++i) {
                const auto& answer = (*answers)[i];
                if (answer && *answer) {
                    // Online somewhere: the app shows it; a push would only repeat it.
                    push_metrics::skipped_online().inc();
                    removals_.push_back((*batch)[i]->intent.id);
                } else {
                    offline.push_back((*batch)[i]);
                }
            }
            if (offline.empty()) return;
            find_devices(std::move(offline));
        });
    });
}

void PushWorker::find_devices(std::vector<std::shared_ptr<Round>> rounds) {
    std::vector<std::string> users;
    users.reserve(rounds.size());
    for (const auto& round : rounds) users.push_back(round->intent.user);
    // One question for the page (the embedded store answers it in one read transaction), and
    // its answer reaches the worker as one task.
    auto batch = std::make_shared<std::vector<std::shared_ptr<Round>>>(std::move(rounds));
    devices_.devices_of_users(std::move(users), [this, mailbox = mailbox_, batch](
                                                    Result<store::DeviceStore::DeviceLists> lists) {
        auto answer = std::make_shared<Result<store::DeviceStore::DeviceLists>>(std::move(lists));
        post_to(mailbox, [this, batch, answer] {
            for (std::size_t i = 0; i < batch->size(); ++i) {
                if (!*answer) {
                    with_devices((*batch)[i], answer->status());
                } else {
                    with_devices((*batch)[i], std::move((**answer)[i]));
                }
            }
        });
    });
}

void PushWorker::flush_removals() {
    if (removing_ || removals_.empty()) return;
    removing_ = true;
    auto ids = std::move(removals_);
    removals_.clear();
    // One write for every intent that ended since the last one (the store commits them in one
    // transaction): a storm costs a few commits, not one per intent.
    outbox_.remove(ids, [this, mailbox = mailbox_, ids](const Result<std::uint64_t>& removed) {
        if (!removed) {
            MUSTER_LOG_WARN("push") << "outbox remove: " << removed.status().message();
        }
        post_to(mailbox, [this, ids] {
            removing_ = false;
            for (const auto id : ids) active_.erase(id);
        });
    });
}

void PushWorker::with_devices(const std::shared_ptr<Round>& round,
                              Result<std::vector<store::DeviceInfo>> devices) {
    if (!devices) {
        MUSTER_LOG_WARN("push") << "devices of " << round->intent.user << ": "
                                << devices.status().message();
        round->retry = true;
        end(round);
        return;
    }
    const std::int64_t now = clock_.now_ms();
    const auto& delivered = round->state.delivered;
    for (auto& device : *devices) {
        if (std::find(delivered.begin(), delivered.end(), device.id) != delivered.end()) continue;
        Notification notification = render(round->intent, device.locale, device.timezone);
        if (!kind_enabled(device, notification.kind)) {
            round->done.push_back(device.id);
            continue;
        }
        if (!notification.urgent) {
            const int start = parse_clock(device.quiet_start);
            const int stop = parse_clock(device.quiet_end);
            const int minute = local_minute_of_day(device.timezone, now);
            if (in_quiet_hours(minute, start, stop)) {
                const std::int64_t until = now + ((stop - minute + 1440) % 1440) * 60000LL;
                if (round->hold_until_ms == 0 || until < round->hold_until_ms)
                    round->hold_until_ms = until;
                push_metrics::held_quiet().inc();
                continue;
            }
        }
        auto job = std::make_shared<Job>();
        job->round = round;
        job->provider = provider_name(device.kind);
        job->device = std::move(device);
        job->notification = std::move(notification);
        Lane* lane = lane_for(job->provider);
        if (lane == nullptr) {
            push_metrics::failed(job->provider, "unconfigured").inc();
            round->done.push_back(job->device.id);
            continue;
        }
        ++round->pending;
        lane->queue.push_back(std::move(job));
    }
    if (round->pending == 0) end(round);
}

PushWorker::Lane* PushWorker::lane_for(const std::string& provider) {
    auto it = lanes_.find(provider);
    return it == lanes_.end() || !it->second.provider ? nullptr : &it->second;
}

void PushWorker::dispatch(std::int64_t now) {
    for (auto& [name, lane] : lanes_) {
        while (!lane.queue.empty() && lane.in_flight < config_.provider_concurrency) {
            auto job = std::move(lane.queue.front());
            lane.queue.pop_front();
            // A request must end while the lease holds: otherwise another process may take the
            // intent over and both would send it.
            if (now + config_.request_timeout_ms >= job->round->state.lease_until_ms) {
                job->round->lapsed = true;
                if (--job->round->pending == 0) end(job->round);
                continue;
            }
            ++lane.in_flight;
            Lane* l = &lane;
            lane.provider->send(job->notification, job->device, *http_, now,
                                [this, job, l](const Outcome& outcome) {
                                    --l->in_flight;
                                    finished(job, outcome);
                                });
        }
    }
}

void PushWorker::finished(const std::shared_ptr<Job>& job, const Outcome& outcome) {
    Round& round = *job->round;
    const std::int64_t now = clock_.now_ms();
    switch (outcome.kind) {
        case Outcome::Kind::sent:
            push_metrics::sent(job->provider, outcome.status).inc();
            push_metrics::latency().observe(
                static_cast<double>(std::max<std::int64_t>(0, now - round.intent.created_ms)) /
                1000.0);
            round.sent = true;
            round.done.push_back(job->device.id);
            break;
        case Outcome::Kind::dead:
            push_metrics::failed(job->provider, outcome.status).inc();
            push_metrics::devices_removed().inc();
            MUSTER_LOG_INFO("push")
                << "device " << job->device.id << " of " << job->device.user << " is gone ("
                << job->provider << " " << outcome.status << "): removed";
            devices_.remove(job->device.user, job->device.id, [](const Result<Unit>&) {});
            round.done.push_back(job->device.id);
            break;
        case Outcome::Kind::retry:
            push_metrics::failed(job->provider, outcome.status).inc();
            if (const std::int64_t at = steady_ms(); at - retry_logged_ms_ >= 1000) {
                MUSTER_LOG_WARN("push")
                    << job->provider << " did not take a push to device " << job->device.id << " ("
                    << outcome.status << (outcome.detail.empty() ? "" : ": ") << outcome.detail
                    << "): it will be retried"
                    << (retries_unlogged_ == 0 ? std::string()
                                               : "; " + std::to_string(retries_unlogged_) +
                                                     " more since the last such line");
                retry_logged_ms_ = at;
                retries_unlogged_ = 0;
            } else {
                ++retries_unlogged_;
            }
            round.retry = true;
            round.retry_after_ms = std::max(round.retry_after_ms, outcome.retry_after_ms);
            break;
        case Outcome::Kind::failed:
            push_metrics::failed(job->provider, outcome.status).inc();
            MUSTER_LOG_WARN("push") << job->provider << " refused a push to device "
                                    << job->device.id << ": " << outcome.status;
            round.done.push_back(job->device.id);
            break;
    }
    if (--round.pending == 0) end(job->round);
}

void PushWorker::end(const std::shared_ptr<Round>& round) {
    const std::uint64_t id = round->intent.id;
    const std::int64_t now = clock_.now_ms();
    auto forget = [this, id] { post([this, id] { active_.erase(id); }); };
    if (!round->retry && round->hold_until_ms == 0 && !round->lapsed) {
        removals_.push_back(id);
        return;
    }
    std::int64_t next = now;
    bool count = false;
    if (round->retry) {
        const std::uint32_t attempt = round->state.attempts + 1;
        if (attempt >= config_.max_attempts) {
            push_metrics::given_up().inc();
            MUSTER_LOG_WARN("push") << "push " << id << " to " << round->intent.user
                                    << " given up after " << attempt << " attempts";
            removals_.push_back(id);
            return;
        }
        next = now + backoff_ms(attempt, config_.backoff_initial_ms, config_.backoff_max_ms,
                                round->retry_after_ms);
        count = true;
    } else if (round->hold_until_ms != 0) {
        next = round->hold_until_ms;
    }
    outbox_.update({id}, end_round(process_, round->done, next, count),
                   [forget](const Result<std::vector<PushIntent>>&) { forget(); });
}

}  // namespace muster::push
