#include "features/duty/duty_calls.hpp"

#include <algorithm>
#include <set>

#include <boost/asio/use_awaitable.hpp>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "features/duty/duty_checks.hpp"
#include "features/duty/duty_metrics.hpp"
#include "features/duty/duty_push.hpp"
#include "features/duty/rules.hpp"
#include "node/validate.hpp"

namespace muster::features {

namespace asio = boost::asio;
namespace v1 = muster::v1;
using store::Role;

namespace {

// A member of any target group may answer and read; a coordinator of the call's group (or
// above) is one through the subtree rule.
Status may_answer(const node::GroupTree& tree, const node::Caller& caller,
                  const v1::DutyCall& call) {
    for (const auto& group : call.target_groups()) {
        if (node::effective_role(tree, caller, group) != Role::none) return ok_status();
    }
    return {errc::forbidden,
            "not a member of the groups duty call " + call.call_id() + " was sent to"};
}

duty::DutyActor actor_of(const node::Caller& caller) {
    return duty::DutyActor{caller.user(), caller.name()};
}

}  // namespace

DutyCalls::DutyCalls(node::NodeServices& services, duty::DutyStore& store)
    : services_(services)
    , store_(store)
    , schedule_(
          services.timers(), services.config().duty,
          [this](const std::string& id) { on_deadline(id); },
          [this](const std::string& id, std::uint32_t round) { on_reminder(id, round); }) {}

// ---- commands -------------------------------------------------------------------------------

asio::awaitable<Result<v1::DutyCreateReply>> DutyCalls::create(const node::Caller& caller,
                                                               const v1::DutyCreate& request) {
    const Config& config = services_.config();
    const std::int64_t now = services_.clock().now_ms();
    if (Status s = check_create(request, config, now); !s) co_return s;
    const node::SharedTree tree = services_.tree();
    if (Status s = node::require_role(*tree, caller, request.group(), Role::coordinator); !s)
        co_return s;
    std::vector<std::string> targets = request.include_subgroups()
                                           ? tree->subtree(request.group())
                                           : std::vector<std::string>{request.group()};
    if (targets.size() > config.duty.max_target_groups) {
        co_return Status{errc::too_large, "the subtree of " + request.group() + " has " +
                                              std::to_string(targets.size()) +
                                              " groups; a call may reach " +
                                              std::to_string(config.duty.max_target_groups)};
    }

    duty::DutyCreation creation;
    v1::DutyCall& announced = creation.call;
    // With a client_msg_id, the id is the key's: a retry names the same call, and the store
    // answers it with the original (on any node).
    announced.set_call_id(request.client_msg_id().empty()
                              ? new_id("dc_", now)
                              : keyed_id("dc_", caller.user(), request.client_msg_id()));
    announced.set_group(request.group());
    announced.set_title(request.title());
    announced.set_location(request.location());
    announced.set_description(request.description());
    announced.set_starts_at_ms(request.starts_at_ms());
    announced.set_ends_at_ms(request.ends_at_ms());
    announced.set_slots(request.slots());
    announced.set_urgency(request.urgency() == v1::DutyCall::URGENCY_UNSPECIFIED
                              ? v1::DutyCall::ROUTINE
                              : request.urgency());
    announced.set_deadline_ms(effective_deadline(request));
    announced.set_include_subgroups(request.include_subgroups());
    announced.set_waitlist(request.waitlist());
    announced.set_created_by(caller.user());
    announced.set_created_at_ms(now);
    announced.set_state(v1::DutyCall::OPEN);
    for (const auto& group : targets) announced.add_target_groups(group);
    creation.actor = actor_of(caller);

    // Members with no connection hear of it by push. A failed read costs the pushes, not the
    // call: the event is on the log for everyone either way.
    auto audience = co_await co_call<std::vector<std::string>>(
        [&](Done<std::vector<std::string>> done) { store_.audience(targets, std::move(done)); });
    if (audience) {
        std::erase(*audience, caller.user());
        creation.push.to =
            co_await offline_among(services_.store().presence(), std::move(*audience));
        const auto* group = tree->find(announced.group());
        creation.push.intent = announcement_push(announced, group ? group->name : "");
    } else {
        MUSTER_LOG_WARN("duty") << "no pushes for a new call: " << audience.status().message();
    }

    duty::DutyTimerState timers;
    timers.call_id = announced.call_id();
    timers.deadline_ms = announced.deadline_ms();
    timers.created_at_ms = now;
    auto applied = co_await co_call<duty::DutyApplied>([&](Done<duty::DutyApplied> done) {
        store_.create(timers.call_id, std::move(targets), duty::create_rule(std::move(creation)),
                      std::move(done));
    });
    if (!applied) co_return applied.status();
    const duty::DutyCreated created = duty::created_of(*applied);
    if (created.duplicate) {
        v1::DutyCreateReply original;
        original.set_call_id(timers.call_id);
        original.set_seq(created.seq);
        original.set_duplicate(true);
        co_return original;
    }
    schedule_.track(timers);
    duty_metrics::created().inc();
    duty_metrics::pushes("call").inc(created.pushed);
    MUSTER_LOG_INFO("duty") << "call " << timers.call_id << " created in " << request.group()
                            << " by " << caller.user() << " ("
                            << applied->record.call().target_groups_size() << " groups, "
                            << created.pushed << " pushes)";
    v1::DutyCreateReply reply;
    reply.set_call_id(timers.call_id);
    reply.set_seq(created.seq);
    co_return reply;
}

asio::awaitable<Result<v1::DutyRespondReply>> DutyCalls::respond(const node::Caller& caller,
                                                                 const v1::DutyRespond& request) {
    if (Status s = check_respond(request, services_.config()); !s) co_return s;
    auto found = co_await co_call<v1::DutyCall>(
        [&](Done<v1::DutyCall> done) { store_.find(request.call_id(), std::move(done)); });
    if (!found) co_return found.status();
    if (Status s = may_answer(*services_.tree(), caller, *found); !s) co_return s;

    duty::DutyAnswer answer;
    answer.call_id = request.call_id();
    answer.actor = actor_of(caller);
    answer.answer = request.answer();
    answer.note = request.note();
    answer.now_ms = services_.clock().now_ms();
    auto applied = co_await co_call<duty::DutyApplied>([&](Done<duty::DutyApplied> done) {
        store_.apply(request.call_id(), duty::respond_rule(std::move(answer)), std::move(done));
    });
    if (!applied) {
        if (applied.status().code() == errc::conflict &&
            request.answer() == v1::DutyRespond::ACCEPT)
            duty_metrics::refused().inc();
        co_return applied.status();
    }
    auto change = duty::change_of(std::move(*applied));
    if (change.changed) {
        duty_metrics::responses(request.answer()).inc();
        if (change.waitlisted) duty_metrics::waitlisted().inc();
        if (change.tally.state() != change.previous)
            duty_metrics::entered(change.tally.state()).inc();
    }
    v1::DutyRespondReply reply;
    reply.set_seq(change.seq);
    reply.set_waitlisted(change.waitlisted);
    *reply.mutable_tally() = std::move(change.tally);
    co_return reply;
}

asio::awaitable<Result<v1::DutyCloseReply>> DutyCalls::close(const node::Caller& caller,
                                                             const v1::DutyClose& request) {
    if (Status s = check_close(request, services_.config()); !s) co_return s;
    auto found = co_await co_call<v1::DutyCall>(
        [&](Done<v1::DutyCall> done) { store_.find(request.call_id(), std::move(done)); });
    if (!found) co_return found.status();
    const node::SharedTree tree = services_.tree();
    if (node::effective_role(*tree, caller, found->group()) != Role::coordinator) {
        co_return Status{errc::forbidden, "only coordinators of " + found->group() +
                                              " may close duty call " + request.call_id()};
    }
    duty::DutyClosing closing;
    closing.call_id = request.call_id();
    closing.actor = actor_of(caller);
    closing.cancel = request.cancel();
    closing.reason = request.reason();
    closing.now_ms = services_.clock().now_ms();
    auto applied = co_await co_call<duty::DutyApplied>([&](Done<duty::DutyApplied> done) {
        store_.apply(request.call_id(), duty::close_rule(std::move(closing)), std::move(done));
    });
    if (!applied) co_return applied.status();
    auto change = duty::change_of(std::move(*applied));
    schedule_.forget(request.call_id());
    duty_metrics::entered(change.tally.state()).inc();
    MUSTER_LOG_INFO("duty") << "call " << request.call_id() << " "
                            << v1::DutyCall::State_Name(change.tally.state()) << " by "
                            << caller.user();
    v1::DutyCloseReply reply;
    reply.set_seq(change.seq);
    *reply.mutable_tally() = std::move(change.tally);
    co_return reply;
}

asio::awaitable<Result<v1::DutyCallRecord>> DutyCalls::record(const node::Caller& caller,
                                                              const std::string& call_id) {
    if (Status s = node::check_id("call id", call_id, services_.config().limits.max_id_bytes); !s)
        co_return s;
    auto snapshot = co_await co_call<duty::DutySnapshot>(
        [&](Done<duty::DutySnapshot> done) { store_.read(call_id, std::move(done)); });
    if (!snapshot) co_return snapshot.status();
    if (Status s = may_answer(*services_.tree(), caller, snapshot->record.call()); !s) co_return s;
    co_return duty::view(*snapshot, true);
}

asio::awaitable<Result<v1::DutyCallList>> DutyCalls::list(const node::Caller& caller,
                                                          DutyListRequest request) {
    const auto& limits = services_.config().limits;
    duty::DutyListQuery query;
    query.limit = std::min(request.limit == 0 ? limits.history_default_limit : request.limit,
                           limits.history_max_limit);
    if (request.state) query.state = *request.state;
    const node::SharedTree tree = services_.tree();
    if (!request.group.empty()) {
        if (Status s = node::check_id("group", request.group, limits.max_id_bytes); !s) co_return s;
        // A subtree shows calls of groups the caller may not belong to: coordinators only.
        const Role needed = request.subtree ? Role::coordinator : Role::member;
        if (Status s = node::require_role(*tree, caller, request.group, needed); !s) co_return s;
        query.groups = request.subtree ? tree->subtree(request.group)
                                       : std::vector<std::string>{request.group};
    } else if (!caller.claims.is_admin()) {
        std::set<std::string> mine(caller.claims.groups.begin(), caller.claims.groups.end());
        if (caller.memberships) {
            for (const auto& [group, role] : *caller.memberships) mine.insert(group);
        }
        if (mine.empty()) co_return v1::DutyCallList{};
        query.groups.assign(mine.begin(), mine.end());
    }
    auto snapshots = co_await co_call<std::vector<duty::DutySnapshot>>(
        [&](Done<std::vector<duty::DutySnapshot>> done) {
            store_.list(std::move(query), std::move(done));
        });
    if (!snapshots) co_return snapshots.status();
    v1::DutyCallList out;
    for (const auto& snapshot : *snapshots) *out.add_calls() = duty::view(snapshot, false);
    co_return out;
}

}  // namespace muster::features
