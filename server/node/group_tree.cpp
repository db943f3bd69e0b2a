#include "node/group_tree.hpp"

#include <algorithm>

namespace muster::node {

GroupTree::GroupTree(std::vector<store::GroupInfo> groups) {
    for (auto& group : groups) {
        if (!group.parent.empty()) children_[group.parent].push_back(group.id);
        std::string id = group.id;
        groups_.emplace(std::move(id), std::move(group));
    }
    for (auto& [parent, children] : children_) std::sort(children.begin(), children.end());
}

const store::GroupInfo* GroupTree::find(const std::string& group) const {
    const auto it = groups_.find(group);
    return it == groups_.end() ? nullptr : &it->second;
}

std::vector<std::string> GroupTree::ancestors(const std::string& group) const {
    std::vector<std::string> out;
    const store::GroupInfo* current = find(group);
    // The store refuses cycles; the bound is a guard against a corrupt snapshot.
    while (current != nullptr && !current->parent.empty() && out.size() < groups_.size()) {
        out.push_back(current->parent);
        current = find(current->parent);
    }
    return out;
}

std::vector<std::string> GroupTree::subtree(const std::string& group) const {
    std::vector<std::string> out;
    if (!contains(group)) return out;
    out.push_back(group);
    for (std::size_t i = 0; i < out.size() && out.size() <= groups_.size(); ++i) {
        const auto it = children_.find(out[i]);
        if (it != children_.end()) out.insert(out.end(), it->second.begin(), it->second.end());
    }
    return out;
}

std::vector<store::GroupInfo> GroupTree::all() const {
    std::vector<store::GroupInfo> out;
    out.reserve(groups_.size());
    for (const auto& [id, group] : groups_) out.push_back(group);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return out;
}

}  // namespace muster::node
