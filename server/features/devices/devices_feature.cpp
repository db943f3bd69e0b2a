#include "features/devices/devices_feature.hpp"

#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "features/devices/device_spec.hpp"
#include "muster/v1/api.pb.h"
#include "node/http_router.hpp"
#include "node/validate.hpp"
#include "protocol/codec.hpp"

namespace muster::features {

namespace asio = boost::asio;
namespace json = boost::json;
namespace v1 = muster::v1;
using net::HttpResponse;
using node::error_response;
using node::HttpCall;

namespace {

v1::Device device_of(const store::DeviceInfo& device) {
    v1::Device out;
    out.set_id(device.id);
    out.set_user(device.user);
    out.set_kind(device.kind);
    out.set_endpoint(device.endpoint);
    out.set_created_ms(device.created_ms);
    out.set_topic(device.topic);
    out.set_environment(device.environment);
    out.set_locale(device.locale.empty() ? "zh-CN" : device.locale);
    out.set_timezone(device.timezone);
    if (!device.quiet_start.empty()) {
        out.mutable_quiet_hours()->set_start(device.quiet_start);
        out.mutable_quiet_hours()->set_end(device.quiet_end);
    }
    for (const auto& kind : device.kinds) out.add_kinds(kind);
    return out;
}

asio::awaitable<HttpResponse> put_device(node::NodeServices& services, store::DeviceStore& devices,
                                         HttpCall& http) {
    const std::string& id = http.params[0];
    if (Status s = node::check_id("device id", id, services.config().limits.max_id_bytes); !s)
        co_return error_response(s);
    v1::DeviceSpec spec;
    if (Status s = protocol::from_json(http.request.body.empty() ? "{}" : http.request.body, spec);
        !s) {
        co_return error_response(s);
    }
    if (Status s = check_device_spec(spec, services.config().push.allow_http_endpoints); !s)
        co_return error_response(s);
    store::DevicePut request;
    auto& device = request.device;
    device.id = id;
    device.user = http.caller->user();
    device.kind = spec.kind();
    device.endpoint = spec.endpoint();
    device.p256dh = spec.p256dh();
    device.auth = spec.auth();
    device.created_ms = services.clock().now_ms();
    device.token = spec.token();
    device.topic = spec.topic();
    device.environment = spec.environment();
    device.secret = spec.secret();
    device.locale = spec.locale();
    device.timezone = spec.timezone();
    device.quiet_start = spec.quiet_hours().start();
    device.quiet_end = spec.quiet_hours().end();
    device.kinds.assign(spec.kinds().begin(), spec.kinds().end());
    request.max_per_user = max_devices_per_user;
    auto put = co_await co_call<store::DevicePutResult>([&](Done<store::DevicePutResult> done) {
        devices.put(std::move(request), std::move(done));
    });
    if (!put) co_return error_response(put.status());
    co_return node::json_response(put->created ? 201 : 200, device_of(put->device));
}

// The user's devices, without their secrets.
asio::awaitable<HttpResponse> list_devices(store::DeviceStore& devices, HttpCall& http) {
    auto listed = co_await co_call<std::vector<store::DeviceInfo>>(
        [&](Done<std::vector<store::DeviceInfo>> done) {
            devices.devices_of(http.caller->user(), std::move(done));
        });
    if (!listed) co_return error_response(listed.status());
    json::array out;
    for (const auto& device : *listed) {
        boost::system::error_code ec;
        out.push_back(json::parse(protocol::to_json(device_of(device)), ec));
    }
    co_return node::json_text_response(200, json::serialize(json::object{{"devices", out}}));
}

asio::awaitable<HttpResponse> vapid_public_key(const std::string& key) {
    if (key.empty()) {
        co_return error_response(
            {errc::not_found, "Web Push is not configured (push.vapid_private_key_file)"});
    }
    co_return node::json_text_response(200, json::serialize(json::object{{"publicKey", key}}));
}

asio::awaitable<HttpResponse> delete_device(store::DeviceStore& devices, HttpCall& http) {
    auto removed = co_await co_call<Unit>([&](Done<Unit> done) {
        devices.remove(http.caller->user(), http.params[0], std::move(done));
    });
    if (!removed) co_return error_response(removed.status());
    co_return HttpResponse{204, "application/json", "", {}};
}

asio::awaitable<HttpResponse> list_outbox(push::PushOutbox& outbox, HttpCall& http) {
    if (!http.caller->claims.is_admin()) co_return error_response({errc::forbidden, "admins only"});
    auto after = http.query_number("after");
    auto limit = http.query_number("limit");
    for (const auto* r : {&after, &limit}) {
        if (!*r) co_return error_response(r->status());
    }
    push::PushQuery query;
    query.after_id = after->value_or(0);
    query.limit =
        static_cast<std::uint32_t>(std::clamp<std::uint64_t>(limit->value_or(100), 1, 1000));
    if (auto it = http.query.find("user"); it != http.query.end()) query.user = it->second;
    auto intents = co_await co_call<std::vector<push::PushIntent>>(
        [&](Done<std::vector<push::PushIntent>> done) {
            outbox.list(std::move(query), std::move(done));
        });
    if (!intents) co_return error_response(intents.status());
    json::array list;
    for (const auto& intent : *intents) {
        boost::system::error_code ec;
        json::value data = json::parse(intent.data_json, ec);
        if (ec) data = json::object{};
        list.push_back(json::object{{"id", std::to_string(intent.id)},
                                    {"user", intent.user},
                                    {"title", intent.title},
                                    {"body", intent.body},
                                    {"data", std::move(data)},
                                    {"createdMs", std::to_string(intent.created_ms)}});
    }
    co_return node::json_text_response(200, json::serialize(json::object{{"intents", list}}));
}

}  // namespace

DevicesFeature::DevicesFeature(store::DeviceStore& devices, push::PushOutbox& outbox,
                               std::string vapid_public_key)
    : devices_(devices), outbox_(outbox), vapid_public_key_(std::move(vapid_public_key)) {}

void DevicesFeature::install(node::NodeServices& services, node::CommandRegistry& /*commands*/,
                             node::HttpRouter& routes) {
    node::NodeServices* s = &services;
    store::DeviceStore* d = &devices_;
    const std::string* vapid = &vapid_public_key_;
    push::PushOutbox* o = &outbox_;
    using node::HttpAuth;
    routes.add("PUT", "/api/v1/devices/{}", HttpAuth::bearer,
               [s, d](HttpCall& http) { return put_device(*s, *d, http); });
    routes.add("DELETE", "/api/v1/devices/{}", HttpAuth::bearer,
               [d](HttpCall& http) { return delete_device(*d, http); });
    routes.add("GET", "/api/v1/devices", HttpAuth::bearer,
               [d](HttpCall& http) { return list_devices(*d, http); });
    routes.add("GET", "/api/v1/push/vapid-public-key", HttpAuth::none,
               [vapid](HttpCall& /*http*/) { return vapid_public_key(*vapid); });
    routes.add("GET", "/api/v1/push/outbox", HttpAuth::bearer,
               [o](HttpCall& http) { return list_outbox(*o, http); });
}

}  // namespace muster::features
