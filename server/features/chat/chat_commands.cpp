#include "features/chat/chat_commands.hpp"

#include "features/chat/chat_messages.hpp"
#include "node/client.hpp"

namespace muster::features::chat {

namespace asio = boost::asio;
namespace v1 = muster::v1;

void register_chat_commands(node::CommandRegistry& commands, node::NodeServices& services,
                            const ChatTags& tags, const ChatPushes& pushes) {
    using Cmd = v1::ClientFrame;
    node::NodeServices* s = &services;
    const ChatTags* t = &tags;
    const ChatPushes* o = &pushes;

    commands.add_simple(Cmd::kPublish,
                        [s, t, o](std::shared_ptr<node::Client> c,
                                  const Cmd& f) -> asio::awaitable<Result<v1::ServerFrame>> {
                            const auto& p = f.publish();
                            ChatPost post{p.group(),
                                          p.text(),
                                          p.client_msg_id(),
                                          p.meeting_id(),
                                          {p.mentions().begin(), p.mentions().end()}};
                            Result<store::Appended> appended =
                                co_await publish_chat(*s, *t, *o, c->caller(), std::move(post));
                            if (!appended) co_return appended.status();
                            v1::ServerFrame frame;
                            frame.mutable_publish()->set_seq(appended->seq);
                            frame.mutable_publish()->set_duplicate(appended->duplicate);
                            co_return frame;
                        });

    commands.add_simple(
        Cmd::kHistory,
        [s](std::shared_ptr<node::Client> c,
            const Cmd& f) -> asio::awaitable<Result<v1::ServerFrame>> {
            const auto& h = f.history();
            HistoryQuery query{h.group(), std::nullopt, std::nullopt, h.limit(), c->encoding()};
            if (h.has_after_seq()) query.after_seq = h.after_seq();
            if (h.has_before_seq()) query.before_seq = h.before_seq();
            Result<v1::HistoryReply> history =
                co_await read_history(*s, c->caller(), std::move(query));
            if (!history) co_return history.status();
            v1::ServerFrame frame;
            *frame.mutable_history() = std::move(*history);
            co_return frame;
        });
}

}  // namespace muster::features::chat
