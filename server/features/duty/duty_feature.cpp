#include "features/duty/duty_feature.hpp"

#include "features/duty/duty_commands.hpp"
#include "features/duty/duty_metrics.hpp"
#include "features/duty/duty_routes.hpp"

namespace muster::features {

DutyFeature::DutyFeature(duty::DutyStore& store) : store_(store) {}

DutyFeature::~DutyFeature() = default;

void DutyFeature::install(node::NodeServices& services, node::CommandRegistry& commands,
                          node::HttpRouter& routes) {
    calls_ = std::make_unique<DutyCalls>(services, store_);
    duty_metrics::register_all();
    register_duty_commands(commands, *calls_);
    register_duty_routes(routes, *calls_);
}

void DutyFeature::start() {
    calls_->start();
}

void DutyFeature::stop() {
    calls_->stop();
}

}  // namespace muster::features
