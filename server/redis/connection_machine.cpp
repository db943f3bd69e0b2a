#include "redis/connection_machine.hpp"

namespace muster::redis {

const char* state_name(ConnState state) {
    switch (state) {
        case ConnState::stopped:
            return "stopped";
        case ConnState::connecting:
            return "connecting";
        case ConnState::setting_up:
            return "setting up";
        case ConnState::ready:
            return "ready";
        case ConnState::waiting:
            return "waiting to reconnect";
    }
    return "?";
}

ConnectionMachine::ConnectionMachine(Backoff backoff, std::function<double()> random)
    : backoff_(backoff), random_(std::move(random)) {}

ConnActions ConnectionMachine::on(ConnEvent event, std::uint64_t generation) {
    ConnActions actions;
    const bool current = generation == generation_;
    switch (event) {
        case ConnEvent::start:
            if (state_ != ConnState::stopped) break;
            state_ = ConnState::connecting;
            ++generation_;
            actions.open = true;
            break;
        case ConnEvent::connected:
            if (!current || state_ != ConnState::connecting) break;
            state_ = ConnState::setting_up;
            actions.send_setup = true;
            break;
        case ConnEvent::setup_done:
            if (!current || state_ != ConnState::setting_up) break;
            state_ = ConnState::ready;
            failures_ = 0;
            if (was_ready_) ++reconnects_;
            was_ready_ = true;
            actions.flush_queue = true;
            actions.notify_ready = true;
            break;
        case ConnEvent::failed:
            if (!current) break;
            if (state_ == ConnState::connecting || state_ == ConnState::setting_up ||
                state_ == ConnState::ready) {
                actions = fail();
            }
            break;
        case ConnEvent::retry_due:
            if (state_ != ConnState::waiting) break;
            state_ = ConnState::connecting;
            ++generation_;
            actions.open = true;
            break;
        case ConnEvent::stop:
            if (state_ == ConnState::stopped) break;
            actions.close = state_ != ConnState::waiting;
            actions.fail_queued = true;
            actions.fail_sent = true;
            actions.notify_down = state_ == ConnState::ready;
            state_ = ConnState::stopped;
            break;
    }
    return actions;
}

ConnActions ConnectionMachine::fail() {
    ConnActions actions;
    actions.close = true;
    actions.fail_queued = true;
    actions.fail_sent = true;
    actions.notify_down = state_ == ConnState::ready;
    // The first retry after losing a working connection comes quickly (attempt 0: min);
    // each failed attempt after that doubles the wait.
    actions.retry_in = backoff_.delay(failures_, random_ ? random_() : 0.5);
    ++failures_;
    state_ = ConnState::waiting;
    return actions;
}

}  // namespace muster::redis
