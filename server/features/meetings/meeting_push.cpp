#include "features/meetings/meeting_push.hpp"

#include <set>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "core/async.hpp"
#include "core/log.hpp"
#include "features/meetings/meeting_feature.hpp"
#include "store/presence.hpp"

namespace muster::features::meetings {

namespace json = boost::json;
namespace v1 = muster::v1;

push::PushIntent start_push(const v1::MeetingState& state, const std::string& group_name,
                            const std::string& started_by_name) {
    push::PushIntent intent;
    const std::string group = group_name.empty() ? state.group() : group_name;
    intent.title = group + " · " + state.title();
    intent.body = started_by_name.empty() ? "The meeting has started."
                                          : started_by_name + " started the meeting.";
    intent.body += " Join in the app.";
    json::object data{
        {"type", "meeting"},  {"meetingId", state.meeting_id()}, {"group", state.group()},
        {"groupName", group}, {"meetingTitle", state.title()},   {"startedBy", started_by_name}};
    intent.data_json = json::serialize(data);
    return intent;
}

boost::asio::awaitable<std::size_t> announce_start(MeetingFeature& feature,
                                                   push::PushOutbox& outbox,
                                                   const v1::MeetingState& state,
                                                   const std::string& started_by,
                                                   const std::string& started_by_name) {
    auto members = co_await feature.members(state.group());
    if (!members) {
        MUSTER_LOG_WARN("meetings") << "no pushes for the start of meeting " << state.meeting_id()
                                    << ": " << members.status().message();
        co_return 0;
    }
    std::set<std::string> present{started_by};
    for (const auto& p : state.participants()) present.insert(p.user());
    std::vector<std::string> audience;
    for (auto& member : *members) {
        if (!present.contains(member.user)) audience.push_back(std::move(member.user));
    }
    auto& presence = feature.services().store().presence();
    auto offline = co_await co_call<std::vector<std::string>>(
        [&presence, &audience](Done<std::vector<std::string>> done) {
            store::offline_among(presence, std::move(audience), std::move(done));
        });
    if (!offline || offline->empty()) co_return 0;

    const auto tree = feature.services().tree();
    const auto* group = tree->find(state.group());
    push::PushFanout fanout{start_push(state, group != nullptr ? group->name : "", started_by_name),
                            std::move(*offline)};
    const std::size_t chunk = feature.services().config().push.outbox_chunk;
    auto recorded = co_await co_call<push::FanoutRecorded>(
        [&outbox, &fanout, chunk](Done<push::FanoutRecorded> done) {
            push::enqueue_in_chunks(outbox, std::move(fanout), chunk, std::move(done));
        });
    if (!recorded) co_return 0;  // never: enqueue_in_chunks answers with what it recorded
    if (!recorded->status) {
        MUSTER_LOG_WARN("meetings")
            << "pushes for the start of meeting " << state.meeting_id() << ": recorded for "
            << recorded->users << " users, then " << recorded->status.message();
    }
    co_return recorded->users;
}

}  // namespace muster::features::meetings
