#pragma once
// Setting up a Muster node for a run over its HTTP API: the groups the scenario uses must
// exist (a token's `groups` claim lets a user in, but not into a group that does not exist).

#include <cstdint>
#include <string>
#include <vector>

#include "loadgen/errors.hpp"

namespace muster::loadgen {

struct HttpTarget {
    std::string host;
    std::uint16_t port = 0;
    std::string token;  // Bearer (an admin token)
};

// PUT /api/v1/groups/{name} for every name, `concurrency` requests in flight over as many
// keep-alive connections (each PUT is a commit: in parallel they share one), then waits until
// the last one is visible, since the node reloads its group tree after answering. False (with
// reasons in `errors`) when any failed or `timeout_s` passed.
bool create_groups(const HttpTarget& target, const std::vector<std::string>& names,
                   std::uint32_t concurrency, double timeout_s, Errors& errors);

}  // namespace muster::loadgen
