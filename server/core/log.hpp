#pragma once
// Line-oriented logging to stderr: one write(2) per line, so lines from different threads never
// interleave. Usage: MUSTER_LOG_INFO("store") << "opened " << path;

#include <cstdint>
#include <sstream>
#include <string_view>

namespace muster::log {

enum class Level : std::uint8_t { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

// "debug", "info", "warn", "error", "off"; false if the name is none of these.
bool parse_level(std::string_view name, Level& out);
void set_level(Level level);
bool enabled(Level level);

// Collects one line and writes it when destroyed.
class Line {
  public:
    Line(Level level, std::string_view component);
    ~Line();
    Line(const Line&) = delete;
    Line& operator=(const Line&) = delete;
    std::ostream& stream() { return out_; }

  private:
    std::ostringstream out_;
};

}  // namespace muster::log

#define MUSTER_LOG(level, component)      \
    if (!::muster::log::enabled(level)) { \
    } else                                \
        ::muster::log::Line((level), (component)).stream()

#define MUSTER_LOG_DEBUG(component) MUSTER_LOG(::muster::log::Level::debug, component)
#define MUSTER_LOG_INFO(component) MUSTER_LOG(::muster::log::Level::info, component)
#define MUSTER_LOG_WARN(component) MUSTER_LOG(::muster::log::Level::warn, component)
#define MUSTER_LOG_ERROR(component) MUSTER_LOG(::muster::log::Level::error, component)
