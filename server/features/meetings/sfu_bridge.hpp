#pragma once
// Meetings on the SFU (docs/PROTOCOL.md "Meeting media"): which meetings get a Janus VideoRoom,
// the room's id and each participant's token, and the SfuRooms calls that follow a meeting's
// changes. Without meeting.sfu_url (no SfuRooms) every meeting is a mesh, audio-first beyond
// meeting.max_mesh_peers.
//
// When: a meeting gets its room as it starts, if its group has more direct members than
// meeting.max_mesh_peers (or more have joined already): such a meeting may outgrow a mesh, and
// switching a meeting's media mid-way would cut every call. A meeting of a smaller group stays
// a mesh (audio-first if visitors from above push it past the bound). If Janus cannot create
// the room, the meeting starts anyway, as a mesh (audio-first), and the log says why.
//
// Admission: the room admits the tokens on its allowed list. A participant's token goes on it
// before their join is answered (the start's, for those who joined early), and comes off when
// they leave or are dropped (whoever is in the room under their user id is sent out); the room
// is destroyed when the meeting ends. Ids and tokens are derived (core/sfu_token.hpp), so any
// node can do any of this.
//
// Threads: any; the awaitables resume on the caller's executor. The commands wait for their
// SFU work (join: admitted; leave: sent out; end: room destroyed) before they answer, so that
// what the reply says is true at Janus too; a failure there is logged, never the command's.

#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/config.hpp"
#include "features/meetings/sfu_rooms.hpp"
#include "muster/v1/meeting.pb.h"
#include "muster/v1/meeting_record.pb.h"

namespace muster::features::meetings {

class SfuBridge {
  public:
    // `rooms` may be null (no SFU configured); it must outlive this.
    SfuBridge(SfuRooms* rooms, const MeetingConfig& config) : rooms_(rooms), config_(config) {}

    [[nodiscard]] bool enabled() const { return rooms_ != nullptr; }
    // Whether a meeting starting with `members` direct members in its group and `joined`
    // participants gets a room.
    [[nodiscard]] bool wants_room(std::size_t members, std::size_t joined) const;
    [[nodiscard]] std::uint64_t room_of(const std::string& meeting_id) const;
    [[nodiscard]] std::string token(std::uint64_t room, const std::string& user) const;

    // Creates the meeting's room admitting `users`.
    boost::asio::awaitable<Status> create(const std::string& meeting_id, const std::string& title,
                                          const std::vector<std::string>& users);
    // Puts `users`' tokens on the room's allowed list.
    boost::asio::awaitable<Status> admit(std::uint64_t room, const std::vector<std::string>& users);
    // Takes `user`'s token off the allowed list and sends them out of the room.
    boost::asio::awaitable<Status> send_out(std::uint64_t room, const std::string& user);
    // The same when no one waits for it (a drop by the grace timer): failures are logged.
    void send_out_later(std::uint64_t room, const std::string& user);
    boost::asio::awaitable<Status> destroy(std::uint64_t room);

    // How `user`'s media flows in the meeting `record` describes.
    [[nodiscard]] muster::v1::MeetingMedia media_for(const muster::v1::MeetingRecord& record,
                                                     const std::string& user) const;

  private:
    SfuRooms* rooms_;
    const MeetingConfig& config_;
};

}  // namespace muster::features::meetings
