#pragma once
// What replays (subscribe/resume with `since`) hold: pages read from the log, and replays
// paused until their client reads (each holds at most one page meanwhile). An operator sees a
// node's replay memory as `muster_replays_waiting` x one page (log.replay_page events).
// Thread: any (relaxed atomics).

#include "core/metrics.hpp"

namespace muster::node {

// muster_replay_pages_total: pages of events read from the log to catch a subscription up.
metrics::Counter& replay_pages_read();
// muster_replays_waiting: replays paused until their connection's queue drains.
metrics::Gauge& replays_waiting();

}  // namespace muster::node
