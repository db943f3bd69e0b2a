#include "features/duty/duty_push.hpp"

#include <algorithm>
#include <memory>

#include <boost/json.hpp>

#include "core/async.hpp"

namespace muster::features {

namespace asio = boost::asio;
namespace json = boost::json;
namespace v1 = muster::v1;

namespace {

std::string plural(std::uint32_t n, const std::string& one, const std::string& many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

push::PushIntent announcement_push(const v1::DutyCall& call, const std::string& group_name) {
    push::PushIntent intent;
    intent.title = (call.urgency() == v1::DutyCall::URGENT ? "URGENT duty call: " : "Duty call: ") +
                   call.title();
    intent.body = plural(call.slots(), "volunteer", "volunteers") + " needed";
    if (!call.location().empty()) intent.body += " at " + call.location();
    intent.body += ". Accept or decline in the app.";
    json::object data{{"type", "duty_call"},
                      {"callId", call.call_id()},
                      {"group", call.group()},
                      {"urgency", v1::DutyCall::Urgency_Name(call.urgency())},
                      {"startsAtMs", std::to_string(call.starts_at_ms())},
                      {"deadlineMs", std::to_string(call.deadline_ms())},
                      {"groupName", group_name.empty() ? call.group() : group_name},
                      {"callTitle", call.title()},
                      {"location", call.location()},
                      {"open", std::to_string(call.slots())}};
    intent.data_json = json::serialize(data);
    return intent;
}

push::PushIntent reminder_push(const v1::DutyCall& call, const v1::DutyUpdate& tally,
                               std::uint32_t round, const std::string& group_name) {
    push::PushIntent intent;
    intent.title = "Reminder: " + call.title();
    const std::uint32_t open =
        tally.slots() > tally.accepted() ? tally.slots() - tally.accepted() : 0;
    intent.body = plural(open, "slot is", "slots are") + " still open";
    if (!call.location().empty()) intent.body += " at " + call.location();
    intent.body += ". Please accept or decline.";
    json::object data{{"type", "duty_reminder"},
                      {"callId", call.call_id()},
                      {"group", call.group()},
                      {"round", round},
                      {"urgency", v1::DutyCall::Urgency_Name(call.urgency())},
                      {"startsAtMs", std::to_string(call.starts_at_ms())},
                      {"groupName", group_name.empty() ? call.group() : group_name},
                      {"callTitle", call.title()},
                      {"location", call.location()},
                      {"open", std::to_string(open)}};
    intent.data_json = json::serialize(data);
    return intent;
}

asio::awaitable<std::vector<std::string>> offline_among(store::PresenceStore& presence,
                                                        std::vector<std::string> users) {
    auto offline = co_await co_call<std::vector<std::string>>(
        [&presence, &users](Done<std::vector<std::string>> done) {
            store::offline_among(presence, std::move(users), std::move(done));
        });
    co_return offline ? std::move(*offline) : std::vector<std::string>{};
}

}  // namespace muster::features
