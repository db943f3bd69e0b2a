#pragma once
// The rules of duty calls (docs/PROTOCOL.md "Duty calls"), the same for WebSocket commands
// and the HTTP API: who may create, answer, close and read a call, what a command must
// contain, and the timers that expire and remind. Every decision about the call itself
// (slots, state, tally) is a rule of rules.hpp, which the store applies atomically
// (duty_store.hpp).
//
// Rights: a coordinator of the call's group (or of an ancestor, or an admin) creates and
// closes; a member of any target group answers and reads; the rest get FORBIDDEN (NOT_FOUND
// when there is no such call or group).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "features/duty/duty_schedule.hpp"
#include "features/duty/duty_store.hpp"
#include "muster/v1/duty.pb.h"
#include "node/caller.hpp"
#include "node/services.hpp"

namespace muster::features {

struct DutyListRequest {
    std::string group;     // empty: the caller's groups (every group for an admin)
    bool subtree = false;  // with group: its whole subtree
    std::optional<muster::v1::DutyCall::State> state;
    std::uint32_t limit = 0;  // 0: limits.history_default_limit
};

class DutyCalls {
  public:
    // Both must outlive this object.
    DutyCalls(node::NodeServices& services, duty::DutyStore& store);

    // Coroutines: the caller and request must outlive the call (they live in the command's
    // or the HTTP request's frame).
    boost::asio::awaitable<Result<muster::v1::DutyCreateReply>> create(
        const node::Caller& caller, const muster::v1::DutyCreate& request);
    boost::asio::awaitable<Result<muster::v1::DutyRespondReply>> respond(
        const node::Caller& caller, const muster::v1::DutyRespond& request);
    boost::asio::awaitable<Result<muster::v1::DutyCloseReply>> close(
        const node::Caller& caller, const muster::v1::DutyClose& request);
    boost::asio::awaitable<Result<muster::v1::DutyCallRecord>> record(const node::Caller& caller,
                                                                      const std::string& call_id);
    boost::asio::awaitable<Result<muster::v1::DutyCallList>> list(const node::Caller& caller,
                                                                  DutyListRequest request);

    // Arms the timers of every active call in the store and starts the sweep. Blocks on the
    // store: start-up only (Feature::start, before the loops run).
    void start();
    void stop();

    [[nodiscard]] DutySchedule& schedule() { return schedule_; }

  private:
    // The call, if the caller may see it (member of a target group, or coordinator above).
    boost::asio::awaitable<Result<muster::v1::DutyCall>> visible_call(const node::Caller& caller,
                                                                      const std::string& call_id);
    void on_deadline(const std::string& call_id);
    void on_reminder(const std::string& call_id, std::uint32_t round);
    boost::asio::awaitable<void> expire(std::string call_id);
    boost::asio::awaitable<void> remind(std::string call_id, std::uint32_t round);
    boost::asio::awaitable<void> sweep();
    void arm_sweep();

    node::NodeServices& services_;
    duty::DutyStore& store_;
    DutySchedule schedule_;
    std::atomic<bool> stopped_{false};
};

}  // namespace muster::features
