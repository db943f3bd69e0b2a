#pragma once
// Where a node keeps its state, owned in one place: the store and bus the node runs on, the
// stores of its features and the push outbox. One implementation per backend (SQLite for a
// node alone, Redis for nodes that share it); main.cpp opens the one the configuration names.
//
// Ownership: the backend is made before the node and outlives it. The node borrows store()
// and bus(); each feature borrows its store; the push worker borrows the outbox and devices.
//
// Teardown, the same order for both backends (main.cpp keeps it by where it declares things):
//   1. the push worker stops (its thread uses the outbox and devices);
//   2. stop_delivery(): the bus stops calling its handler, the node (the Redis bus delivers
//      on a thread of its own);
//   3. the node shuts down (closing the store: queued work is finished, none is accepted) and
//      goes, and its features with it;
//   4. ~Backend: the feature stores and the outbox, then the store (and the connection or
//      database the feature stores used), then the bus, then what the backend locked.

#include <memory>
#include <string>

#include "bus/bus.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/status.hpp"
#include "features/duty/duty_store.hpp"
#include "features/meetings/meeting_store.hpp"
#include "features/signin/signin_store.hpp"
#include "store/device_store.hpp"
#include "store/push_outbox.hpp"
#include "store/store.hpp"

namespace muster::backend {

class Backend {
  public:
    virtual ~Backend() = default;

    virtual store::Store& store() = 0;
    virtual bus::Bus& bus() = 0;
    virtual features::duty::DutyStore& duty() = 0;
    virtual features::meetings::MeetingStore& meetings() = 0;
    virtual store::DeviceStore& devices() = 0;
    virtual features::signin::SigninStore& signin() = 0;
    virtual push::PushOutbox& outbox() = 0;

    // Step 2 of the teardown: no call of the bus's handler after this returns. Idempotent.
    virtual void stop_delivery() = 0;
    // One line for the log: where the state is.
    [[nodiscard]] virtual std::string describe() const = 0;
};

// Opens the backend the configuration names: Redis when redis.url is set (`process_id`
// names this process among the nodes), else SQLite in the data directory (locked for this
// process). INVALID_ARGUMENT for a bad redis.url or key prefix, UNAVAILABLE when the data
// directory is another process's; std::runtime_error from a store that cannot open.
Result<std::unique_ptr<Backend>> open(const Config& config, Clock& clock,
                                      const std::string& process_id);

// Calls stop_delivery() when it goes: declared right after the node, it runs before the node
// is destroyed, whatever way the scope is left.
class StopDelivery {
  public:
    explicit StopDelivery(Backend& backend) : backend_(backend) {}
    ~StopDelivery() { backend_.stop_delivery(); }
    StopDelivery(const StopDelivery&) = delete;
    StopDelivery& operator=(const StopDelivery&) = delete;

  private:
    Backend& backend_;
};

}  // namespace muster::backend
