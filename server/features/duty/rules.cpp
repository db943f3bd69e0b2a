#include "features/duty/rules.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <iterator>
#include <string_view>

#include "protocol/event_limits.hpp"

namespace muster::features::duty {

namespace v1 = muster::v1;

namespace {

std::string state_word(v1::DutyCall::State state) {
    std::string name = v1::DutyCall::State_Name(state);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return name;
}

Status not_active(const v1::DutyCall& call) {
    return {errc::conflict, "duty call " + call.call_id() + " is " + state_word(call.state())};
}

// Members of the target groups but the creator who answered nothing, each once, sorted: views
// into `audience`, which must outlive them. A sorted vector, not a std::set: this runs inside
// the store's transaction for every answer, and a call may reach 10,000 people (a node per
// user and a string copy each cost milliseconds there). The SQLite store reads each group's
// members sorted, so each group is merged into the rest rather than all sorted again (about a
// tenth of the comparisons for 10 groups of 1,000); a group that comes unsorted is sorted first.
std::vector<std::string_view> silent_set(const StoredDutyCall& record, const Audience& audience) {
    std::vector<std::string_view> answered;
    answered.reserve(static_cast<std::size_t>(record.answers_size()));
    for (const auto& answer : record.answers()) answered.push_back(answer.user());
    std::sort(answered.begin(), answered.end());
    std::size_t members = 0;
    for (const auto& group : audience) members += group.users.size();
    std::vector<std::string_view> out;
    out.reserve(members);
    const std::string_view creator = record.call().created_by();
    for (const auto& group : audience) {
        const auto merged = static_cast<std::ptrdiff_t>(out.size());
        for (const auto& user : group.users) {
            if (user != creator &&
                !std::binary_search(answered.begin(), answered.end(), std::string_view(user)))
                out.push_back(user);
        }
        const auto added = out.begin() + merged;
        if (!std::is_sorted(added, out.end())) std::sort(added, out.end());
        std::inplace_merge(out.begin(), added, out.end());
    }
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

// `push` to its recipients (each named once) who are in `allowed` (sorted), in their order: the
// notification once, not once per user (this runs inside the store's transaction, and a call
// may reach 10,000 people). Recipients read from the audience come sorted, and are then
// matched in one pass over both lists instead of a search each.
push::PushFanout fanout_for(const DutyPush& push, const std::vector<std::string_view>& allowed,
                            std::int64_t now_ms) {
    push::PushFanout out;
    out.notification = push.intent;
    out.notification.created_ms = now_ms;
    out.users.reserve(push.to.size());
    if (std::is_sorted(push.to.begin(), push.to.end())) {
        std::set_intersection(push.to.begin(), push.to.end(), allowed.begin(), allowed.end(),
                              std::back_inserter(out.users), std::less<>());
        return out;
    }
    for (const auto& user : push.to) {
        if (std::binary_search(allowed.begin(), allowed.end(), std::string_view(user)))
            out.users.push_back(user);
    }
    return out;
}

v1::Event event_in(const std::string& group, const DutyActor& actor, std::int64_t now_ms) {
    v1::Event event;
    event.set_group(group);
    event.set_time_ms(now_ms);
    event.set_sender(actor.user);
    event.set_sender_name(actor.name);
    return event;
}

// The tally as an event carries it: at most protocol::event_max_users users per list, so that
// its size does not follow the call's; `waitlisted` counts them all (as `accepted` does).
v1::DutyUpdate for_event(const v1::DutyUpdate& tally) {
    v1::DutyUpdate out = tally;
    out.set_waitlisted(static_cast<std::uint32_t>(tally.waitlisted_users_size()));
    constexpr int most = protocol::event_max_users;
    if (out.accepted_users_size() > most)
        out.mutable_accepted_users()->DeleteSubrange(most, out.accepted_users_size() - most);
    if (out.waitlisted_users_size() > most)
        out.mutable_waitlisted_users()->DeleteSubrange(most, out.waitlisted_users_size() - most);
    return out;
}

// The tally, announced in every target group (the call's group first).
void announce_update(DutyOutcome& outcome, const StoredDutyCall& record,
                     const v1::DutyUpdate& update, const DutyActor& actor, std::int64_t now_ms,
                     const std::string& answer_of = {}) {
    for (const auto& group : record.call().target_groups()) {
        DutyAppend append;
        append.event = event_in(group, actor, now_ms);
        *append.event.mutable_duty_update() = for_event(update);
        if (group == record.call().group()) append.answer_of = answer_of;
        outcome.appends.push_back(std::move(append));
    }
}

void set_state(StoredDutyCall& record, v1::DutyCall::State state, std::int64_t now_ms) {
    record.mutable_call()->set_state(state);
    record.set_closed_at_ms(is_active(state) ? 0 : now_ms);
    if (!is_active(state)) record.set_timers_done(true);
}

std::uint32_t slot_holders(const StoredDutyCall& record) {
    std::uint32_t n = 0;
    for (const auto& a : record.answers()) {
        if (a.answer() == v1::DutyRespond::ACCEPT && !a.waitlisted()) ++n;
    }
    return n;
}

StoredDutyAnswer* answer_of(StoredDutyCall& record, const std::string& user) {
    for (auto& a : *record.mutable_answers()) {
        if (a.user() == user) return &a;
    }
    return nullptr;
}

// Puts `answer` in place of the user's (or adds it), keeping the answers ordered by ordinal.
void save_answer(StoredDutyCall& record, StoredDutyAnswer answer) {
    auto* answers = record.mutable_answers();
    for (int i = 0; i < answers->size(); ++i) {
        if (answers->Get(i).user() == answer.user()) {
            answers->DeleteSubrange(i, 1);
            break;
        }
    }
    auto at = std::upper_bound(
        answers->begin(), answers->end(), answer.ordinal(),
        [](std::uint64_t ordinal, const StoredDutyAnswer& a) { return ordinal < a.ordinal(); });
    const auto index = static_cast<int>(at - answers->begin());
    *answers->Add() = std::move(answer);
    for (int i = answers->size() - 1; i > index; --i) answers->SwapElements(i, i - 1);
}

std::uint64_t next_ordinal(const StoredDutyCall& record) {
    std::uint64_t last = 0;
    for (const auto& a : record.answers()) last = std::max<std::uint64_t>(last, a.ordinal());
    return last + 1;
}

}  // namespace

bool is_active(v1::DutyCall::State state) {
    return state == v1::DutyCall::OPEN || state == v1::DutyCall::FILLED;
}

v1::DutyUpdate tally(const StoredDutyCall& record, const Audience& audience) {
    return tally_with_pending(record, silent_set(record, audience).size());
}

v1::DutyUpdate tally_with_pending(const StoredDutyCall& record, std::size_t pending) {
    const v1::DutyCall& call = record.call();
    v1::DutyUpdate t;
    t.set_call_id(call.call_id());
    t.set_slots(call.slots());
    t.set_state(call.state());
    if (call.state() == v1::DutyCall::CLOSED || call.state() == v1::DutyCall::CANCELLED)
        t.set_reason(record.reason());
    std::uint32_t declined = 0;
    for (const auto& a : record.answers()) {
        if (a.answer() == v1::DutyRespond::DECLINE) {
            ++declined;
        } else if (a.waitlisted()) {
            t.add_waitlisted_users(a.user());
        } else {
            t.add_accepted_users(a.user());
        }
    }
    t.set_accepted(static_cast<std::uint32_t>(t.accepted_users_size()));
    t.set_waitlisted(static_cast<std::uint32_t>(t.waitlisted_users_size()));
    t.set_declined(declined);
    t.set_pending(static_cast<std::uint32_t>(pending));
    return t;
}

Audience silent_by_group(const StoredDutyCall& record, const Audience& audience) {
    std::set<std::string> answered;
    for (const auto& answer : record.answers()) answered.insert(answer.user());
    Audience out;
    for (const auto& group : audience) {
        GroupMembers silent{group.group, {}};
        for (const auto& user : group.users) {
            if (user != record.call().created_by() && answered.count(user) == 0)
                silent.users.push_back(user);
        }
        std::sort(silent.users.begin(), silent.users.end());
        silent.users.erase(std::unique(silent.users.begin(), silent.users.end()),
                           silent.users.end());
        if (!silent.users.empty()) out.push_back(std::move(silent));
    }
    return out;
}

std::vector<std::string> silent(const StoredDutyCall& record, const Audience& audience) {
    const auto users = silent_set(record, audience);
    return {users.begin(), users.end()};
}

// ---- the rules ------------------------------------------------------------------------------

DutyRule create_rule(DutyCreation creation) {
    return [creation = std::move(creation)](StoredDutyCall& record,
                                            const Audience& audience) -> Result<DutyOutcome> {
        const v1::DutyCall& call = creation.call;
        DutyOutcome outcome;
        if (!record.call().call_id().empty()) {
            // A retry of a keyed create names the call it created (core/ids.hpp keyed_id).
            if (record.call().created_by() != call.created_by())
                return Status(errc::conflict, "duty call " + call.call_id() + " exists already");
            outcome.result.seq = record.seq();
            return outcome;
        }
        if (call.target_groups_size() == 0 || call.target_groups(0) != call.group())
            return Status(errc::internal, "a duty call's first target must be its group");
        *record.mutable_call() = call;
        record.mutable_call()->set_state(v1::DutyCall::OPEN);
        outcome.write = true;
        outcome.result.changed = true;
        outcome.result.previous = v1::DutyCall::STATE_UNSPECIFIED;
        for (const auto& group : call.target_groups()) {
            DutyAppend append;
            append.event = event_in(group, creation.actor, call.created_at_ms());
            *append.event.mutable_duty_call() = record.call();
            append.announcement = group == call.group();
            outcome.appends.push_back(std::move(append));
        }
        // Once for both: the pushes and the tally's pending count.
        const auto silent_users = silent_set(record, audience);
        outcome.push = fanout_for(creation.push, silent_users, call.created_at_ms());
        outcome.result.tally = tally_with_pending(record, silent_users.size());
        return outcome;
    };
}

DutyRule respond_rule(DutyAnswer answer) {
    return [answer = std::move(answer)](StoredDutyCall& record,
                                        const Audience& audience) -> Result<DutyOutcome> {
        const bool accept = answer.answer == v1::DutyRespond::ACCEPT;
        if (!accept && answer.answer != v1::DutyRespond::DECLINE)
            return Status(errc::invalid_argument, "answer must be ACCEPT or DECLINE");
        const v1::DutyCall& call = record.call();
        if (!is_active(call.state())) return not_active(call);
        if (answer.now_ms >= call.deadline_ms()) {
            return Status(errc::conflict,
                          "duty call " + call.call_id() + " took answers until its deadline");
        }
        const std::string& user = answer.actor.user;
        DutyOutcome outcome;
        outcome.result.previous = call.state();
        const StoredDutyAnswer* previous = answer_of(record, user);
        if (previous != nullptr && previous->answer() == answer.answer &&
            previous->note() == answer.note) {
            // The same answer again (a retry): nothing changes, the first recording stands.
            outcome.result.tally = tally(record, audience);
            outcome.result.seq = previous->seq();
            outcome.result.waitlisted = previous->waitlisted();
            return outcome;
        }

        std::uint32_t holders = slot_holders(record);
        const bool held = previous != nullptr && previous->answer() == v1::DutyRespond::ACCEPT;
        bool waitlisted = false;
        bool keep_place = false;  // a new note on the same accept keeps its place in the order
        if (accept) {
            if (held) {
                waitlisted = previous->waitlisted();
                keep_place = true;
            } else if (holders < call.slots()) {
                ++holders;
            } else if (call.waitlist()) {
                waitlisted = true;
            } else {
                return Status(errc::conflict, "duty call " + call.call_id() +
                                                  " is full: " + std::to_string(holders) + " of " +
                                                  std::to_string(call.slots()) +
                                                  " slots are taken");
            }
        } else if (held && !previous->waitlisted()) {
            --holders;
        }

        StoredDutyAnswer mine;
        mine.set_user(user);
        mine.set_answer(answer.answer);
        mine.set_waitlisted(waitlisted);
        mine.set_note(answer.note);
        mine.set_name(answer.actor.name);
        mine.set_time_ms(answer.now_ms);
        mine.set_ordinal(keep_place ? previous->ordinal() : next_ordinal(record));
        save_answer(record, std::move(mine));
        if (holders < call.slots() && call.waitlist()) {
            // A slot is free: the longest-waiting accept takes it.
            for (auto& a : *record.mutable_answers()) {
                if (a.answer() == v1::DutyRespond::ACCEPT && a.waitlisted()) {
                    a.set_waitlisted(false);
                    ++holders;
                    break;
                }
            }
        }
        const auto state = holders >= call.slots() ? v1::DutyCall::FILLED : v1::DutyCall::OPEN;
        if (state != call.state()) set_state(record, state, answer.now_ms);

        v1::DutyUpdate update = tally(record, audience);
        update.set_user(user);
        update.set_answer(answer.answer);
        announce_update(outcome, record, update, answer.actor, answer.now_ms, user);
        outcome.write = true;
        outcome.result.tally = std::move(update);
        outcome.result.changed = true;
        outcome.result.waitlisted = waitlisted;
        return outcome;
    };
}

DutyRule close_rule(DutyClosing closing) {
    return [closing = std::move(closing)](StoredDutyCall& record,
                                          const Audience& audience) -> Result<DutyOutcome> {
        if (!is_active(record.call().state())) return not_active(record.call());
        DutyOutcome outcome;
        outcome.result.previous = record.call().state();
        record.set_reason(closing.reason);
        set_state(record, closing.cancel ? v1::DutyCall::CANCELLED : v1::DutyCall::CLOSED,
                  closing.now_ms);
        outcome.result.tally = tally(record, audience);
        announce_update(outcome, record, outcome.result.tally, closing.actor, closing.now_ms);
        outcome.write = true;
        outcome.result.changed = true;
        return outcome;
    };
}

DutyRule expire_rule(std::int64_t now_ms) {
    return [now_ms](StoredDutyCall& record, const Audience& audience) -> Result<DutyOutcome> {
        DutyOutcome outcome;
        const auto state = record.call().state();
        outcome.result.previous = state;
        const bool due = now_ms >= record.call().deadline_ms();
        if (state == v1::DutyCall::OPEN && due) {
            set_state(record, v1::DutyCall::EXPIRED, now_ms);
            outcome.result.tally = tally(record, audience);
            announce_update(outcome, record, outcome.result.tally, DutyActor{}, now_ms);
            outcome.write = true;
            outcome.result.changed = true;
            return outcome;
        }
        if (state == v1::DutyCall::FILLED && due && !record.timers_done()) {
            // A success: it stays FILLED, and needs no timer any more.
            record.set_timers_done(true);
            outcome.write = true;
        }
        outcome.result.tally = tally(record, audience);
        return outcome;
    };
}

DutyRule remind_rule(DutyReminding reminding) {
    return [reminding = std::move(reminding)](StoredDutyCall& record,
                                              const Audience& audience) -> Result<DutyOutcome> {
        DutyOutcome outcome;
        const v1::DutyCall& call = record.call();
        if (call.state() != v1::DutyCall::OPEN || reminding.round != record.reminders_sent() + 1 ||
            reminding.now_ms >= call.deadline_ms()) {
            return outcome;
        }
        for (const auto& group : silent_by_group(record, audience)) {
            // Each group hears only about its own members: nobody learns who else stayed
            // silent.
            DutyAppend append;
            append.event = event_in(group.group, DutyActor{}, reminding.now_ms);
            auto* reminder = append.event.mutable_duty_reminder();
            reminder->set_call_id(call.call_id());
            reminder->set_round(reminding.round);
            reminder->set_title(call.title());
            // The first users only (the event's size must not follow the group's); `silent`
            // counts them all, and every one of them is pushed.
            reminder->set_silent(static_cast<std::uint32_t>(group.users.size()));
            for (const auto& user : group.users) {
                if (reminder->users_size() == protocol::event_max_users) break;
                reminder->add_users(user);
            }
            outcome.appends.push_back(std::move(append));
        }
        const auto everyone = silent_set(record, audience);
        outcome.push = fanout_for(reminding.push, everyone, reminding.now_ms);
        outcome.result.reminded.assign(everyone.begin(), everyone.end());
        outcome.result.changed = true;
        record.set_reminders_sent(reminding.round);
        record.set_last_reminder_ms(reminding.now_ms);
        outcome.write = true;
        return outcome;
    };
}

// ---- answers --------------------------------------------------------------------------------

DutyCreated created_of(const DutyApplied& applied) {
    DutyCreated created;
    created.duplicate = !applied.outcome.result.changed;
    created.seq = created.duplicate ? applied.outcome.result.seq : applied.record.seq();
    created.pushed = static_cast<std::uint32_t>(applied.outcome.push.users.size());
    return created;
}

DutyChange change_of(DutyApplied applied) {
    DutyResult& result = applied.outcome.result;
    DutyChange change;
    change.tally = std::move(result.tally);
    change.changed = result.changed;
    change.waitlisted = result.waitlisted;
    change.previous = result.previous;
    change.seq = applied.outcome.appends.empty() ? result.seq : applied.outcome.appends[0].seq;
    return change;
}

DutyReminded reminded_of(const DutyApplied& applied) {
    DutyReminded reminded;
    reminded.sent = applied.outcome.result.changed;
    reminded.users = applied.outcome.result.reminded;
    reminded.pushed = static_cast<std::uint32_t>(applied.outcome.push.users.size());
    reminded.state = applied.record.call().state();
    reminded.reminders_sent = applied.record.reminders_sent();
    reminded.last_reminder_ms = applied.record.last_reminder_ms();
    reminded.deadline_ms = applied.record.call().deadline_ms();
    return reminded;
}

v1::DutyCallRecord view(const DutySnapshot& snapshot, bool responses) {
    v1::DutyCallRecord out;
    *out.mutable_call() = snapshot.record.call();
    *out.mutable_tally() = tally(snapshot.record, snapshot.audience);
    if (!responses) return out;
    for (const auto& a : snapshot.record.answers()) {
        auto* response = out.add_responses();
        response->set_user(a.user());
        response->set_answer(a.answer());
        response->set_note(a.note());
        response->set_time_ms(a.time_ms());
        response->set_waitlisted(a.waitlisted());
        if (!a.name().empty()) {
            response->set_name(a.name());
            continue;
        }
        for (const auto& [user, name] : snapshot.names) {
            if (user == a.user()) response->set_name(name);
        }
    }
    return out;
}

}  // namespace muster::features::duty
