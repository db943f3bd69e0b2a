#pragma once
// An immutable snapshot of the group tree, shared by every thread; replaced whole when a
// group changes (groups change rarely, are read on every subscribe and publish).

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/directory.hpp"

namespace muster::node {

class GroupTree {
  public:
    explicit GroupTree(std::vector<store::GroupInfo> groups);

    [[nodiscard]] bool contains(const std::string& group) const {
        return groups_.count(group) != 0;
    }
    [[nodiscard]] const store::GroupInfo* find(const std::string& group) const;
    // The group's ancestors, nearest first (not the group itself).
    [[nodiscard]] std::vector<std::string> ancestors(const std::string& group) const;
    // The group and every descendant, parents before children.
    [[nodiscard]] std::vector<std::string> subtree(const std::string& group) const;
    [[nodiscard]] std::vector<store::GroupInfo> all() const;

  private:
    std::unordered_map<std::string, store::GroupInfo> groups_;
    std::unordered_map<std::string, std::vector<std::string>> children_;
};

using SharedTree = std::shared_ptr<const GroupTree>;

}  // namespace muster::node
