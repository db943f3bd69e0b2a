#include "bus/local_bus.hpp"

namespace muster::bus {

void LocalBus::subscribe(std::string /*group*/, Done<Unit> done) {
    // Nothing to set up: every delivery reaches the handler, which filters by its own interest.
    done(Unit{});
}

void LocalBus::publish_transient(std::string group, SharedBytes event) {
    if (auto* handler = handler_.load()) handler->on_event(group, 0, std::move(event));
}

void LocalBus::publish_control(SharedBytes message) {
    if (auto* handler = handler_.load()) handler->on_control(std::move(message));
}

void LocalBus::deliver(const std::string& group, std::uint64_t seq, SharedBytes event) {
    if (auto* handler = handler_.load()) handler->on_event(group, seq, std::move(event));
}

}  // namespace muster::bus
