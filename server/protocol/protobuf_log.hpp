#pragma once
// libprotobuf's own log lines go through our logger, rate-limited.
//
// Why: libprotobuf writes an ERROR line to stderr for every string field with invalid UTF-8 it
// parses, and a client (before `connect` too) can send such frames as fast as it likes. The
// frame is already answered BAD_FRAME and counted as a protocol violation; the log needs one
// line now and then, not one per frame. Lines of the same kind within `window_ms` after one is
// written are counted, and the count is reported with the next line written.
//
// Thread: install once at start (before the loops run); the handler is called from any thread.

#include <cstdint>

namespace muster::protocol {

// Routes libprotobuf's messages to the log (component "protobuf"): warnings and errors at
// warn, at most one line per `window_ms`; FATAL ones are left to libprotobuf (it aborts).
void route_protobuf_log(std::int64_t window_ms = 60'000);

}  // namespace muster::protocol
