#pragma once
// Loads an organisation (groups and members) from a JSON file into the directory, idempotently:
// `make run` starts a node with the demo organisation of deploy/demo/organisation.json.
//
// {"groups": [{"id", "name", "parent"}], "members": [{"group", "user", "role", "name"}]}
// Groups are listed parents first.

#include <string>

#include "core/status.hpp"
#include "store/directory.hpp"

namespace muster::node {

// Blocks until the directory has everything (start-up only).
Status load_demo_data(const std::string& path, store::Directory& directory);

}  // namespace muster::node
