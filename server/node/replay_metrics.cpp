#include "node/replay_metrics.hpp"

namespace muster::node {

metrics::Counter& replay_pages_read() {
    static metrics::Counter& counter = metrics::registry().counter(
        "muster_replay_pages_total", "Pages of events read from the log to catch subscriptions up");
    return counter;
}

metrics::Gauge& replays_waiting() {
    static metrics::Gauge& gauge = metrics::registry().gauge(
        "muster_replays_waiting", "Replays paused until their client reads (one page held each)");
    return gauge;
}

}  // namespace muster::node
