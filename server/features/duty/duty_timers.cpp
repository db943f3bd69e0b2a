// DutyCalls, the time-driven half: timers rebuilt from the store at start, the sweep that
// arms what is missing, and what happens when a deadline or a reminder is due.

#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"
#include "features/duty/duty_calls.hpp"
#include "features/duty/duty_metrics.hpp"
#include "features/duty/duty_push.hpp"
#include "features/duty/rules.hpp"

namespace muster::features {

namespace asio = boost::asio;
namespace v1 = muster::v1;

namespace {}  // namespace

void DutyCalls::start() {
    auto active = blocking_call<std::vector<duty::DutyTimerState>>(
        [this](Done<std::vector<duty::DutyTimerState>> done) {
            store_.list_active(std::move(done));
        });
    if (!active) throw std::runtime_error("cannot load duty calls: " + active.status().message());
    for (const auto& state : *active) schedule_.track(state);
    if (!active->empty()) {
        MUSTER_LOG_INFO("duty") << "armed the timers of " << active->size() << " open duty calls";
    }
    arm_sweep();
}

void DutyCalls::stop() {
    stopped_ = true;
    schedule_.clear();
}

void DutyCalls::arm_sweep() {
    const auto interval_s = services_.config().duty.sweep_interval_s;
    if (interval_s == 0 || stopped_) return;
    const std::int64_t when =
        services_.clock().now_ms() + static_cast<std::int64_t>(interval_s) * 1000;
    services_.timers().at(when, [this] {
        if (!stopped_) asio::co_spawn(services_.timers().executor(), sweep(), asio::detached);
    });
}

asio::awaitable<void> DutyCalls::sweep() {
    auto active = co_await co_call<std::vector<duty::DutyTimerState>>(
        [this](Done<std::vector<duty::DutyTimerState>> done) {
            store_.list_active(std::move(done));
        });
    if (active) {
        std::size_t armed = 0;
        for (const auto& state : *active) armed += schedule_.track_if_missing(state) ? 1 : 0;
        if (armed > 0) {
            MUSTER_LOG_INFO("duty") << "sweep armed " << armed << " duty calls";
        }
    } else {
        MUSTER_LOG_WARN("duty") << "duty sweep: " << active.status().message();
    }
    arm_sweep();
}

void DutyCalls::on_deadline(const std::string& call_id) {
    if (stopped_) return;
    asio::co_spawn(services_.timers().executor(), expire(call_id), asio::detached);
}

void DutyCalls::on_reminder(const std::string& call_id, std::uint32_t round) {
    if (stopped_) return;
    asio::co_spawn(services_.timers().executor(), remind(call_id, round), asio::detached);
}

asio::awaitable<void> DutyCalls::expire(std::string call_id) {
    const std::int64_t now = services_.clock().now_ms();
    auto applied = co_await co_call<duty::DutyApplied>([&](Done<duty::DutyApplied> done) {
        store_.apply(call_id, duty::expire_rule(now), std::move(done));
    });
    // Whatever happened, this node's timers for the call are done: a failure is retried by
    // the sweep, which finds the call still OPEN.
    schedule_.forget(call_id);
    if (!applied) {
        MUSTER_LOG_WARN("duty") << "expiring " << call_id << ": " << applied.status().message();
        co_return;
    }
    const auto change = duty::change_of(std::move(*applied));
    if (change.changed) {
        duty_metrics::entered(v1::DutyCall::EXPIRED).inc();
        MUSTER_LOG_INFO("duty") << "call " << call_id << " expired with " << change.tally.accepted()
                                << "/" << change.tally.slots() << " accepted";
    }
}

asio::awaitable<void> DutyCalls::remind(std::string call_id, std::uint32_t round) {
    const std::int64_t now = services_.clock().now_ms();
    auto snapshot = co_await co_call<duty::DutySnapshot>(
        [&](Done<duty::DutySnapshot> done) { store_.read(call_id, std::move(done)); });
    if (!snapshot) {
        MUSTER_LOG_WARN("duty") << "reminding " << call_id << ": " << snapshot.status().message();
        schedule_.arm_reminder(call_id, round, now);
        co_return;
    }
    const v1::DutyCall& announced = snapshot->record.call();
    const auto state = announced.state();
    if (state != v1::DutyCall::OPEN) {
        // FILLED: nobody needs reminding now, but a decline may open the call again.
        if (state == v1::DutyCall::FILLED) {
            schedule_.arm_reminder(call_id, round, now);
        } else {
            schedule_.forget(call_id);
        }
        co_return;
    }
    duty::DutyReminding reminding;
    reminding.call_id = call_id;
    reminding.round = round;
    reminding.now_ms = now;
    // Pushes go to who is silent now and offline; the rule keeps those still silent when it
    // runs.
    reminding.push.to = co_await offline_among(services_.store().presence(),
                                               duty::silent(snapshot->record, snapshot->audience));
    {
        const auto tree = services_.tree();
        const auto* group = tree->find(announced.group());
        reminding.push.intent =
            reminder_push(announced, duty::tally(snapshot->record, snapshot->audience), round,
                          group ? group->name : "");
    }
    auto applied = co_await co_call<duty::DutyApplied>([&](Done<duty::DutyApplied> done) {
        store_.apply(call_id, duty::remind_rule(std::move(reminding)), std::move(done));
    });
    if (!applied) {
        MUSTER_LOG_WARN("duty") << "reminding " << call_id << ": " << applied.status().message();
        schedule_.arm_reminder(call_id, round, now);
        co_return;
    }
    const auto reminded = duty::reminded_of(*applied);
    if (reminded.sent) {
        duty_metrics::reminders().inc();
        duty_metrics::reminded().inc(reminded.users.size());
        duty_metrics::pushes("reminder").inc(reminded.pushed);
        MUSTER_LOG_INFO("duty") << "call " << call_id << ": reminder " << round << " to "
                                << reminded.users.size() << " members (" << reminded.pushed
                                << " pushes)";
    }
    if (reminded.state == v1::DutyCall::OPEN) {
        // Another node may have sent this round: go on from the store's record.
        const std::int64_t since = reminded.last_reminder_ms > 0 ? reminded.last_reminder_ms : now;
        schedule_.arm_reminder(call_id, reminded.reminders_sent + 1, since);
    } else if (reminded.state == v1::DutyCall::FILLED) {
        schedule_.arm_reminder(call_id, reminded.reminders_sent + 1, now);
    }
}

}  // namespace muster::features
