#include "support/http_api.hpp"

#include "muster/codec.hpp"
#include "muster/v1/api.pb.h"
#include "support/fail.hpp"

namespace muster::test {

namespace {

void expect_success(const client::HttpResponse& response, const std::string& what,
                    std::source_location where) {
    if (response.status < 200 || response.status >= 300) {
        fail_test(what + " failed: HTTP " + std::to_string(response.status) + " " + response.body,
                  where);
    }
}

}  // namespace

client::HttpResponse http_call(const ServerProcess& server, const std::string& method,
                               const std::string& target, const std::string& body,
                               const std::string& token, std::source_location where) {
    client::HttpRequest request;
    request.host = server.host();
    request.port = server.port();
    request.method = method;
    request.target = target;
    request.body = body;
    request.bearer_token = token;
    auto response = client::http_request(request);
    if (!response) {
        fail_test(
            "no HTTP response to " + method + " " + target + ": " + response.failure().describe(),
            where);
    }
    return std::move(response).value();
}

client::HttpResponse admin_http(const ServerProcess& server, const std::string& method,
                                const std::string& target, const std::string& body,
                                std::source_location where) {
    return http_call(server, method, target, body, server.admin_token(), where);
}

void create_group(const ServerProcess& server, const std::string& id, const std::string& name,
                  const std::string& parent, std::source_location where) {
    v1::GroupSpec spec;
    spec.set_name(name.empty() ? id : name);
    spec.set_parent(parent);
    expect_success(admin_http(server, "PUT", "/api/v1/groups/" + id, client::to_json(spec), where),
                   "creating group " + id, where);
}

void add_member(const ServerProcess& server, const std::string& group, const std::string& user,
                const std::string& role, const std::string& name, std::source_location where) {
    v1::MemberSpec spec;
    spec.set_role(role);
    spec.set_name(name);
    expect_success(admin_http(server, "PUT", "/api/v1/groups/" + group + "/members/" + user,
                              client::to_json(spec), where),
                   "adding " + user + " to " + group, where);
}

}  // namespace muster::test
