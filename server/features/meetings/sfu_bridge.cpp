#include "features/meetings/sfu_bridge.hpp"

#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"
#include "core/sfu_token.hpp"

namespace muster::features::meetings {

namespace asio = boost::asio;
namespace v1 = muster::v1;

bool SfuBridge::wants_room(std::size_t members, std::size_t joined) const {
    return enabled() && std::max(members, joined) > config_.max_mesh_peers;
}

std::uint64_t SfuBridge::room_of(const std::string& meeting_id) const {
    return sfu_room_id(meeting_id);
}

std::string SfuBridge::token(std::uint64_t room, const std::string& user) const {
    return sfu_token(config_.sfu_secret, room, user);
}

asio::awaitable<Status> SfuBridge::create(const std::string& meeting_id, const std::string& title,
                                          const std::vector<std::string>& users) {
    SfuRoom room;
    room.id = room_of(meeting_id);
    room.description = title.empty() ? meeting_id : title;
    room.max_publishers = config_.sfu_max_publishers;
    for (const auto& user : users) room.allowed.push_back(token(room.id, user));
    Result<Unit> done = co_await async_call<Unit>(
        [&](Done<Unit> d) { rooms_->create_room(std::move(room), std::move(d)); },
        asio::use_awaitable);
    co_return done ? Status{} : done.status();
}

asio::awaitable<Status> SfuBridge::admit(std::uint64_t room,
                                         const std::vector<std::string>& users) {
    std::vector<std::string> tokens;
    for (const auto& user : users) tokens.push_back(token(room, user));
    Result<Unit> done = co_await async_call<Unit>(
        [&](Done<Unit> d) {
            rooms_->admit(room, std::move(tokens), true, users.size() == 1 ? users[0] : "",
                          std::move(d));
        },
        asio::use_awaitable);
    co_return done ? Status{} : done.status();
}

asio::awaitable<Status> SfuBridge::send_out(std::uint64_t room, const std::string& user) {
    Result<Unit> done = co_await async_call<Unit>(
        [&](Done<Unit> d) { rooms_->admit(room, {token(room, user)}, false, user, std::move(d)); },
        asio::use_awaitable);
    co_return done ? Status{} : done.status();
}

void SfuBridge::send_out_later(std::uint64_t room, const std::string& user) {
    rooms_->admit(room, {token(room, user)}, false, user, [](const Result<Unit>&) {});
}

asio::awaitable<Status> SfuBridge::destroy(std::uint64_t room) {
    Result<Unit> done = co_await async_call<Unit>(
        [&](Done<Unit> d) { rooms_->destroy_room(room, std::move(d)); }, asio::use_awaitable);
    co_return done ? Status{} : done.status();
}

v1::MeetingMedia SfuBridge::media_for(const v1::MeetingRecord& record,
                                      const std::string& user) const {
    v1::MeetingMedia media;
    media.set_max_mesh_peers(config_.max_mesh_peers);
    if (record.sfu_room().empty() || record.state().phase() != v1::MeetingState::LIVE) {
        media.set_mode(v1::MeetingMedia::MESH);
        return media;
    }
    media.set_mode(v1::MeetingMedia::SFU);
    media.set_sfu_url(config_.sfu_public_url.empty() ? config_.sfu_url : config_.sfu_public_url);
    media.set_room(record.sfu_room());
    media.set_token(token(std::stoull(record.sfu_room()), user));
    return media;
}

}  // namespace muster::features::meetings
