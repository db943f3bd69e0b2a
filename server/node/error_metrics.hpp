#pragma once
// muster_errors_total{code="..."}: every error reply, by code.

#include "core/status.hpp"

namespace muster::node {

void count_error(errc code);
// Lists every code at 0 from the start, so that rates and differences work from the first error.
void register_error_metrics();

}  // namespace muster::node
