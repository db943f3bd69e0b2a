#include "features/meetings/meeting_push.hpp"

#include <algorithm>
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
    push::PushFanout chunk_of;  // one chunk's users at a time
    chunk_of.notification = start_push(state, group != nullptr ? group->name : "", started_by_name);
    const std::size_t chunk =
        std::max<std::size_t>(1, feature.services().config().push.outbox_chunk);
    std::size_t enqueued = 0;
    while (enqueued < offline->size()) {
        const std::size_t n = std::min(chunk, offline->size() - enqueued);
        chunk_of.users.assign(offline->begin() + static_cast<std::ptrdiff_t>(enqueued),
                              offline->begin() + static_cast<std::ptrdiff_t>(enqueued + n));
        std::vector<push::PushIntent> intents = chunk_of.intents();
        auto done = co_await co_call<Unit>([&outbox, &intents](Done<Unit> on_done) {
            outbox.enqueue(std::move(intents), std::move(on_done));
        });
        if (!done) {
            MUSTER_LOG_WARN("meetings")
                << "pushes for the start of meeting " << state.meeting_id() << ": "
                << offline->size() - enqueued << " not recorded: " << done.status().message();
            break;
        }
        enqueued += n;
    }
    co_return enqueued;
}

}  // namespace muster::features::meetings
