#include "features/duty/duty_routes.hpp"

#include <google/protobuf/util/json_util.h>

#include "features/duty/duty_checks.hpp"
#include "protocol/codec.hpp"

namespace muster::features {

namespace asio = boost::asio;
namespace v1 = muster::v1;
using net::HttpResponse;
using node::error_response;
using node::HttpCall;

namespace {

// Canonical JSON with default values printed: a response with no note still has "note": "".
HttpResponse full_json_response(unsigned status, const google::protobuf::Message& body) {
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = false;
    options.always_print_primitive_fields = true;
    options.preserve_proto_field_names = false;
    std::string out;
    (void)google::protobuf::util::MessageToJsonString(body, &out, options);
    return {status, "application/json", std::move(out), {}};
}

template <class Message>
Status parse_body(const HttpCall& call, Message& out) {
    return protocol::from_json(call.request.body.empty() ? "{}" : call.request.body, out);
}

asio::awaitable<HttpResponse> post_call(DutyCalls& calls, HttpCall& call) {
    v1::DutyCreate request;
    if (Status s = parse_body(call, request); !s) co_return error_response(s);
    auto reply = co_await calls.create(*call.caller, request);
    if (!reply) co_return error_response(reply.status());
    // A retry (same clientMsgId) created nothing: 200 with "duplicate": true.
    co_return node::json_response(reply->duplicate() ? 200 : 201, *reply);
}

asio::awaitable<HttpResponse> get_call(DutyCalls& calls, HttpCall& call) {
    auto record = co_await calls.record(*call.caller, call.params[0]);
    if (!record) co_return error_response(record.status());
    co_return full_json_response(200, *record);
}

asio::awaitable<HttpResponse> list_calls(DutyCalls& calls, HttpCall& call) {
    DutyListRequest request;
    if (auto it = call.query.find("group"); it != call.query.end()) request.group = it->second;
    if (auto it = call.query.find("state"); it != call.query.end()) {
        auto state = parse_state(it->second);
        if (!state) co_return error_response(state.status());
        request.state = *state;
    }
    if (auto it = call.query.find("subtree"); it != call.query.end()) {
        if (it->second != "true" && it->second != "false") {
            co_return error_response({errc::invalid_argument, "subtree must be true or false"});
        }
        request.subtree = it->second == "true";
        if (request.subtree && request.group.empty()) {
            co_return error_response({errc::invalid_argument, "subtree needs a group"});
        }
    }
    auto limit = call.query_number("limit");
    if (!limit) co_return error_response(limit.status());
    request.limit =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(limit->value_or(0), UINT32_MAX));
    auto list = co_await calls.list(*call.caller, std::move(request));
    if (!list) co_return error_response(list.status());
    co_return full_json_response(200, *list);
}

asio::awaitable<HttpResponse> post_response(DutyCalls& calls, HttpCall& call) {
    v1::DutyRespond request;
    if (Status s = parse_body(call, request); !s) co_return error_response(s);
    request.set_call_id(call.params[0]);
    auto reply = co_await calls.respond(*call.caller, request);
    if (!reply) co_return error_response(reply.status());
    co_return full_json_response(200, *reply);
}

asio::awaitable<HttpResponse> post_close(DutyCalls& calls, HttpCall& call) {
    v1::DutyClose request;
    if (Status s = parse_body(call, request); !s) co_return error_response(s);
    request.set_call_id(call.params[0]);
    auto reply = co_await calls.close(*call.caller, request);
    if (!reply) co_return error_response(reply.status());
    co_return full_json_response(200, *reply);
}

}  // namespace

void register_duty_routes(node::HttpRouter& routes, DutyCalls& calls) {
    DutyCalls* c = &calls;
    using node::HttpAuth;
    routes.add("POST", "/api/v1/duty-calls", HttpAuth::bearer,
               [c](HttpCall& call) { return post_call(*c, call); });
    routes.add("GET", "/api/v1/duty-calls", HttpAuth::bearer,
               [c](HttpCall& call) { return list_calls(*c, call); });
    routes.add("GET", "/api/v1/duty-calls/{}", HttpAuth::bearer,
               [c](HttpCall& call) { return get_call(*c, call); });
    routes.add("POST", "/api/v1/duty-calls/{}/responses", HttpAuth::bearer,
               [c](HttpCall& call) { return post_response(*c, call); });
    routes.add("POST", "/api/v1/duty-calls/{}/close", HttpAuth::bearer,
               [c](HttpCall& call) { return post_close(*c, call); });
}

}  // namespace muster::features
