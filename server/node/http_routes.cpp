#include "node/internal/http_routes.hpp"

#include <boost/asio/use_awaitable.hpp>

#include "core/metrics.hpp"
#include "muster/v1/api.pb.h"
#include "node/validate.hpp"
#include "protocol/codec.hpp"

namespace muster::node {

namespace asio = boost::asio;
namespace v1 = muster::v1;
using net::HttpResponse;
using store::Role;

namespace {

Status require_admin(const Caller& caller) {
    if (caller.claims.is_admin()) return {};
    return {errc::forbidden, "admins only"};
}

asio::awaitable<HttpResponse> readyz(NodeInternals& services) {
    Result<Unit> store =
        co_await co_call<Unit>([&](Done<Unit> done) { services.store().ping(std::move(done)); });
    const bool bus = services.bus().healthy();
    std::string body = R"({"store":")" + std::string(store ? "ok" : "unavailable") +
                       R"(","bus":")" + std::string(bus ? "ok" : "unavailable") + "\"}";
    co_return json_text_response(store && bus ? 200 : 503, std::move(body));
}

asio::awaitable<HttpResponse> put_group(NodeInternals& services, HttpCall& call) {
    if (Status s = require_admin(*call.caller); !s) co_return error_response(s);
    const std::string& id = call.params[0];
    const auto& limits = services.config().limits;
    v1::GroupSpec spec;
    if (Status s = protocol::from_json(call.request.body.empty() ? "{}" : call.request.body, spec);
        !s) {
        co_return error_response(s);
    }
    if (Status s = check_id("group id", id, limits.max_id_bytes); !s) co_return error_response(s);
    if (Status s = check_optional_id("parent", spec.parent(), limits.max_id_bytes); !s)
        co_return error_response(s);
    if (Status s = check_text("name", spec.name(), limits.max_text_bytes, false); !s)
        co_return error_response(s);
    store::GroupInfo group{id, spec.name().empty() ? id : spec.name(), spec.parent()};
    Result<Unit> put = co_await co_call<Unit>(
        [&](Done<Unit> done) { services.store().directory().put_group(group, std::move(done)); });
    if (!put) co_return error_response(put.status());
    // Stored: the answer says so whatever the cache does. A failed reload of this node's
    // copy is retried when the bus hands the same notice back to this node.
    (void)co_await co_call<Unit>(
        [&](Done<Unit> done) { services.groups_changed(std::move(done)); });
    v1::Group out;
    out.set_id(group.id);
    out.set_name(group.name);
    out.set_parent(group.parent);
    co_return json_response(200, out);
}

asio::awaitable<HttpResponse> list_members(NodeInternals& services, HttpCall& call) {
    const std::string& group = call.params[0];
    if (Status s = require_role(*services.tree(), *call.caller, group, Role::member); !s)
        co_return error_response(s);
    auto members = co_await co_call<std::vector<store::MemberInfo>>(
        [&](Done<std::vector<store::MemberInfo>> done) {
            services.store().directory().members_of(group, std::move(done));
        });
    if (!members) co_return error_response(members.status());
    v1::MemberList out;
    for (const auto& m : *members) {
        auto* member = out.add_members();
        member->set_user(m.user);
        member->set_role(std::string(store::role_name(m.role)));
        member->set_name(m.name);
    }
    co_return json_response(200, out);
}

asio::awaitable<HttpResponse> put_member(NodeInternals& services, HttpCall& call) {
    const std::string& group = call.params[0];
    const std::string& user = call.params[1];
    const auto& limits = services.config().limits;
    if (Status s = check_id("user", user, limits.max_id_bytes); !s) co_return error_response(s);
    if (Status s = require_role(*services.tree(), *call.caller, group, Role::coordinator); !s)
        co_return error_response(s);
    v1::MemberSpec spec;
    if (Status s = protocol::from_json(call.request.body.empty() ? "{}" : call.request.body, spec);
        !s) {
        co_return error_response(s);
    }
    Role role = Role::member;
    if (!spec.role().empty() && (!store::parse_role(spec.role(), role) || role == Role::none)) {
        co_return error_response({errc::invalid_argument, "role must be member or coordinator"});
    }
    if (Status s = check_text("name", spec.name(), limits.max_text_bytes, false); !s)
        co_return error_response(s);
    Result<Unit> put = co_await co_call<Unit>([&](Done<Unit> done) {
        services.store().directory().put_member(group, user, role, spec.name(), std::move(done));
    });
    if (!put) co_return error_response(put.status());
    // Stored (see put_group): a failed refresh is retried by the bus's copy of the notice.
    (void)co_await co_call<Unit>(
        [&](Done<Unit> done) { services.memberships_changed(user, std::move(done)); });
    v1::Member out;
    out.set_user(user);
    out.set_role(std::string(store::role_name(role)));
    out.set_name(spec.name());
    co_return json_response(200, out);
}

asio::awaitable<HttpResponse> delete_member(NodeInternals& services, HttpCall& call) {
    const std::string& group = call.params[0];
    const std::string& user = call.params[1];
    if (Status s = require_role(*services.tree(), *call.caller, group, Role::coordinator); !s)
        co_return error_response(s);
    Result<Unit> removed = co_await co_call<Unit>([&](Done<Unit> done) {
        services.store().directory().remove_member(group, user, std::move(done));
    });
    if (!removed) co_return error_response(removed.status());
    // Stored (see put_group): a failed refresh is retried by the bus's copy of the notice.
    (void)co_await co_call<Unit>(
        [&](Done<Unit> done) { services.memberships_changed(user, std::move(done)); });
    co_return HttpResponse{204, "application/json", "", {}};
}

asio::awaitable<HttpResponse> advance_clock(NodeInternals& services, HttpCall& call) {
    if (Status s = require_admin(*call.caller); !s) co_return error_response(s);
    ManualClock* clock = services.manual_clock();
    if (clock == nullptr) co_return error_response({errc::not_found, "debug.manual_clock is off"});
    auto advance = call.query_number("advance_ms");
    if (!advance) co_return error_response(advance.status());
    const std::int64_t now = clock->advance(static_cast<std::int64_t>(advance->value_or(0)));
    services.timers().advanced();
    co_return json_text_response(200, R"({"nowMs":")" + std::to_string(now) + "\"}");
}

}  // namespace

void register_core_routes(HttpRouter& router, NodeInternals& node) {
    NodeInternals* s = &node;
    router.add("GET", "/healthz", HttpAuth::none, [s](HttpCall&) -> asio::awaitable<HttpResponse> {
        co_return json_text_response(200, R"({"status":"ok","node":")" + s->node_id() + "\"}");
    });
    router.add("GET", "/readyz", HttpAuth::none, [s](HttpCall&) { return readyz(*s); });
    router.add("GET", "/metrics", HttpAuth::none, [](HttpCall&) -> asio::awaitable<HttpResponse> {
        co_return HttpResponse{200, "text/plain; version=0.0.4", metrics::registry().render(), {}};
    });
    router.add("GET", "/api/v1/groups", HttpAuth::bearer,
               [s](HttpCall&) -> asio::awaitable<HttpResponse> {
                   v1::GroupList out;
                   for (const auto& g : s->tree()->all()) {
                       auto* group = out.add_groups();
                       group->set_id(g.id);
                       group->set_name(g.name);
                       group->set_parent(g.parent);
                   }
                   co_return json_response(200, out);
               });
    router.add("GET", "/api/v1/me", HttpAuth::bearer,
               [s](HttpCall& c) -> asio::awaitable<HttpResponse> {
                   const SharedTree tree = s->tree();
                   v1::Profile out;
                   out.set_user_id(c.caller->user());
                   out.set_name(c.caller->name());
                   for (const auto& role : c.caller->claims.roles) out.add_roles(role);
                   for (const auto& g : tree->all()) {
                       const Role role = effective_role(*tree, *c.caller, g.id);
                       if (role == Role::none) continue;
                       auto* group = out.add_groups();
                       group->set_id(g.id);
                       group->set_name(g.name);
                       group->set_parent(g.parent);
                       group->set_role(std::string(store::role_name(role)));
                   }
                   co_return json_response(200, out);
               });
    router.add("PUT", "/api/v1/groups/{}", HttpAuth::bearer,
               [s](HttpCall& c) { return put_group(*s, c); });
    router.add("GET", "/api/v1/groups/{}/members", HttpAuth::bearer,
               [s](HttpCall& c) { return list_members(*s, c); });
    router.add("PUT", "/api/v1/groups/{}/members/{}", HttpAuth::bearer,
               [s](HttpCall& c) { return put_member(*s, c); });
    router.add("DELETE", "/api/v1/groups/{}/members/{}", HttpAuth::bearer,
               [s](HttpCall& c) { return delete_member(*s, c); });
    router.add("POST", "/api/v1/debug/clock", HttpAuth::bearer,
               [s](HttpCall& c) { return advance_clock(*s, c); });
}

}  // namespace muster::node
