// Every HTTP route × every kind of caller (authz_world.hpp): the status each one gets.
//
// A cell sends the row's request, built on fresh targets, with the column's token as
// `Authorization: Bearer` (none for "no token"). All cells run and every mismatch is reported.
// The routes are the server's own: the completeness test reads every `.add("METHOD", "/path"`
// in server/ and wants a row for each.

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "authz_world.hpp"

namespace muster::test::authz {
namespace {

struct Row {
    std::string_view name;  // "METHOD /route/as/registered/{}", then what the cell does
    std::array<int, columns> expect;
};

// Targets: group `branch`; duty calls of the coordinator in `branch`; meetings hosted by the
// coordinator in `branch`; the column's own device; the member added or removed is a new user.
// clang-format off
const Row http_table[] = {
//   route                                                       no token expired wrong sig  other grp member parent coord  coordinator admin
    {"GET /healthz",                                            {200,     200,    200,       200,      200,   200,          200,        200}},
    {"GET /readyz",                                             {200,     200,    200,       200,      200,   200,          200,        200}},
    {"GET /metrics",                                            {200,     200,    200,       200,      200,   200,          200,        200}},
    {"GET /api/v1/groups",                                      {401,     401,    401,       200,      200,   200,          200,        200}},
    {"GET /api/v1/me",                                          {401,     401,    401,       200,      200,   200,          200,        200}},
    {"PUT /api/v1/groups/{} (a new subgroup of branch)",        {401,     401,    401,       403,      403,   403,          403,        200}},
    {"GET /api/v1/groups/{}/members",                           {401,     401,    401,       403,      200,   200,          200,        200}},
    {"PUT /api/v1/groups/{}/members/{} (a new member)",         {401,     401,    401,       403,      403,   200,          200,        200}},
    {"PUT /api/v1/groups/{}/members/{} (oneself as coordinator)",{401,    401,    401,       403,      403,   200,          200,        200}},
    {"DELETE /api/v1/groups/{}/members/{}",                     {401,     401,    401,       403,      403,   204,          204,        204}},
    {"POST /api/v1/groups/{}/messages",                         {401,     401,    401,       403,      201,   201,          201,        201}},
    {"GET /api/v1/groups/{}/events",                            {401,     401,    401,       403,      200,   200,          200,        200}},
    {"POST /api/v1/debug/clock",                                {401,     401,    401,       403,      403,   403,          403,        200}},
    {"POST /api/v1/duty-calls",                                 {401,     401,    401,       403,      403,   201,          201,        201}},
    {"GET /api/v1/duty-calls (group=branch)",                   {401,     401,    401,       403,      200,   200,          200,        200}},
    {"GET /api/v1/duty-calls/{}",                               {401,     401,    401,       403,      200,   200,          200,        200}},
    {"POST /api/v1/duty-calls/{}/responses",                    {401,     401,    401,       403,      200,   200,          200,        200}},
    {"POST /api/v1/duty-calls/{}/close",                        {401,     401,    401,       403,      403,   200,          200,        200}},
    {"GET /api/v1/meetings/{}",                                 {401,     401,    401,       403,      200,   200,          200,        200}},
    {"GET /api/v1/meetings/{}/attendance",                      {401,     401,    401,       403,      403,   200,          200,        200}},
    {"GET /api/v1/meetings/{}/ice-servers (joined over WebSocket first)",{401,401, 401,       403,      200,   200,          200,        200}},
    {"PUT /api/v1/devices/{}",                                  {401,     401,    401,       201,      201,   201,          201,        201}},
    {"DELETE /api/v1/devices/{} (one's own)",                   {401,     401,    401,       204,      204,   204,          204,        204}},
    {"DELETE /api/v1/devices/{} (another user's)",              {401,     401,    401,       404,      404,   404,          404,        404}},
    {"GET /api/v1/devices",                                     {401,     401,    401,       200,      200,   200,          200,        200}},
    // No VAPID key is configured here: the route needs no token and says 404 to everyone.
    {"GET /api/v1/push/vapid-public-key",                       {404,     404,    404,       404,      404,   404,          404,        404}},
    {"GET /api/v1/push/outbox",                                 {401,     401,    401,       403,      403,   403,          403,        200}},
    {"POST /api/v1/invitations (to branch)",                    {401,     401,    401,       403,      403,   201,          201,        201}},
    {"GET /api/v1/invitations (group=branch)",                  {401,     401,    401,       403,      403,   200,          200,        200}},
    {"DELETE /api/v1/invitations/{}",                           {401,     401,    401,       403,      403,   204,          204,        204}},
    {"GET /api/v1/invitations/{}/qr.svg",                       {401,     401,    401,       403,      403,   200,          200,        200}},
    {"POST /api/v1/auth/redeem (a fresh code; a token joins its user)",{201,401,  401,       201,      201,   201,          201,        201}},
    {"POST /api/v1/auth/refresh (a fresh session's token)",     {200,     200,    200,       200,      200,   200,          200,        200}},
    {"GET /api/v1/auth/sessions (of a volunteer of branch)",    {401,     401,    401,       403,      403,   200,          200,        200}},
    {"DELETE /api/v1/auth/sessions/{} (a volunteer's of branch)",{401,    401,    401,       404,      404,   204,          204,        204}},
};
// clang-format on

// "PUT /api/v1/groups/{} (a new subgroup)" -> "PUT /api/v1/groups/{}".
std::string route_of(std::string_view row) {
    const auto space = row.find(' ');
    const auto end = row.find(' ', space + 1);
    return std::string(row.substr(0, end));
}

struct Request {
    std::string target;
    std::string body;
};

constexpr std::string_view webhook =
    R"({"kind":"webhook","endpoint":"http://127.0.0.1:9/authz","secret":"authz-webhook-secret"})";

class HttpMatrixTest : public AuthzTest {
  protected:
    // Connections that joined a meeting for a cell (kept open: their users stay joined).
    std::vector<std::unique_ptr<TestClient>> joined_;
    // A string member of a JSON body (the first with that name), or "".
    static std::string field(const std::string& body, const std::string& name) {
        const std::string key = "\"" + name + "\":\"";
        const auto at = body.find(key);
        if (at == std::string::npos) return {};
        const auto start = at + key.size();
        return body.substr(start, body.find('"', start) - start);
    }
    // A new invitation to branch by its coordinator (the answer's body).
    std::string invitation() {
        const auto made =
            http_call(server(), "POST", "/api/v1/invitations", R"({"group":"branch","maxUses":3})",
                      server().token("secretary"));
        EXPECT_EQ(made.status, 201) << made.body;
        return made.body;
    }
    // A new volunteer of branch signed in with an invitation (the redeem's body).
    std::string volunteer() {
        const auto redeemed =
            http_call(server(), "POST", "/api/v1/auth/redeem",
                      R"({"code":")" + field(invitation(), "code") + R"(","name":"志愿者"})");
        EXPECT_EQ(redeemed.status, 201) << redeemed.body;
        return redeemed.body;
    }

    // The row's request on fresh targets, for the column's user.
    Request build(std::string_view row, Who who) {
        const std::string route = route_of(row);
        const std::string user = user_of(who);
        auto has = [&](std::string_view words) { return row.find(words) != std::string::npos; };
        if (route == "GET /healthz") return {"/healthz", {}};
        if (route == "GET /readyz") return {"/readyz", {}};
        if (route == "GET /metrics") return {"/metrics", {}};
        if (route == "GET /api/v1/groups") return {"/api/v1/groups", {}};
        if (route == "GET /api/v1/me") return {"/api/v1/me", {}};
        if (route == "PUT /api/v1/groups/{}")
            return {"/api/v1/groups/" + fresh("sub"), R"({"name":"小组","parent":"branch"})"};
        if (route == "GET /api/v1/groups/{}/members") return {"/api/v1/groups/branch/members", {}};
        if (route == "PUT /api/v1/groups/{}/members/{}") {
            if (has("oneself"))
                return {"/api/v1/groups/branch/members/" + user, R"({"role":"coordinator"})"};
            return {"/api/v1/groups/branch/members/" + fresh("newcomer"), R"({"role":"member"})"};
        }
        if (route == "DELETE /api/v1/groups/{}/members/{}") {
            const std::string leaving = fresh("leaving");
            add_member(server(), "branch", leaving);
            return {"/api/v1/groups/branch/members/" + leaving, {}};
        }
        if (route == "POST /api/v1/groups/{}/messages")
            return {"/api/v1/groups/branch/messages", R"({"text":"通知"})"};
        if (route == "GET /api/v1/groups/{}/events")
            return {"/api/v1/groups/branch/events?limit=5", {}};
        if (route == "POST /api/v1/debug/clock") return {"/api/v1/debug/clock?advance_ms=0", {}};
        if (route == "POST /api/v1/duty-calls") {
            return {"/api/v1/duty-calls",
                    R"({"group":"branch","title":"敬老院探访","slots":2,"deadlineMs":")" +
                        std::to_string(now_ms() + 3'600'000) + "\"}"};
        }
        if (route == "GET /api/v1/duty-calls") {
            (void)open_call();
            return {"/api/v1/duty-calls?group=branch", {}};
        }
        if (route == "GET /api/v1/duty-calls/{}") return {"/api/v1/duty-calls/" + open_call(), {}};
        if (route == "POST /api/v1/duty-calls/{}/responses")
            return {"/api/v1/duty-calls/" + open_call() + "/responses", R"({"answer":"ACCEPT"})"};
        if (route == "POST /api/v1/duty-calls/{}/close")
            return {"/api/v1/duty-calls/" + open_call() + "/close", "{}"};
        if (route == "GET /api/v1/meetings/{}") return {"/api/v1/meetings/" + live_meeting(), {}};
        if (route == "GET /api/v1/meetings/{}/attendance")
            return {"/api/v1/meetings/" + live_meeting() + "/attendance", {}};
        if (route == "GET /api/v1/meetings/{}/ice-servers") {
            const std::string meeting = live_meeting();
            if (authenticated(who)) {
                ClientOptions options;
                if (who == Who::admin) options.roles = {"admin"};
                joined_.push_back(std::make_unique<TestClient>(
                    TestClient::connect(server(), user, std::move(options))));
                v1::ClientFrame join;
                join.mutable_meeting_join()->set_meeting_id(meeting);
                (void)joined_.back()->session().call(std::move(join));
            }
            return {"/api/v1/meetings/" + meeting + "/ice-servers", {}};
        }
        if (route == "PUT /api/v1/devices/{}")
            return {"/api/v1/devices/" + fresh("phone"), std::string(webhook)};
        if (route == "DELETE /api/v1/devices/{}") {
            const std::string device = fresh("phone");
            // One's own: registered by the column's user first (a refused token registers
            // nothing: the refusal must come before the lookup). Another's: by `helper`.
            const std::string owner = has("another") ? std::string("helper") : user;
            const std::string token =
                owner == "admin" ? server().admin_token() : server().token(owner);
            const auto put = http_call(server(), "PUT", "/api/v1/devices/" + device,
                                       std::string(webhook), token);
            EXPECT_EQ(put.status, 201) << put.body;
            return {"/api/v1/devices/" + device, {}};
        }
        if (route == "GET /api/v1/devices") return {"/api/v1/devices", {}};
        if (route == "GET /api/v1/push/vapid-public-key")
            return {"/api/v1/push/vapid-public-key", {}};
        if (route == "GET /api/v1/push/outbox") return {"/api/v1/push/outbox?user=member", {}};
        if (route == "POST /api/v1/invitations")
            return {"/api/v1/invitations", R"({"group":"branch","maxUses":3})"};
        if (route == "GET /api/v1/invitations") return {"/api/v1/invitations?group=branch", {}};
        if (route == "DELETE /api/v1/invitations/{}")
            return {"/api/v1/invitations/" + field(invitation(), "id"), {}};
        if (route == "GET /api/v1/invitations/{}/qr.svg")
            return {"/api/v1/invitations/" + field(invitation(), "id") + "/qr.svg", {}};
        if (route == "POST /api/v1/auth/redeem") {
            return {"/api/v1/auth/redeem",
                    R"({"code":")" + field(invitation(), "code") + R"(","name":"李明"})"};
        }
        if (route == "POST /api/v1/auth/refresh") {
            return {"/api/v1/auth/refresh",
                    R"({"refreshToken":")" + field(volunteer(), "refreshToken") + "\"}"};
        }
        if (route == "GET /api/v1/auth/sessions")
            return {"/api/v1/auth/sessions?user=" + field(volunteer(), "userId"), {}};
        if (route == "DELETE /api/v1/auth/sessions/{}")
            return {"/api/v1/auth/sessions/" + field(volunteer(), "sessionId"), {}};
        ADD_FAILURE() << "no set-up for row '" << row << "': add it to build()";
        return {"/", {}};
    }
};

TEST_P(HttpMatrixTest, EveryRouteAsEveryCaller) {
    int mismatches = 0;
    for (const auto& row : http_table) {
        const std::string route = route_of(row.name);
        const std::string method = route.substr(0, route.find(' '));
        for (std::size_t column = 0; column < columns; ++column) {
            const Who who = everyone[column];
            const Request request = build(row.name, who);
            const auto response =
                http_call(server(), method, request.target, request.body, token_of(who));
            if (response.status != row.expect[column]) ++mismatches;
            EXPECT_EQ(response.status, row.expect[column])
                << row.name << " as " << who_name(who) << ": " << response.body;
        }
    }
    EXPECT_EQ(mismatches, 0);
}

// Every route the server registers ("METHOD /path" in any .add(...) under server/) has a row.
TEST(HttpMatrix, EveryRouteHasARow) {
    std::set<std::string> rows;
    for (const auto& row : http_table) rows.insert(route_of(row.name));
    const std::regex registration(R"re(\.add\(\s*"([A-Z]+)",\s*"(/[^"]*)")re");
    std::set<std::string> registered;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(MUSTER_SOURCE_DIR "/server")) {
        if (entry.path().extension() != ".cpp") continue;
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        const std::string source = text.str();
        for (std::sregex_iterator it(source.begin(), source.end(), registration), end; it != end;
             ++it) {
            registered.insert((*it)[1].str() + " " + (*it)[2].str());
        }
    }
    ASSERT_GT(registered.size(), 10U) << "the route registrations were not found in server/";
    for (const auto& route : registered) {
        EXPECT_TRUE(rows.contains(route))
            << route
            << " has no row in http_table (tests/integration/authz/http_matrix_test.cpp): add "
               "one, with its set-up in build()";
    }
    for (const auto& route : rows) {
        EXPECT_TRUE(registered.contains(route)) << "a row for a route the server lacks: " << route;
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, HttpMatrixTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test::authz
