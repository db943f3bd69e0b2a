#pragma once
// The HTTP API from a test: any call as any token, admin calls, and the two set-up steps
// nearly every test needs (a group, its members). Helpers end the test (fail.hpp) when no
// response arrives or, for the set-up steps, when the status is not 2xx.

#include <source_location>
#include <string>

#include "muster/http.hpp"
#include "support/server_process.hpp"

namespace muster::test {

// Any status is returned; only "no response at all" ends the test.
client::HttpResponse http_call(const ServerProcess& server, const std::string& method,
                               const std::string& target, const std::string& body = {},
                               const std::string& token = {},
                               std::source_location where = std::source_location::current());

// As user "admin" with role admin.
client::HttpResponse admin_http(const ServerProcess& server, const std::string& method,
                                const std::string& target, const std::string& body = {},
                                std::source_location where = std::source_location::current());

// PUT /api/v1/groups/{id} {"name", "parent"}: must succeed.
void create_group(const ServerProcess& server, const std::string& id, const std::string& name = {},
                  const std::string& parent = {},
                  std::source_location where = std::source_location::current());

// PUT /api/v1/groups/{group}/members/{user} {"role", "name"}: must succeed.
void add_member(const ServerProcess& server, const std::string& group, const std::string& user,
                const std::string& role = "member", const std::string& name = {},
                std::source_location where = std::source_location::current());

}  // namespace muster::test
