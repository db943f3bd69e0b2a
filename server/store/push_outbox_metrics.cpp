#include "store/push_outbox_metrics.hpp"

namespace muster::store::push_outbox_metrics {

metrics::Counter& enqueued_total() {
    static auto& counter = metrics::registry().counter(
        "muster_push_intents_enqueued_total",
        "Push notifications recorded in the outbox for users with no connection");
    return counter;
}

metrics::Counter& dropped_total() {
    static auto& counter = metrics::registry().counter(
        "muster_push_intents_dropped_total",
        "Push intents dropped by outbox retention (too old, or over the bound) before delivery");
    return counter;
}

}  // namespace muster::store::push_outbox_metrics
