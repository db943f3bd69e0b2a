#pragma once
// muster_errors_total{code="..."}: every error reply, by code.

#include "core/status.hpp"

namespace muster::node {

void count_error(errc code);

}  // namespace muster::node
