#include "push/push_metrics.hpp"

namespace muster::push::push_metrics {

namespace {

std::string labels(const std::string& provider, const std::string& status) {
    return "provider=\"" + provider + "\",status=\"" + status + "\"";
}

}  // namespace

void register_all() {
    skipped_online();
    held_quiet();
    superseded();
    given_up();
    devices_removed();
    outbox_depth();
    oldest_age_seconds();
    latency();
}

metrics::Counter& sent(const std::string& provider, const std::string& status) {
    return metrics::registry().counter("muster_push_sent_total",
                                       "Pushes accepted by a provider, by provider and status",
                                       labels(provider, status));
}

metrics::Counter& failed(const std::string& provider, const std::string& status) {
    return metrics::registry().counter(
        "muster_push_failed_total",
        "Pushes not accepted (retried, refused, dead token), by provider and status",
        labels(provider, status));
}

metrics::Counter& skipped_online() {
    static auto& c = metrics::registry().counter(
        "muster_push_skipped_online_total", "Push intents dropped: the user was online somewhere");
    return c;
}

metrics::Counter& superseded() {
    static auto& c = metrics::registry().counter(
        "muster_push_superseded_total",
        "Chat push intents dropped for a newer one to the same user and group");
    return c;
}

metrics::Counter& held_quiet() {
    static auto& c = metrics::registry().counter("muster_push_held_quiet_total",
                                                 "Pushes held for a device's quiet hours");
    return c;
}

metrics::Counter& given_up() {
    static auto& c = metrics::registry().counter("muster_push_given_up_total",
                                                 "Push intents dropped after push.max_attempts");
    return c;
}

metrics::Counter& devices_removed() {
    static auto& c = metrics::registry().counter(
        "muster_push_devices_removed_total", "Devices deleted because their provider said gone");
    return c;
}

metrics::Gauge& outbox_depth() {
    static auto& g = metrics::registry().gauge("muster_push_outbox_depth",
                                               "Push intents waiting, as of the last full scan");
    return g;
}

metrics::Gauge& oldest_age_seconds() {
    static auto& g = metrics::registry().gauge(
        "muster_push_outbox_oldest_age_seconds",
        "Age of the oldest waiting push intent, as of the last full scan");
    return g;
}

metrics::Histogram& latency() {
    static auto& h = metrics::registry().histogram(
        "muster_push_delivery_latency_seconds",
        "From a push intent's creation to its acceptance by the provider",
        {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600});
    return h;
}

}  // namespace muster::push::push_metrics
