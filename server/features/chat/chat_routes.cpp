#include "features/chat/chat_routes.hpp"

#include <algorithm>
#include <cstdint>

#include "features/chat/chat_messages.hpp"
#include "muster/v1/api.pb.h"
#include "protocol/codec.hpp"

namespace muster::features::chat {

namespace asio = boost::asio;
namespace v1 = muster::v1;
using net::HttpResponse;
using node::error_response;
using node::HttpCall;
using node::json_response;

namespace {

asio::awaitable<HttpResponse> post_message(node::NodeServices& services, const ChatTags& tags,
                                           const ChatPushes& pushes, HttpCall& call) {
    v1::PostMessage body;
    if (Status s = protocol::from_json(call.request.body, body); !s) co_return error_response(s);
    ChatPost post{call.params[0],
                  body.text(),
                  body.client_msg_id(),
                  body.meeting_id(),
                  {body.mentions().begin(), body.mentions().end()}};
    Result<store::Appended> appended =
        co_await publish_chat(services, tags, pushes, *call.caller, std::move(post));
    if (!appended) co_return error_response(appended.status());
    v1::PostMessageReply reply;
    reply.set_seq(appended->seq);
    reply.set_duplicate(appended->duplicate);
    co_return json_response(appended->duplicate ? 200 : 201, reply);
}

asio::awaitable<HttpResponse> get_events(node::NodeServices& services, HttpCall& call) {
    auto after = call.query_number("after_seq");
    auto before = call.query_number("before_seq");
    auto limit = call.query_number("limit");
    for (const auto* r : {&after, &before, &limit}) {
        if (!*r) co_return error_response(r->status());
    }
    HistoryQuery query{
        call.params[0], *after, *before,
        static_cast<std::uint32_t>(std::min<std::uint64_t>(limit->value_or(0), UINT32_MAX))};
    Result<v1::HistoryReply> history =
        co_await read_history(services, *call.caller, std::move(query));
    if (!history) co_return error_response(history.status());
    v1::EventList out;
    out.mutable_events()->Swap(history->mutable_events());
    out.set_oldest_seq(history->oldest_seq());
    out.set_latest_seq(history->latest_seq());
    out.set_more(history->more());
    out.set_next_seq(history->next_seq());
    co_return json_response(200, out);
}

}  // namespace

void register_chat_routes(node::HttpRouter& routes, node::NodeServices& services,
                          const ChatTags& tags, const ChatPushes& pushes) {
    node::NodeServices* s = &services;
    const ChatTags* t = &tags;
    routes.add("POST", "/api/v1/groups/{}/messages", node::HttpAuth::bearer,
               [s, t, p = &pushes](HttpCall& c) { return post_message(*s, *t, *p, c); });
    routes.add("GET", "/api/v1/groups/{}/events", node::HttpAuth::bearer,
               [s](HttpCall& c) { return get_events(*s, c); });
}

}  // namespace muster::features::chat
