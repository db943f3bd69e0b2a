#pragma once
// The push outbox's series, the same whichever store holds it (one outbox per node).

#include "core/metrics.hpp"

namespace muster::store::push_outbox_metrics {

metrics::Counter& enqueued_total();  // intents recorded for users with no connection
metrics::Counter& dropped_total();   // intents dropped by retention before delivery

}  // namespace muster::store::push_outbox_metrics
