#pragma once
// Every Redis key and channel name Muster uses, in one place (the Lua scripts get them as
// KEYS, never build them).
//
// Hash tags: everything of one group shares `{g:<group>}`, so that Redis Cluster keeps a
// group's sequence, log, idempotency keys and channel on one shard and the append script may
// touch them together. The directory lives under one tag, `{dir}` (rarely written, never on
// the message path), presence per group under `{p:<group>}` and per user under `{u:<user>}`.
// The tag is the text between the first '{' and the next '}', so an id containing '}' still
// yields one tag per group (a shorter one, possibly shared with another group: same slot,
// still correct). The prefix must not contain braces (checked by validate_prefix()).
//
//   <p>:{g:<group>}:seq                  string  the last seq assigned; exists = the group exists
//   <p>:{g:<group>}:log                  stream  id "<seq>-0", fields t (time_ms), e (Event)
//   <p>:{g:<group>}:idem:<n>:<user>:<key> string "<seq>:<expires_ms>", EX the TTL
//   <p>:{g:<group>}:ch                   channel the group's events (serialised Event)
//   <p>:control                          channel control messages for every node
//   <p>:node:<id>:health                 channel a bus' own health echo
//   <p>:{dir}:groups / parents           hash    id -> name / id -> parent (roots absent)
//   <p>:{dir}:members:<group>            hash    user -> role
//   <p>:{dir}:member_names:<group>       hash    user -> name given with the membership
//   <p>:{dir}:memberships:<user>         hash    group -> role
//   <p>:{dir}:users                      hash    user -> name the user connected with
//   <p>:{p:<group>}:online               zset    "<node>\n<user>" scored by expiry (ms)
//   <p>:{p:<group>}:nodes                zset    node scored by expiry (ms)
//   <p>:{p:<group>}:names                hash    user -> display name
//   <p>:{u:<user>}:nodes                 zset    node scored by expiry: where the user is connected
//   <p>:nodes                            zset    node process scored by expiry: which are alive
//
// Redis Cluster runs a script only when all its keys are in one slot, and every script here
// keeps to one tag: the log, directory, presence, push, device, sign-in and meeting scripts to
// theirs (a meeting's record scripts to its group's, its index scripts to {meetings}); a duty
// call's decision to its group's, its fan-out to each other target group's and {push}.
// Duty calls: a call's keys share its group's tag (the group it was created in), so that the
// decision and the event in that group are one slot.
//   <p>:{g:<group>}:duty:<call>          hash    record (StoredDutyCall), version, seq (of
//                                                the announcement), seq:<user> (of the update
//                                                that recorded the user's answer), fan and
//                                                pushfan (the last update numbers given)
//   <p>:{g:<group>}:duty_out:<call>      hash    update number -> StoredDutyFanout still to
//                                                carry to the other groups and {push}
//   <p>:{g:<group>}:duty_pending         zset    calls of the group with a fan-out left
//   <p>:{g:<group>}:duty_active          zset    calls of the group whose timers are not
//                                                done, by deadline
//   <p>:{g:<group>}:duty_calls           zset    call ids sent to the group, by created_at
//   <p>:{g:<group>}:duty_states          hash    call -> state, for the group's listings
//   <p>:{g:<group>}:duty_fanned          hash    call -> the last of its updates appended here
//                                                (another group's call)
//   <p>:{duty}:calls                     hash    call -> its target groups, "\n"-joined (the
//                                                call's group first): where its keys are; a
//                                                create claims the id here first
//   <p>:{duty}:groups                    set     groups that calls were created in
//   <p>:{push}:duty_pushed               hash    call -> the last of its push updates recorded
//   <p>:{duty}:states, :active, :all     the single-Redis layout before these, adopted into
//                                        the groups' indexes once and deleted (duty_legacy)
// Meetings (the record under its group's tag):
//   <p>:{g:<group>}:meeting:<id>         hash    record (MeetingRecord), version, phase
//   <p>:{g:<group>}:meeting:<id>:attendance list MeetingInterval, in the order they closed
//   <p>:{meetings}:groups                hash    meeting -> group
//   <p>:{meetings}:unfinished            set     meetings SCHEDULED or LIVE
// The push outbox and devices:
//   <p>:{push}:next                      string  the last intent id
//   <p>:{push}:ids                       zset    intent ids (score = id)
//   <p>:{push}:data                      hash    id -> msgpack {user, title, body, data, created}
//   <p>:{push}:by_user                   zset    "<user>\n<id, 20 digits>", all scored 0 (lex)
//   <p>:{u:<user>}:devices               zset    device ids, all scored 0 (lex order)
//   <p>:{u:<user>}:device:<id>           hash    kind, endpoint, p256dh, auth, created, extra
//   <p>:{device_kinds}:index             zset    "<kind>\n<user>\n<device id>" for each kind a
//                                                device lists, all scored 0 (lex)
// Sign-in, under one tag (a redeem writes an invitation, a session and an index together):
//   <p>:{signin}:inv:<id>                hash    record (Invitation, JSON), version
//   <p>:{signin}:codes                   hash    SHA-256 of a code -> invitation id
//   <p>:{signin}:group:<group>           zset    invitation ids by creation time
//   <p>:{signin}:session:<id>            hash    record (DeviceSession, JSON), version
//   <p>:{signin}:user:<user>             zset    session ids by creation time

#include <optional>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace muster::redis {

class Keys {
  public:
    explicit Keys(std::string prefix) : prefix_(std::move(prefix)) {}

    [[nodiscard]] const std::string& prefix() const { return prefix_; }

    // The group's event log.
    [[nodiscard]] std::string seq(std::string_view group) const;
    [[nodiscard]] std::string log(std::string_view group) const;
    [[nodiscard]] std::string idempotency(std::string_view group, std::string_view user,
                                          std::string_view key) const;
    [[nodiscard]] std::string group_channel(std::string_view group) const;
    // The group of a group channel; nullopt for any other channel.
    [[nodiscard]] std::optional<std::string> group_of_channel(std::string_view channel) const;

    // The bus.
    [[nodiscard]] std::string control_channel() const;
    [[nodiscard]] std::string health_channel(std::string_view bus_id) const;

    // The directory.
    [[nodiscard]] std::string groups() const;
    [[nodiscard]] std::string parents() const;
    [[nodiscard]] std::string members(std::string_view group) const;
    [[nodiscard]] std::string member_names(std::string_view group) const;
    [[nodiscard]] std::string memberships(std::string_view user) const;
    [[nodiscard]] std::string users() const;

    // Presence.
    [[nodiscard]] std::string presence_online(std::string_view group) const;
    [[nodiscard]] std::string presence_nodes(std::string_view group) const;
    [[nodiscard]] std::string presence_names(std::string_view group) const;
    [[nodiscard]] std::string presence_users(std::string_view group) const;
    [[nodiscard]] std::string user_nodes(std::string_view user) const;
    [[nodiscard]] std::string nodes_alive() const;

    // Duty calls.
    [[nodiscard]] std::string duty_call(std::string_view group, std::string_view call) const;
    [[nodiscard]] std::string duty_calls_in(std::string_view group) const;
    [[nodiscard]] std::string duty_out(std::string_view group, std::string_view call) const;
    [[nodiscard]] std::string duty_pending_in(std::string_view group) const;
    [[nodiscard]] std::string duty_active_in(std::string_view group) const;
    [[nodiscard]] std::string duty_states_in(std::string_view group) const;
    [[nodiscard]] std::string duty_fanned_in(std::string_view group) const;
    [[nodiscard]] std::string duty_index() const;
    [[nodiscard]] std::string duty_groups() const;
    [[nodiscard]] std::string duty_pushed() const;
    [[nodiscard]] std::string duty_legacy(std::string_view index) const;  // states, active, all

    // Meetings.
    [[nodiscard]] std::string meeting(std::string_view group, std::string_view meeting) const;
    [[nodiscard]] std::string meeting_attendance(std::string_view group,
                                                 std::string_view meeting) const;
    [[nodiscard]] std::string meeting_groups() const;
    [[nodiscard]] std::string meetings_unfinished() const;

    // The push outbox and devices.
    [[nodiscard]] std::string push_next() const;
    [[nodiscard]] std::string push_ids() const;
    [[nodiscard]] std::string push_data() const;
    [[nodiscard]] std::string push_by_user() const;
    [[nodiscard]] std::string devices(std::string_view user) const;
    [[nodiscard]] std::string device(std::string_view user, std::string_view id) const;
    [[nodiscard]] std::string device_kinds() const;

    // Sign-in.
    [[nodiscard]] std::string signin_invitation(std::string_view id) const;
    [[nodiscard]] std::string signin_codes() const;
    [[nodiscard]] std::string signin_group(std::string_view group) const;
    [[nodiscard]] std::string signin_session(std::string_view id) const;
    [[nodiscard]] std::string signin_user(std::string_view user) const;

  private:
    [[nodiscard]] std::string group_tag(std::string_view group) const;

    std::string prefix_;
};

// INVALID_ARGUMENT for an empty prefix or one with braces (it would move the hash tags).
Status validate_prefix(std::string_view prefix);

// The hash slot Redis Cluster assigns to a key (CRC16 of the tag, mod 16384): lets tests check
// that a group's keys stay on one shard.
unsigned hash_slot(std::string_view key);

}  // namespace muster::redis
