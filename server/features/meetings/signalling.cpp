#include "features/meetings/signalling.hpp"

#include <algorithm>
#include <chrono>

#include <boost/asio/post.hpp>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "features/meetings/meeting_feature.hpp"
#include "features/meetings/rules.hpp"
#include "muster/v1/meeting_record.pb.h"
#include "node/client.hpp"
#include "node/validate.hpp"
#include "protocol/codec.hpp"

namespace muster::features::meetings {

namespace asio = boost::asio;
namespace v1 = muster::v1;
using ClientPtr = std::shared_ptr<node::Client>;

namespace {

constexpr const char* topic = "meeting_signal";

struct Metrics {
    metrics::Counter& relayed;
    metrics::Counter& delivered;
};

Metrics& counters() {
    auto& r = metrics::registry();
    static Metrics m{
        r.counter("muster_meeting_signals_total", "meeting_signal commands relayed"),
        r.counter("muster_meeting_signals_delivered_total",
                  "meeting_signal events handed to a connection on this node"),
    };
    return m;
}

std::int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

Status check(const node::Client& client, const v1::MeetingSignalCmd& command) {
    const auto& config = client.services().config();
    const auto max_id = config.limits.max_id_bytes;
    if (Status s = node::check_id("meeting_id", command.meeting_id(), max_id); !s) return s;
    if (Status s = node::check_id("to_user", command.to_user(), max_id); !s) return s;
    if (Status s = node::check_optional_id("to_session", command.to_session(), max_id); !s)
        return s;
    if (command.kind() == v1::MeetingSignal::KIND_UNSPECIFIED ||
        !v1::MeetingSignal::Kind_IsValid(command.kind())) {
        return {errc::invalid_argument, "kind must be OFFER, ANSWER, ICE or BYE"};
    }
    if (command.payload().size() > config.meeting.max_signal_bytes) {
        return {errc::too_large,
                "payload is over " + std::to_string(config.meeting.max_signal_bytes) + " bytes"};
    }
    return {};
}

asio::awaitable<Result<v1::ServerFrame>> signal(MeetingFeature& feature, Signalling& signalling,
                                                ClientPtr client, v1::MeetingSignalCmd command) {
    if (Status s = check(*client, command); !s) co_return s;
    if (!signalling.take(client->session_id())) {
        co_return Status{errc::rate_limited, "too many meeting signals: slow down"};
    }
    Result<v1::MeetingRecord> record = co_await feature.get(command.meeting_id());
    if (!record) co_return record.status();
    auto& services = feature.services();
    const node::Caller& caller = client->caller();
    const Actor actor{caller.user(), caller.name(),
                      node::effective_role(*services.tree(), caller, record->state().group())};
    if (Status s = may_signal(*record, actor, command.to_user()); !s) co_return s;

    v1::Event event;
    event.set_group(record->state().group());
    event.set_time_ms(services.clock().now_ms());
    event.set_sender(caller.user());
    event.set_sender_name(caller.name());
    auto* out = event.mutable_meeting_signal();
    out->set_meeting_id(command.meeting_id());
    out->set_from_user(caller.user());
    out->set_from_session(client->session_id());
    out->set_from_name(caller.name());
    out->set_kind(command.kind());
    out->set_payload(std::move(*command.mutable_payload()));

    v1::MeetingSignalRoute route;
    route.set_meeting_id(command.meeting_id());
    route.set_to_user(command.to_user());
    route.set_to_session(command.to_session());
    route.set_event(event.SerializeAsString());
    services.tell_nodes(topic, route.SerializeAsString());
    counters().relayed.inc();

    v1::ServerFrame frame;
    frame.mutable_meeting_signal();
    co_return frame;
}

}  // namespace

void Signalling::install(node::NodeServices& services, node::CommandRegistry& commands) {
    counters();
    services.on_node_message(topic, [this](const std::string& data) { deliver(data); });
    commands.add_simple(
        v1::ClientFrame::kMeetingSignal,
        [this](ClientPtr c,
               const v1::ClientFrame& cmd) -> asio::awaitable<Result<v1::ServerFrame>> {
            co_return co_await signal(feature_, *this, std::move(c), cmd.meeting_signal());
        });
}

bool Signalling::take(const std::string& session) {
    const auto& config = feature_.services().config().meeting;
    const std::int64_t now = steady_ms();
    std::lock_guard lock(mutex_);
    auto [it, fresh] = buckets_.try_emplace(session);
    Bucket& bucket = it->second;
    if (fresh) {
        bucket.tokens = config.signal_burst;
    } else {
        bucket.tokens = std::min<double>(config.signal_burst,
                                         bucket.tokens + static_cast<double>(now - bucket.at_ms) *
                                                             config.signals_per_second / 1000.0);
    }
    bucket.at_ms = now;
    if (bucket.tokens < 1.0) return false;
    bucket.tokens -= 1.0;
    return true;
}

void Signalling::forget(const std::string& session) {
    std::lock_guard lock(mutex_);
    buckets_.erase(session);
}

void Signalling::deliver(const std::string& data) {
    v1::MeetingSignalRoute route;
    if (!route.ParseFromString(data)) {
        MUSTER_LOG_WARN("meetings") << "ignoring a malformed meeting signal from the bus";
        return;
    }
    auto event = std::make_shared<const std::string>(std::move(*route.mutable_event()));
    for (auto& client : feature_.services().users().clients_of(route.to_user())) {
        asio::post(client->loop().io(), [this, client, event, meeting = route.meeting_id(),
                                         to_session = route.to_session()] {
            if (!client->is_open()) return;
            const std::string& session = client->session_id();
            if (!to_session.empty() && session != to_session) return;
            if (!feature_.sessions().joined(session, meeting)) return;
            client->send_frame(protocol::encode_event_frame(*event, client->encoding()));
            counters().delivered.inc();
        });
    }
}

}  // namespace muster::features::meetings
