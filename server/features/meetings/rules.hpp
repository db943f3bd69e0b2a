#pragma once
// The rules of a meeting, as pure functions on its stored record: each checks who may do what
// in which phase, changes the record and says what changed (MeetingChange). The store
// runs them inside one transaction (features/meetings/meeting_store.hpp), so they must depend on
// their inputs only; that also makes them testable without a server.
//
// Lifecycle SCHEDULED -> LIVE -> ENDED. Every command on an ENDED meeting is CONFLICT.
// Who: members of the group (effective role, so coordinators of an ancestor and holders of the
// group in their token too) may join, leave, raise and lower their own hand and answer the
// roll; the host (the coordinator who scheduled) and the co-hosts named at scheduling may also
// start, call the roll, grant the floor, share, set the agenda item, lower another's hand, end.
//
// Attendance: a participant's interval opens when they join (or at the start, for those who
// joined the scheduled meeting early: only live time counts) and closes when they leave, when
// the meeting ends, or when their last connection is lost and they do not join again within
// the grace period. A dropped interval closes at the time the connection was lost, not at the
// end of the grace; joining again within the grace continues the same interval (the gap of a
// phone changing networks counts as present), later opens a new one. Participants see the
// loss (AWAY, Participant.away_since_ms) and the return (BACK) as updates. Media time
// (MeetingRecord.media_time, the report's audio_s / video_s) runs while a participant's
// microphone / camera is on in the LIVE meeting and stops where their interval closes.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "features/meetings/meeting_store.hpp"
#include "muster/v1/frame.pb.h"
#include "muster/v1/meeting_record.pb.h"
#include "store/directory.hpp"

namespace muster::features::meetings {

using muster::v1::MeetingRecord;

// Who is acting, with their effective role in the meeting's group.
struct Actor {
    std::string user;
    std::string name;
    store::Role role = store::Role::none;
};

[[nodiscard]] bool is_host(const muster::v1::MeetingState& state, const std::string& user);

// A new record for `command` (already validated), hosted by `host`; the first change is
// SCHEDULED. `co_hosts` are deduplicated and the host is left out of them.
MeetingRecord new_meeting(const Actor& host, const std::string& meeting_id,
                          const muster::v1::MeetingSchedule& command, std::int64_t now_ms);
MeetingChange scheduled(const Actor& host);

// `sfu_room`: the Janus VideoRoom made for the meeting (sfu_bridge.hpp); empty: a mesh.
Result<MeetingChange> start(MeetingRecord& record, const Actor& actor, std::int64_t now_ms,
                            const std::string& sfu_room = {});
Result<MeetingChange> end(MeetingRecord& record, const Actor& actor,
                          const std::vector<std::string>& members, std::int64_t now_ms);

// `connection` is the session joining (empty: none to track, e.g. an HTTP caller).
Result<MeetingChange> join(MeetingRecord& record, const Actor& actor, const std::string& connection,
                           std::int64_t now_ms);
Result<MeetingChange> leave(MeetingRecord& record, const Actor& actor, std::int64_t now_ms);

// A connection that joined was lost at `lost_ms` (taken when the node noticed, not when the
// store runs this). When it was the user's last one they are AWAY and the grace period starts
// (a grace of 0 drops them at once). Never an error: the meeting may have ended since.
MeetingChange connection_lost(MeetingRecord& record, const std::string& user,
                              const std::string& connection, std::int64_t grace_ms,
                              std::int64_t lost_ms);
// The grace timer: drops the user (DROPPED) if they are still away and it has run out.
MeetingChange drop_if_due(MeetingRecord& record, const std::string& user, std::int64_t now_ms);
// Node start-up: every recorded connection is gone (one node owns the embedded store), so
// participants still marked connected start their grace period now (one AWAY update, user
// empty). Those already away keep the time they were really lost at.
MeetingChange recover(MeetingRecord& record, std::int64_t grace_ms, std::int64_t now_ms);

// Connections are recorded as "<process>/<session>" (MeetingStore::process()). Whether a
// recorded connection is gone for good, seen from process `self` knowing the `live` ones: it
// is when its process is not alive, when it is an earlier run of this node (the same node id:
// "<node id>-<run>"), or when it carries no process (recorded before connections were tagged).
bool connection_gone(const std::string& connection, const std::string& self,
                     const std::vector<std::string>& live);
// Nodes sharing a store: the connections `gone` says are gone are forgotten, and participants
// left with none start their grace now (one AWAY update, user empty), as recover() does for
// all of them. With `orphans`, also participants who have no connection and are not away
// (recover(): every connection went with the node).
MeetingChange recover_gone(MeetingRecord& record,
                           const std::function<bool(const std::string&)>& gone, bool orphans,
                           std::int64_t grace_ms, std::int64_t now_ms);

Result<MeetingChange> open_roll_call(MeetingRecord& record, const Actor& actor,
                                     std::int64_t window_ms, std::int64_t now_ms);
Result<MeetingChange> answer_roll(MeetingRecord& record, const Actor& actor, std::int64_t now_ms);
// The roll-call timer: closes the roll call if its window has passed. Absent: members of the
// group and participants who did not answer, sorted.
MeetingChange close_roll_call_if_due(MeetingRecord& record, const std::vector<std::string>& members,
                                     std::int64_t now_ms);

Result<MeetingChange> raise_hand(MeetingRecord& record, const Actor& actor, std::int64_t now_ms);
// `user` empty: one's own hand; another's takes a host.
Result<MeetingChange> lower_hand(MeetingRecord& record, const Actor& actor, const std::string& user,
                                 std::int64_t now_ms);
// Gives `user` (a participant) the floor and takes their hand out of the queue; `user` empty
// takes the floor back.
Result<MeetingChange> grant_floor(MeetingRecord& record, const Actor& actor,
                                  const std::string& user, std::int64_t now_ms);
Result<MeetingChange> share(MeetingRecord& record, const Actor& actor, const std::string& title,
                            const std::string& url, std::uint32_t max_items, std::int64_t now_ms);
Result<MeetingChange> set_agenda_item(MeetingRecord& record, const Actor& actor, std::int32_t index,
                                      std::int64_t now_ms);

// A member may read the state (meeting_get) without joining.
Status may_read(const MeetingRecord& record, const Actor& actor);

// ---- voice and video ------------------------------------------------------------------------

// How media flows in meetings of this server (config meeting.max_mesh_peers, meeting.sfu_url).
struct MediaPolicy {
    std::uint32_t max_mesh_peers = 4;
    bool sfu = false;  // the meeting has an SFU room: every participant may send video
};

// Whether `user` may send video now. With an SFU, or in a meeting of at most max_mesh_peers
// participants, everyone may; beyond, without an SFU, the meeting is audio-first: only the
// host(s) and the floor holder send video (a mesh of N sends N-1 copies of each camera).
[[nodiscard]] bool may_send_video(const muster::v1::MeetingState& state, const std::string& user,
                                  const MediaPolicy& policy);

// meeting_signal: FORBIDDEN for a stranger, for a meeting that is not LIVE, or for a sender
// who has not joined it; NOT_FOUND when `to_user` is not a participant; INVALID_ARGUMENT to
// oneself. Reads only.
Status may_signal(const MeetingRecord& record, const Actor& actor, const std::string& to_user);

// meeting_media: `user` empty (or the actor) sets one's own microphone/camera; a host may turn
// another participant's off, never on (FORBIDDEN). The meeting must not have ended, the target
// must be a participant (CONFLICT), and video on needs may_send_video (FORBIDDEN). MEDIA when
// something changed, nothing otherwise.
Result<MeetingChange> set_media(MeetingRecord& record, const Actor& actor, const std::string& user,
                                bool audio, bool video, const MediaPolicy& policy,
                                std::int64_t now_ms);

}  // namespace muster::features::meetings
