#pragma once
// The push worker's series (GET /metrics): sent and failed by provider and status, the outbox
// depth and the age of its oldest intent (as of the worker's last full scan), and the delivery
// latency (enqueue to the provider's acceptance).

#include <string>

#include "core/metrics.hpp"

namespace muster::push::push_metrics {

void register_all();
metrics::Counter& sent(const std::string& provider, const std::string& status);
metrics::Counter& failed(const std::string& provider, const std::string& status);
metrics::Counter& skipped_online();
metrics::Counter& held_quiet();
metrics::Counter& superseded();  // chat intents a newer one to the same user and group replaced
metrics::Counter& given_up();
metrics::Counter& devices_removed();
metrics::Gauge& outbox_depth();
metrics::Gauge& oldest_age_seconds();
metrics::Histogram& latency();

}  // namespace muster::push::push_metrics
