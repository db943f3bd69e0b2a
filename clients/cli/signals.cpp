#include "cli/signals.hpp"

#include <csignal>
#include <thread>

namespace muster::cli {

namespace {

volatile std::sig_atomic_t stop_flag = 0;

extern "C" void on_stop_signal(int) {
    stop_flag = 1;
}

}  // namespace

void install_stop_handlers() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

bool stop_requested() {
    return stop_flag != 0;
}

bool pause_unless_stopped(std::chrono::milliseconds duration) {
    // Slices short enough that Ctrl-C feels immediate; this is a backoff, not a wait for an
    // event, so there is nothing to wake us earlier.
    constexpr std::chrono::milliseconds slice{50};
    const auto until = std::chrono::steady_clock::now() + duration;
    while (!stop_requested()) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= until) return true;
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(slice, until - now));
    }
    return false;
}

}  // namespace muster::cli
