#pragma once
// SIGINT/SIGTERM for long-running commands (listen, meeting join): the handler only sets a
// flag, which the command's loop checks between receives.

#include <chrono>

namespace muster::cli {

void install_stop_handlers();
[[nodiscard]] bool stop_requested();

// Waits `duration` (a reconnect backoff) unless a stop is requested first; false if it was.
bool pause_unless_stopped(std::chrono::milliseconds duration);

}  // namespace muster::cli
