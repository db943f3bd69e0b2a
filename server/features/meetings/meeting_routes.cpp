#include "features/meetings/meeting_routes.hpp"

#include <boost/asio/use_awaitable.hpp>
#include <google/protobuf/util/json_util.h>

#include "features/meetings/ice_servers.hpp"
#include "features/meetings/meeting_feature.hpp"
#include "features/meetings/report.hpp"
#include "features/meetings/rules.hpp"
#include "node/validate.hpp"

namespace muster::features::meetings {

namespace asio = boost::asio;
namespace v1 = muster::v1;
using net::HttpResponse;

namespace {

Actor actor_of(MeetingFeature& feature, const node::Caller& caller, const std::string& group) {
    return Actor{caller.user(), caller.name(),
                 node::effective_role(*feature.services().tree(), caller, group)};
}

// The report is for those who run the meeting: its hosts and the group's coordinators.
Status may_read_report(const v1::MeetingState& state, const Actor& actor) {
    if (actor.role == store::Role::coordinator) return {};
    if (actor.role == store::Role::member && is_host(state, actor.user)) return {};
    if (actor.role == store::Role::none)
        return {errc::forbidden, "not a member of group " + state.group()};
    return {errc::forbidden, "the attendance report is for the hosts and the group's coordinators"};
}

// Unlike the rest of the API, every field is printed (false, 0, []): the report is read by
// people and spreadsheets more than by protobuf parsers, and a missing "roll" reads as unknown.
std::string report_json(const v1::AttendanceReport& report) {
    google::protobuf::util::JsonPrintOptions options;
    options.always_print_primitive_fields = true;
    std::string out;
    (void)google::protobuf::util::MessageToJsonString(report, &out, options);
    return out;
}

asio::awaitable<HttpResponse> attendance(MeetingFeature& feature, node::HttpCall& call) {
    const std::string& id = call.params[0];
    const auto& limits = feature.services().config().limits;
    if (Status s = node::check_id("meeting id", id, limits.max_id_bytes); !s)
        co_return node::error_response(s);
    std::string format = "json";
    if (auto it = call.query.find("format"); it != call.query.end()) format = it->second;
    if (format != "json" && format != "csv") {
        co_return node::error_response({errc::invalid_argument, "format must be json or csv"});
    }

    Result<AttendanceSnapshot> snapshot = co_await async_call<AttendanceSnapshot>(
        [&](Done<AttendanceSnapshot> done) { feature.store().attendance(id, std::move(done)); },
        asio::use_awaitable);
    if (!snapshot) co_return node::error_response(snapshot.status());
    const auto& state = snapshot->record.state();
    if (Status s = may_read_report(state, actor_of(feature, *call.caller, state.group())); !s)
        co_return node::error_response(s);
    Result<std::vector<store::MemberInfo>> members = co_await feature.members(state.group());
    if (!members) co_return node::error_response(members.status());

    const v1::AttendanceReport report = build_report(*snapshot, *members);
    if (format == "json") co_return node::json_text_response(200, report_json(report));
    HttpResponse response{200, "text/csv; charset=utf-8", report_csv(report, *members), {}};
    response.headers.emplace_back("Content-Disposition",
                                  "attachment; filename=\"attendance-" + id + ".csv\"");
    co_return response;
}

asio::awaitable<HttpResponse> state(MeetingFeature& feature, node::HttpCall& call) {
    const std::string& id = call.params[0];
    if (Status s =
            node::check_id("meeting id", id, feature.services().config().limits.max_id_bytes);
        !s) {
        co_return node::error_response(s);
    }
    Result<v1::MeetingRecord> record = co_await feature.get(id);
    if (!record) co_return node::error_response(record.status());
    if (Status s = may_read(*record, actor_of(feature, *call.caller, record->state().group()));
        !s) {
        co_return node::error_response(s);
    }
    co_return node::json_response(200, record->state());
}

// For participants only: TURN credentials let their holder relay traffic through the server's
// TURN service until they expire.
asio::awaitable<HttpResponse> ice_servers(MeetingFeature& feature, node::HttpCall& call) {
    const std::string& id = call.params[0];
    const auto& config = feature.services().config();
    if (Status s = node::check_id("meeting id", id, config.limits.max_id_bytes); !s)
        co_return node::error_response(s);
    Result<v1::MeetingRecord> record = co_await feature.get(id);
    if (!record) co_return node::error_response(record.status());
    const auto& state = record->state();
    const Actor actor = actor_of(feature, *call.caller, state.group());
    if (Status s = may_read(*record, actor); !s) co_return node::error_response(s);
    bool joined = false;
    for (const auto& p : state.participants()) joined = joined || p.user() == actor.user;
    if (!joined) {
        co_return node::error_response(
            {errc::forbidden, "join meeting " + id + " to get its ICE servers"});
    }
    co_return node::json_text_response(
        200, ice_servers_json(config.meeting, actor.user, feature.services().clock().now_ms()));
}

}  // namespace

void register_meeting_routes(node::HttpRouter& routes, MeetingFeature& feature) {
    MeetingFeature* f = &feature;
    routes.add("GET", "/api/v1/meetings/{}", node::HttpAuth::bearer,
               [f](node::HttpCall& c) { return state(*f, c); });
    routes.add("GET", "/api/v1/meetings/{}/attendance", node::HttpAuth::bearer,
               [f](node::HttpCall& c) { return attendance(*f, c); });
    routes.add("GET", "/api/v1/meetings/{}/ice-servers", node::HttpAuth::bearer,
               [f](node::HttpCall& c) { return ice_servers(*f, c); });
}

}  // namespace muster::features::meetings
