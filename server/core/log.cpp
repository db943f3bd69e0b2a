#include "core/log.hpp"

#include <atomic>
#include <chrono>
#include <ctime>
#include <unistd.h>

namespace muster::log {
namespace {

std::atomic<Level> current_level{Level::info};

const char* level_name(Level level) {
    switch (level) {
        case Level::debug:
            return "debug";
        case Level::info:
            return "info ";
        case Level::warn:
            return "warn ";
        case Level::error:
            return "error";
        case Level::off:
            return "off  ";
    }
    return "?";
}

}  // namespace

bool parse_level(std::string_view name, Level& out) {
    if (name == "debug")
        out = Level::debug;
    else if (name == "info")
        out = Level::info;
    else if (name == "warn")
        out = Level::warn;
    else if (name == "error")
        out = Level::error;
    else if (name == "off")
        out = Level::off;
    else
        return false;
    return true;
}

void set_level(Level level) {
    current_level.store(level, std::memory_order_relaxed);
}

bool enabled(Level level) {
    return level >= current_level.load(std::memory_order_relaxed);
}

Line::Line(Level level, std::string_view component) {
    using namespace std::chrono;
    const auto now = system_clock::now();
    const std::time_t seconds = system_clock::to_time_t(now);
    const auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char stamp[32];
    const std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
    out_.write(stamp, static_cast<std::streamsize>(n));
    out_ << '.' << (millis < 100 ? (millis < 10 ? "00" : "0") : "") << millis << "Z "
         << level_name(level) << " [" << component << "] ";
}

Line::~Line() {
    out_ << '\n';
    const std::string text = out_.str();
    // One write per line; a short write to a pipe of < PIPE_BUF bytes cannot happen.
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, text.data(), text.size());
}

}  // namespace muster::log
