#pragma once
// Everything an integration test needs: real musterd and redis-server processes, WebSocket
// test clients, the HTTP API. See each header for its contract.

#include "support/child_process.hpp"   // IWYU pragma: export
#include "support/fail.hpp"            // IWYU pragma: export
#include "support/http_api.hpp"        // IWYU pragma: export
#include "support/redis_process.hpp"   // IWYU pragma: export
#include "support/server_process.hpp"  // IWYU pragma: export
#include "support/temp_dir.hpp"        // IWYU pragma: export
#include "support/test_client.hpp"     // IWYU pragma: export
