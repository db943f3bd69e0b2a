#pragma once
// muster_client: a small synchronous client of the wire protocol (docs/PROTOCOL.md), used by
// muster-cli and the integration tests. Beast stays in the .cpp files.

#include "muster/codec.hpp"       // IWYU pragma: export
#include "muster/connection.hpp"  // IWYU pragma: export
#include "muster/endpoint.hpp"    // IWYU pragma: export
#include "muster/http.hpp"        // IWYU pragma: export
#include "muster/outcome.hpp"     // IWYU pragma: export
#include "muster/session.hpp"     // IWYU pragma: export
#include "muster/token.hpp"       // IWYU pragma: export
