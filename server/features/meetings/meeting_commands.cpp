#include "features/meetings/meeting_commands.hpp"

#include <algorithm>
#include <set>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "features/meetings/meeting_feature.hpp"
#include "features/meetings/rules.hpp"
#include "node/client.hpp"
#include "node/validate.hpp"

namespace muster::features::meetings {

namespace asio = boost::asio;
namespace v1 = muster::v1;
using Cmd = v1::ClientFrame;
using ClientPtr = std::shared_ptr<node::Client>;
using MeetingReplyField = v1::MeetingReply* (v1::ServerFrame::*)();

namespace {

// A rule run as the caller. Their role is taken inside the store operation, from the meeting's
// group, so that a command needs one store round trip.
template <class Fn>
MeetingRule as_caller(const node::Client& client, Fn fn) {
    return [caller = client.caller(), tree = client.services().tree(), fn = std::move(fn)](
               v1::MeetingRecord& record, std::int64_t now) -> Result<MeetingChange> {
        const Actor actor{caller.user(), caller.name(),
                          node::effective_role(*tree, caller, record.state().group())};
        return fn(record, actor, now);
    };
}

Status check_meeting_id(const node::Client& client, const std::string& id) {
    return node::check_id("meeting_id", id, client.services().config().limits.max_id_bytes);
}

v1::ServerFrame meeting_reply(MeetingReplyField field, MeetingApplied& applied) {
    v1::ServerFrame frame;
    v1::MeetingReply* reply = (frame.*field)();
    reply->set_seq(applied.seq);
    reply->mutable_state()->Swap(applied.record.mutable_state());
    return frame;
}

// The common command: check the id, run the rule, reply with the seq and the new state.
asio::awaitable<Result<v1::ServerFrame>> run(MeetingFeature& feature, const node::Client& client,
                                             std::string meeting_id, MeetingReplyField field,
                                             MeetingRule rule) {
    if (Status s = check_meeting_id(client, meeting_id); !s) co_return s;
    Result<MeetingApplied> applied = co_await feature.apply(std::move(meeting_id), std::move(rule));
    if (!applied) co_return applied.status();
    co_return meeting_reply(field, *applied);
}

// Co-hosts must be able to join: members of the group, or coordinators of an ancestor.
asio::awaitable<Status> check_co_hosts(
    MeetingFeature& feature, const std::string& group,
    const google::protobuf::RepeatedPtrField<std::string>& users) {
    if (users.empty()) co_return Status{};
    std::set<std::string> eligible;
    Result<std::vector<store::MemberInfo>> direct = co_await feature.members(group);
    if (!direct) co_return direct.status();
    for (const auto& m : *direct) eligible.insert(m.user);
    for (const auto& ancestor : feature.services().tree()->ancestors(group)) {
        Result<std::vector<store::MemberInfo>> above = co_await feature.members(ancestor);
        if (!above) co_return above.status();
        for (const auto& m : *above) {
            if (m.role == store::Role::coordinator) eligible.insert(m.user);
        }
    }
    for (const auto& user : users) {
        if (!eligible.contains(user)) {
            std::string message = "co-host ";
            message.append(user).append(" is not a member of group ").append(group);
            co_return Status{errc::invalid_argument, std::move(message)};
        }
    }
    co_return Status{};
}

asio::awaitable<Result<v1::ServerFrame>> schedule(MeetingFeature& feature, ClientPtr client,
                                                  const v1::MeetingSchedule& command) {
    auto& services = feature.services();
    const auto& limits = services.config().limits;
    const auto& config = services.config().meeting;
    if (Status s = node::check_id("group", command.group(), limits.max_id_bytes); !s) co_return s;
    if (Status s =
            node::check_optional_id("client_msg_id", command.client_msg_id(), limits.max_id_bytes);
        !s) {
        co_return s;
    }
    if (Status s = node::check_text("title", command.title(), limits.max_text_bytes, true); !s)
        co_return s;
    if (command.scheduled_at_ms() < 0) {
        co_return Status{errc::invalid_argument, "scheduled_at_ms must not be negative"};
    }
    if (static_cast<std::uint32_t>(command.agenda_size()) > config.max_agenda_items) {
        co_return Status{errc::too_large,
                         "at most " + std::to_string(config.max_agenda_items) + " agenda items"};
    }
    for (const auto& item : command.agenda()) {
        if (Status s = node::check_text("agenda item", item, limits.max_text_bytes, true); !s)
            co_return s;
    }
    if (static_cast<std::uint32_t>(command.co_hosts_size()) > config.max_co_hosts) {
        co_return Status{errc::too_large,
                         "at most " + std::to_string(config.max_co_hosts) + " co-hosts"};
    }
    for (const auto& user : command.co_hosts()) {
        if (Status s = node::check_id("co_host", user, limits.max_id_bytes); !s) co_return s;
    }
    const node::Caller& caller = client->caller();
    if (Status s =
            node::require_role(*services.tree(), caller, command.group(), store::Role::coordinator);
        !s) {
        co_return s;
    }
    if (Status s = co_await check_co_hosts(feature, command.group(), command.co_hosts()); !s)
        co_return s;

    const std::int64_t now = services.clock().now_ms();
    const Actor host{caller.user(), caller.name(), store::Role::coordinator};
    // With a client_msg_id, the id is the key's: a retry names the same meeting, and the store
    // answers it with the original (on any node).
    const std::string id = command.client_msg_id().empty()
                               ? new_id("mt_", now)
                               : keyed_id("mt_", caller.user(), command.client_msg_id());
    v1::MeetingRecord record = new_meeting(host, id, command, now);
    const std::string meeting_id = record.state().meeting_id();
    MeetingChange first = scheduled(host);
    Result<MeetingApplied> created = co_await feature.create(std::move(record), std::move(first));
    if (!created) co_return created.status();
    v1::ServerFrame frame;
    frame.mutable_meeting_schedule()->set_meeting_id(meeting_id);
    frame.mutable_meeting_schedule()->set_seq(created->seq);
    frame.mutable_meeting_schedule()->set_duplicate(created->duplicate);
    co_return frame;
}

// Joining records the connection first, so that its loss is noticed even when it closes while
// the join is in the store: both run on the client's loop, and the store takes their changes
// in the order they were queued.
asio::awaitable<Result<v1::ServerFrame>> join_meeting(MeetingFeature& feature, ClientPtr client,
                                                      std::string meeting_id) {
    if (Status s = check_meeting_id(*client, meeting_id); !s) co_return s;
    if (!client->is_open()) co_return Status{errc::unavailable, "the connection is closing"};
    const std::string session = client->session_id();
    feature.sessions().add(session, meeting_id);
    auto rule =
        as_caller(*client, [connection = feature.connection_tag(session)](
                               v1::MeetingRecord& record, const Actor& actor, std::int64_t now) {
            return join(record, actor, connection, now);
        });
    Result<MeetingApplied> applied = co_await feature.apply(meeting_id, std::move(rule));
    if (!applied) {
        feature.sessions().remove(session, meeting_id);
        co_return applied.status();
    }
    const std::string& sfu_room = applied->record.sfu_room();
    if (!sfu_room.empty() && feature.sfu().enabled() &&
        applied->record.state().phase() == v1::MeetingState::LIVE) {
        // Admitted before told where to go: the participant's first Janus join succeeds.
        const std::vector<std::string> users{client->caller().user()};
        if (Status s = co_await feature.sfu().admit(std::stoull(sfu_room), users); !s) {
            MUSTER_LOG_WARN("meetings")
                << "meeting " << meeting_id << ": admitting " << client->caller().user()
                << " to the SFU room failed: " << s.message();
        }
    }
    v1::MeetingMedia media = feature.media_for(applied->record, client->caller().user());
    v1::ServerFrame frame = meeting_reply(&v1::ServerFrame::mutable_meeting_join, *applied);
    frame.mutable_meeting_join()->mutable_media()->Swap(&media);
    co_return frame;
}

asio::awaitable<Result<v1::ServerFrame>> leave_meeting(MeetingFeature& feature, ClientPtr client,
                                                       std::string meeting_id) {
    if (Status s = check_meeting_id(*client, meeting_id); !s) co_return s;
    auto rule = as_caller(*client, [](v1::MeetingRecord& record, const Actor& actor,
                                      std::int64_t now) { return leave(record, actor, now); });
    Result<MeetingApplied> applied = co_await feature.apply(meeting_id, std::move(rule));
    if (!applied) co_return applied.status();
    feature.sessions().remove(client->session_id(), meeting_id);
    if (applied->change.change == v1::MeetingUpdate::LEFT && !applied->record.sfu_room().empty() &&
        feature.sfu().enabled()) {
        const std::uint64_t room = std::stoull(applied->record.sfu_room());
        if (Status s = co_await feature.sfu().send_out(room, client->caller().user()); !s) {
            MUSTER_LOG_WARN("meetings")
                << "meeting " << meeting_id << ": sending " << client->caller().user()
                << " out of the SFU room failed: " << s.message();
        }
    }
    co_return meeting_reply(&v1::ServerFrame::mutable_meeting_leave, *applied);
}

// Ending closes an open roll call, whose absent list needs the group's members.
asio::awaitable<Result<v1::ServerFrame>> end_meeting(MeetingFeature& feature, ClientPtr client,
                                                     std::string meeting_id) {
    if (Status s = check_meeting_id(*client, meeting_id); !s) co_return s;
    Result<v1::MeetingRecord> record = co_await feature.get(meeting_id);
    if (!record) co_return record.status();
    std::vector<std::string> ids;
    if (record->state().roll_call().open()) {
        Result<std::vector<store::MemberInfo>> members =
            co_await feature.members(record->state().group());
        if (!members) co_return members.status();
        for (const auto& m : *members) ids.push_back(m.user);
    }
    auto rule = as_caller(
        *client, [ids = std::move(ids)](v1::MeetingRecord& r, const Actor& actor,
                                        std::int64_t now) { return end(r, actor, ids, now); });
    Result<MeetingApplied> applied = co_await feature.apply(meeting_id, std::move(rule));
    if (!applied) co_return applied.status();
    if (!applied->record.sfu_room().empty() && feature.sfu().enabled()) {
        const std::uint64_t room = std::stoull(applied->record.sfu_room());
        if (Status s = co_await feature.sfu().destroy(room); !s) {
            MUSTER_LOG_WARN("meetings")
                << "meeting " << meeting_id << ": destroying its SFU room failed: " << s.message();
        }
    }
    co_return meeting_reply(&v1::ServerFrame::mutable_meeting_end, *applied);
}

asio::awaitable<Result<v1::ServerFrame>> get_meeting(MeetingFeature& feature, ClientPtr client,
                                                     std::string meeting_id) {
    if (Status s = check_meeting_id(*client, meeting_id); !s) co_return s;
    Result<v1::MeetingRecord> record = co_await feature.get(meeting_id);
    if (!record) co_return record.status();
    const auto& caller = client->caller();
    const Actor actor{
        caller.user(), caller.name(),
        node::effective_role(*feature.services().tree(), caller, record->state().group())};
    if (Status s = may_read(*record, actor); !s) co_return s;
    v1::ServerFrame frame;
    for (const auto& p : record->state().participants()) {
        if (p.user() == caller.user()) {
            *frame.mutable_meeting_get()->mutable_media() =
                feature.media_for(*record, caller.user());
        }
    }
    frame.mutable_meeting_get()->mutable_state()->Swap(record->mutable_state());
    co_return frame;
}

// A meeting that may outgrow a mesh gets its SFU room before it starts (sfu_bridge.hpp); those
// who joined early are admitted with it, those who joined meanwhile just after.
asio::awaitable<Result<v1::ServerFrame>> start_meeting(MeetingFeature& feature, ClientPtr client,
                                                       std::string meeting_id) {
    if (Status s = check_meeting_id(*client, meeting_id); !s) co_return s;
    std::string room;
    std::vector<std::string> admitted;
    if (feature.sfu().enabled()) {
        Result<v1::MeetingRecord> record = co_await feature.get(meeting_id);
        if (!record) co_return record.status();
        const auto& caller = client->caller();
        const Actor actor{
            caller.user(), caller.name(),
            node::effective_role(*feature.services().tree(), caller, record->state().group())};
        // Only a start that the rule would allow makes a room (a copy takes the trial run).
        v1::MeetingRecord trial = *record;
        if (start(trial, actor, feature.services().clock().now_ms())) {
            Result<std::vector<store::MemberInfo>> members =
                co_await feature.members(record->state().group());
            if (!members) co_return members.status();
            if (feature.sfu().wants_room(
                    members->size(),
                    static_cast<std::size_t>(record->state().participants_size()))) {
                for (const auto& p : record->state().participants()) admitted.push_back(p.user());
                Status made =
                    co_await feature.sfu().create(meeting_id, record->state().title(), admitted);
                if (made) {
                    room = std::to_string(feature.sfu().room_of(meeting_id));
                } else {
                    MUSTER_LOG_WARN("meetings") << "meeting " << meeting_id
                                                << " starts without its SFU room (a mesh, "
                                                   "audio-first when large): "
                                                << made.message();
                }
            }
        }
    }
    auto rule = as_caller(*client, [room](v1::MeetingRecord& r, const Actor& a, std::int64_t now) {
        return start(r, a, now, room);
    });
    Result<MeetingApplied> applied = co_await feature.apply(meeting_id, std::move(rule));
    if (!applied) co_return applied.status();
    if (!room.empty()) {
        std::vector<std::string> late;
        for (const auto& p : applied->record.state().participants()) {
            if (std::find(admitted.begin(), admitted.end(), p.user()) == admitted.end())
                late.push_back(p.user());
        }
        if (!late.empty()) {
            if (Status s = co_await feature.sfu().admit(std::stoull(room), late); !s) {
                MUSTER_LOG_WARN("meetings")
                    << "meeting " << meeting_id
                    << ": admitting to the SFU room failed: " << s.message();
            }
        }
    }
    // Answered once those not connected are to hear of it by push (meeting_push.hpp).
    if (applied->change.change == v1::MeetingUpdate::STARTED)
        co_await feature.announce_start(applied->record.state(), client->caller());
    co_return meeting_reply(&v1::ServerFrame::mutable_meeting_start, *applied);
}

Status check_share(const node::Client& client, const v1::MeetingShareCmd& command) {
    const auto max = client.services().config().limits.max_text_bytes;
    if (Status s = node::check_text("title", command.title(), max, false); !s) return s;
    if (Status s = node::check_text("url", command.url(), max, true); !s) return s;
    // Shown as links by every client: only web addresses (no javascript:, no data:).
    std::string scheme = command.url().substr(0, command.url().find(':'));
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if ((scheme != "http" && scheme != "https") || command.url().find("://") != scheme.size() ||
        command.url().size() <= scheme.size() + 3) {
        return {errc::invalid_argument, "url must be an http:// or https:// address"};
    }
    return {};
}

}  // namespace

void register_meeting_commands(node::CommandRegistry& commands, MeetingFeature& feature) {
    MeetingFeature* f = &feature;
    using Reply = asio::awaitable<Result<v1::ServerFrame>>;

    commands.add_simple(Cmd::kMeetingSchedule, [f](ClientPtr c, const Cmd& cmd) -> Reply {
        co_return co_await schedule(*f, std::move(c), cmd.meeting_schedule());
    });
    commands.add_simple(Cmd::kMeetingJoin, [f](ClientPtr c, const Cmd& cmd) -> Reply {
        co_return co_await join_meeting(*f, std::move(c), cmd.meeting_join().meeting_id());
    });
    commands.add_simple(Cmd::kMeetingLeave, [f](ClientPtr c, const Cmd& cmd) -> Reply {
        co_return co_await leave_meeting(*f, std::move(c), cmd.meeting_leave().meeting_id());
    });
    commands.add_simple(Cmd::kMeetingEnd, [f](ClientPtr c, const Cmd& cmd) -> Reply {
        co_return co_await end_meeting(*f, std::move(c), cmd.meeting_end().meeting_id());
    });
    commands.add_simple(Cmd::kMeetingGet, [f](ClientPtr c, const Cmd& cmd) -> Reply {
        co_return co_await get_meeting(*f, std::move(c), cmd.meeting_get().meeting_id());
    });

    commands.add_simple(Cmd::kMeetingStart, [f](ClientPtr c, const Cmd& cmd) -> Reply {
        co_return co_await start_meeting(*f, std::move(c), cmd.meeting_start().meeting_id());
    });
    commands.add_simple(Cmd::kMeetingRollCall, [f](ClientPtr c, const Cmd& cmd) -> Reply {
        const auto& config = f->services().config().meeting;
        std::uint32_t window_s = cmd.meeting_roll_call().window_s();
        if (window_s == 0)
            window_s = std::min(config.default_roll_window_s, config.max_roll_window_s);
        if (window_s > config.max_roll_window_s) {
            co_return Status{errc::invalid_argument, "window_s must be at most " +
                                                         std::to_string(config.max_roll_window_s)};
        }
        const std::int64_t window_ms = static_cast<std::int64_t>(window_s) * 1000;
        auto rule =
            as_caller(*c, [window_ms](v1::MeetingRecord& r, const Actor& a, std::int64_t now) {
                return open_roll_call(r, a, window_ms, now);
            });
        co_return co_await run(*f, *c, cmd.meeting_roll_call().meeting_id(),
                               &v1::ServerFrame::mutable_meeting_roll_call, std::move(rule));
    });
    commands.add_simple(Cmd::kMeetingAnswerRoll, [f](ClientPtr c, const Cmd& cmd) -> Reply {
        auto rule = as_caller(*c, [](v1::MeetingRecord& r, const Actor& a, std::int64_t now) {
            return answer_roll(r, a, now);
        });
        co_return co_await run(*f, *c, cmd.meeting_answer_roll().meeting_id(),
                               &v1::ServerFrame::mutable_meeting_answer_roll, std::move(rule));
    });
    commands.add_simple(Cmd::kMeetingRaiseHand, [f](ClientPtr c, const Cmd& cmd) -> Reply {
        auto rule = as_caller(*c, [](v1::MeetingRecord& r, const Actor& a, std::int64_t now) {
            return raise_hand(r, a, now);
        });
        co_return co_await run(*f, *c, cmd.meeting_raise_hand().meeting_id(),
                               &v1::ServerFrame::mutable_meeting_raise_hand, std::move(rule));
    });
    commands.add_simple(Cmd::kMeetingLowerHand, [f](ClientPtr c, const Cmd& cmd) -> Reply {
        const auto& command = cmd.meeting_lower_hand();
        const auto max_id = f->services().config().limits.max_id_bytes;
        if (Status s = node::check_optional_id("user", command.user(), max_id); !s) co_return s;
        auto rule = as_caller(
            *c, [user = command.user()](v1::MeetingRecord& r, const Actor& a, std::int64_t now) {
                return lower_hand(r, a, user, now);
            });
        co_return co_await run(*f, *c, command.meeting_id(),
                               &v1::ServerFrame::mutable_meeting_lower_hand, std::move(rule));
    });
    commands.add_simple(Cmd::kMeetingGrantFloor, [f](ClientPtr c, const Cmd& cmd) -> Reply {
        const auto& command = cmd.meeting_grant_floor();
        const auto max_id = f->services().config().limits.max_id_bytes;
        if (Status s = node::check_optional_id("user", command.user(), max_id); !s) co_return s;
        auto rule = as_caller(
            *c, [user = command.user()](v1::MeetingRecord& r, const Actor& a, std::int64_t now) {
                return grant_floor(r, a, user, now);
            });
        co_return co_await run(*f, *c, command.meeting_id(),
                               &v1::ServerFrame::mutable_meeting_grant_floor, std::move(rule));
    });
    commands.add_simple(Cmd::kMeetingShare, [f](ClientPtr c, const Cmd& cmd) -> Reply {
        const auto& command = cmd.meeting_share();
        if (Status s = check_share(*c, command); !s) co_return s;
        const std::uint32_t max_items = f->services().config().meeting.max_shared_items;
        auto rule = as_caller(*c, [title = command.title(), url = command.url(), max_items](
                                      v1::MeetingRecord& r, const Actor& a, std::int64_t now) {
            return share(r, a, title, url, max_items, now);
        });
        co_return co_await run(*f, *c, command.meeting_id(),
                               &v1::ServerFrame::mutable_meeting_share, std::move(rule));
    });
    commands.add_simple(Cmd::kMeetingMedia, [f](ClientPtr c, const Cmd& cmd) -> Reply {
        const auto& command = cmd.meeting_media();
        const auto max_id = f->services().config().limits.max_id_bytes;
        if (Status s = node::check_optional_id("user", command.user(), max_id); !s) co_return s;
        auto rule = as_caller(*c, [user = command.user(), audio = command.audio(),
                                   video = command.video(), policy = f->media_policy()](
                                      v1::MeetingRecord& r, const Actor& a, std::int64_t now) {
            return set_media(r, a, user, audio, video, policy, now);
        });
        co_return co_await run(*f, *c, command.meeting_id(),
                               &v1::ServerFrame::mutable_meeting_media, std::move(rule));
    });
    commands.add_simple(Cmd::kMeetingSetAgendaItem, [f](ClientPtr c, const Cmd& cmd) -> Reply {
        const auto& command = cmd.meeting_set_agenda_item();
        auto rule = as_caller(
            *c, [index = command.index()](v1::MeetingRecord& r, const Actor& a, std::int64_t now) {
                return set_agenda_item(r, a, index, now);
            });
        co_return co_await run(*f, *c, command.meeting_id(),
                               &v1::ServerFrame::mutable_meeting_set_agenda_item, std::move(rule));
    });
}

}  // namespace muster::features::meetings
