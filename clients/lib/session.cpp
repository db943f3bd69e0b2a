#include "muster/session.hpp"

namespace muster::client {

namespace {

using clock = std::chrono::steady_clock;

std::chrono::milliseconds remaining(clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    return left.count() > 0 ? left : std::chrono::milliseconds{0};
}

}  // namespace

Session::Session(Connection connection) : connection_(std::move(connection)) {}

Outcome<Session> Session::open(const ConnectOptions& options) {
    auto connection = Connection::open(options);
    if (!connection) return std::move(connection).failure();
    return Session(std::move(connection).value());
}

Outcome<std::uint32_t> Session::send(v1::ClientFrame frame) {
    if (frame.id() == 0) {
        frame.set_id(next_id_++);
        if (next_id_ == 0) next_id_ = 1;  // 0 means "pushed": never use it for a command
    }
    if (auto sent = connection_.send(frame); !sent) return std::move(sent).failure();
    return frame.id();
}

Outcome<void> Session::read_one(clock::time_point deadline) {
    auto frame = connection_.receive(remaining(deadline));
    if (!frame) return std::move(frame).failure();
    if (frame->id() == 0) {
        pushes_.push_back(std::move(frame).value());
    } else {
        const auto id = frame->id();
        replies_.insert_or_assign(id, std::move(frame).value());
    }
    return {};
}

Outcome<v1::ServerFrame> Session::await_reply(std::uint32_t id, std::chrono::milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    for (;;) {
        if (auto found = replies_.find(id); found != replies_.end()) {
            auto reply = std::move(found->second);
            replies_.erase(found);
            return reply;
        }
        if (auto read = read_one(deadline); !read) {
            auto failure = std::move(read).failure();
            if (failure.is(Failure::Kind::timeout)) {
                failure.message = "no reply to command " + std::to_string(id) + " within " +
                                  std::to_string(timeout.count()) + " ms";
            }
            return failure;
        }
    }
}

Outcome<v1::ServerFrame> Session::call(v1::ClientFrame frame, std::chrono::milliseconds timeout) {
    auto id = send(std::move(frame));
    if (!id) return std::move(id).failure();
    return await_reply(*id, timeout);
}

Outcome<v1::ServerFrame> Session::call_checked(v1::ClientFrame frame) {
    const auto command = static_cast<int>(frame.cmd_case());
    auto reply = call(std::move(frame), timeout_);
    if (!reply) return reply;
    if (reply->has_error()) return Failure::from_error(reply->error());
    if (static_cast<int>(reply->body_case()) != command) {
        return Failure::make(Failure::Kind::protocol,
                             "reply to command field " + std::to_string(command) +
                                 " has body field " + std::to_string(reply->body_case()));
    }
    return reply;
}

Outcome<void> Session::reply_body(const v1::ServerFrame& reply, google::protobuf::Message& out) {
    const auto* field = v1::ServerFrame::descriptor()->FindFieldByNumber(reply.body_case());
    if (field == nullptr || field->message_type() != out.GetDescriptor()) {
        return Failure::make(Failure::Kind::protocol,
                             "reply body is not a " + out.GetDescriptor()->name());
    }
    out.CopyFrom(reply.GetReflection()->GetMessage(reply, field));
    return {};
}

Outcome<v1::ServerFrame> Session::next_push(std::chrono::milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    while (pushes_.empty()) {
        if (auto read = read_one(deadline); !read) return std::move(read).failure();
    }
    auto frame = std::move(pushes_.front());
    pushes_.pop_front();
    return frame;
}

Outcome<v1::Event> Session::next_event(std::chrono::milliseconds timeout) {
    auto frame = next_push(timeout);
    if (!frame) return std::move(frame).failure();
    if (frame->has_error()) return Failure::from_error(frame->error());
    if (!frame->has_event()) {
        return Failure::make(Failure::Kind::protocol, "a pushed frame (id 0) without an event");
    }
    return std::move(*frame->mutable_event());
}

Outcome<v1::ConnectReply> Session::connect(std::string token, std::vector<v1::Subscribe> resume,
                                           std::string client_name) {
    v1::ClientFrame frame;
    auto* connect = frame.mutable_connect();
    connect->set_token(std::move(token));
    connect->set_client(std::move(client_name));
    for (auto& entry : resume) *connect->add_resume() = std::move(entry);
    return call_as<v1::ConnectReply>(std::move(frame));
}

Outcome<v1::SubscribeReply> Session::subscribe(std::string group,
                                               std::optional<std::uint64_t> since) {
    v1::ClientFrame frame;
    frame.mutable_subscribe()->set_group(std::move(group));
    if (since) frame.mutable_subscribe()->set_since(*since);
    return call_as<v1::SubscribeReply>(std::move(frame));
}

Outcome<v1::UnsubscribeReply> Session::unsubscribe(std::string group) {
    v1::ClientFrame frame;
    frame.mutable_unsubscribe()->set_group(std::move(group));
    return call_as<v1::UnsubscribeReply>(std::move(frame));
}

Outcome<v1::PublishReply> Session::publish(std::string group, std::string text,
                                           std::string client_msg_id, std::string meeting_id) {
    v1::ClientFrame frame;
    auto* publish = frame.mutable_publish();
    publish->set_group(std::move(group));
    publish->set_text(std::move(text));
    publish->set_client_msg_id(std::move(client_msg_id));
    publish->set_meeting_id(std::move(meeting_id));
    return call_as<v1::PublishReply>(std::move(frame));
}

Outcome<v1::HistoryReply> Session::history(v1::History request) {
    v1::ClientFrame frame;
    *frame.mutable_history() = std::move(request);
    return call_as<v1::HistoryReply>(std::move(frame));
}

Outcome<v1::HistoryReply> Session::history(std::string group,
                                           std::optional<std::uint64_t> after_seq,
                                           std::optional<std::uint64_t> before_seq,
                                           std::uint32_t limit) {
    v1::History request;
    request.set_group(std::move(group));
    if (after_seq) request.set_after_seq(*after_seq);
    if (before_seq) request.set_before_seq(*before_seq);
    request.set_limit(limit);
    return history(std::move(request));
}

Outcome<v1::PresenceReply> Session::presence(std::string group) {
    v1::ClientFrame frame;
    frame.mutable_presence()->set_group(std::move(group));
    return call_as<v1::PresenceReply>(std::move(frame));
}

Outcome<v1::RefreshReply> Session::refresh(std::string token) {
    v1::ClientFrame frame;
    frame.mutable_refresh()->set_token(std::move(token));
    return call_as<v1::RefreshReply>(std::move(frame));
}

}  // namespace muster::client
