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

template <class T, class Start>
asio::awaitable<Result<T>> call(Start&& start) {
    co_return co_await async_call<T>(std::forward<Start>(start), asio::use_awaitable);
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
    if (Status s = check_device_spec(spec); !s) co_return error_response(s);
    store::DevicePut request;
    request.device.id = id;
    request.device.user = http.caller->user();
    request.device.kind = spec.kind();
    request.device.endpoint = spec.endpoint();
    request.device.p256dh = spec.p256dh();
    request.device.auth = spec.auth();
    request.device.created_ms = services.clock().now_ms();
    request.max_per_user = max_devices_per_user;
    auto put = co_await call<store::DevicePutResult>([&](Done<store::DevicePutResult> done) {
        devices.put(std::move(request), std::move(done));
    });
    if (!put) co_return error_response(put.status());
    v1::Device out;
    out.set_id(put->device.id);
    out.set_user(put->device.user);
    out.set_kind(put->device.kind);
    out.set_endpoint(put->device.endpoint);
    out.set_created_ms(put->device.created_ms);
    co_return node::json_response(put->created ? 201 : 200, out);
}

asio::awaitable<HttpResponse> delete_device(store::DeviceStore& devices, HttpCall& http) {
    auto removed = co_await call<Unit>([&](Done<Unit> done) {
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
    auto intents =
        co_await call<std::vector<push::PushIntent>>([&](Done<std::vector<push::PushIntent>> done) {
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

DevicesFeature::DevicesFeature(std::unique_ptr<store::DeviceStore> devices,
                               push::PushOutbox& outbox)
    : devices_(std::move(devices)), outbox_(outbox) {}

void DevicesFeature::install(node::NodeServices& services, node::CommandRegistry& /*commands*/,
                             node::HttpRouter& routes) {
    node::NodeServices* s = &services;
    store::DeviceStore* d = devices_.get();
    push::PushOutbox* o = &outbox_;
    using node::HttpAuth;
    routes.add("PUT", "/api/v1/devices/{}", HttpAuth::bearer,
               [s, d](HttpCall& http) { return put_device(*s, *d, http); });
    routes.add("DELETE", "/api/v1/devices/{}", HttpAuth::bearer,
               [d](HttpCall& http) { return delete_device(*d, http); });
    routes.add("GET", "/api/v1/push/outbox", HttpAuth::bearer,
               [o](HttpCall& http) { return list_outbox(*o, http); });
}

}  // namespace muster::features
