#pragma once
// The users connected to this node and their connections: enforces the per-user connection
// limit and finds a user's connections when their memberships change.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace muster::node {

class Client;

class Users {
  public:
    explicit Users(std::uint32_t max_connections_per_user)
        : max_per_user_(max_connections_per_user) {}

    // False when the user already has the maximum number of connections on this node.
    bool attach(const std::string& user, const std::shared_ptr<Client>& client);
    void detach(const std::string& user, const Client* client);

    [[nodiscard]] std::vector<std::shared_ptr<Client>> clients_of(const std::string& user) const;
    [[nodiscard]] std::size_t user_count() const;
    [[nodiscard]] std::vector<std::string> user_ids() const;

  private:
    std::uint32_t max_per_user_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::vector<std::weak_ptr<Client>>> clients_;
};

}  // namespace muster::node
