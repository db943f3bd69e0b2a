#pragma once
// The bus of a single node: everything published is handed straight to this node's handler.
// The SQLite log calls deliver() after each commit, in seq order.

#include <atomic>

#include "bus/bus.hpp"

namespace muster::bus {

class LocalBus final : public Bus, public CommittedEvents {
  public:
    void set_handler(BusHandler* handler) override { handler_.store(handler); }
    void subscribe(std::string group, Done<Unit> done) override;
    void unsubscribe(std::string /*group*/) override {}
    void publish_transient(std::string group, SharedBytes event) override;
    void publish_control(SharedBytes message) override;
    [[nodiscard]] bool healthy() const override { return true; }

    // A committed log event, from the store thread.
    void deliver(const std::string& group, std::uint64_t seq, SharedBytes event) override;

  private:
    std::atomic<BusHandler*> handler_{nullptr};
};

}  // namespace muster::bus
