#include "node/demo_data.hpp"

#include <fstream>
#include <sstream>

#include <boost/json.hpp>

#include "core/async.hpp"
#include "core/log.hpp"

namespace muster::node {

namespace json = boost::json;

namespace {

std::string string_field(const json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

Status wait(const std::function<void(Done<Unit>)>& start) {
    return blocking_call<Unit>(start).status();
}

}  // namespace

Status load_demo_data(const std::string& path, store::Directory& directory) {
    std::ifstream file(path);
    if (!file) return {errc::not_found, "cannot read " + path};
    std::ostringstream text;
    text << file.rdbuf();
    boost::system::error_code ec;
    const json::value document = json::parse(text.str(), ec);
    if (ec || !document.is_object())
        return {errc::invalid_argument, path + " is not a JSON object"};
    const auto& root = document.as_object();

    std::size_t groups = 0;
    std::size_t members = 0;
    if (const auto* list = root.if_contains("groups"); list != nullptr && list->is_array()) {
        for (const auto& item : list->as_array()) {
            if (!item.is_object()) return {errc::invalid_argument, "groups[] must hold objects"};
            store::GroupInfo group{string_field(item.as_object(), "id"),
                                   string_field(item.as_object(), "name"),
                                   string_field(item.as_object(), "parent")};
            if (Status s =
                    wait([&](Done<Unit> done) { directory.put_group(group, std::move(done)); });
                !s) {
                return {s.code(), "group " + group.id + ": " + s.message()};
            }
            ++groups;
        }
    }
    if (const auto* list = root.if_contains("members"); list != nullptr && list->is_array()) {
        for (const auto& item : list->as_array()) {
            if (!item.is_object()) return {errc::invalid_argument, "members[] must hold objects"};
            const auto& object = item.as_object();
            store::Role role = store::Role::member;
            const std::string role_text = string_field(object, "role");
            if (!role_text.empty() && !store::parse_role(role_text, role)) {
                return {errc::invalid_argument, "unknown role " + role_text};
            }
            const std::string group = string_field(object, "group");
            const std::string user = string_field(object, "user");
            const std::string name = string_field(object, "name");
            if (Status s = wait([&](Done<Unit> done) {
                    directory.put_member(group, user, role, name, std::move(done));
                });
                !s) {
                std::string message = "member ";
                message.append(user).append(" of ").append(group).append(": ").append(s.message());
                return {s.code(), std::move(message)};
            }
            ++members;
        }
    }
    MUSTER_LOG_INFO("node") << "demo organisation loaded from " << path << ": " << groups
                            << " groups, " << members << " memberships";
    return {};
}

}  // namespace muster::node
