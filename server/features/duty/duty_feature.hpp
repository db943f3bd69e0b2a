#pragma once
// Duty calls as a node feature: the duty_create / duty_respond / duty_close commands, the
// /api/v1/duty-calls routes, and the timers (expiry, reminders) rebuilt from the store at
// start. The rules live in DutyCalls; the decisions in the DutyStore.

#include <memory>

#include "features/duty/duty_calls.hpp"
#include "features/duty/duty_store.hpp"
#include "node/services.hpp"

namespace muster::features {

class DutyFeature final : public node::Feature {
  public:
    // `store` must outlive the feature.
    explicit DutyFeature(duty::DutyStore& store);
    ~DutyFeature() override;

    void install(node::NodeServices& services, node::CommandRegistry& commands,
                 node::HttpRouter& routes) override;
    void start() override;
    void stop() override;

  private:
    duty::DutyStore& store_;
    std::unique_ptr<DutyCalls> calls_;
};

}  // namespace muster::features
