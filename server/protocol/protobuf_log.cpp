#include "protocol/protobuf_log.hpp"

#include <chrono>
#include <mutex>
#include <string>

#include <google/protobuf/stubs/logging.h>

#include "core/log.hpp"

namespace muster::protocol {

namespace {

namespace pb = google::protobuf;

// Shared by every thread that parses: a mutex is fine on this cold path (a bad frame).
struct Limiter {
    std::mutex mutex;
    std::int64_t window_ms = 60'000;
    std::int64_t last_written_ms = -1;
    std::uint64_t suppressed = 0;
};

Limiter& limiter() {
    static Limiter instance;
    return instance;
}

std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

void handle(pb::LogLevel level, const char* filename, int line, const std::string& message) {
    if (level == pb::LOGLEVEL_INFO) return;  // nothing we want in production logs
    if (level == pb::LOGLEVEL_FATAL) {
        MUSTER_LOG_ERROR("protobuf") << filename << ':' << line << ": " << message;
        return;  // libprotobuf aborts or throws after this
    }
    Limiter& l = limiter();
    std::uint64_t suppressed = 0;
    {
        const std::lock_guard lock(l.mutex);
        const std::int64_t now = now_ms();
        if (l.last_written_ms >= 0 && now - l.last_written_ms < l.window_ms) {
            ++l.suppressed;
            return;
        }
        l.last_written_ms = now;
        suppressed = l.suppressed;
        l.suppressed = 0;
    }
    MUSTER_LOG_WARN("protobuf") << message << " (libprotobuf; " << suppressed
                                << " such lines suppressed before this one)";
}

}  // namespace

void route_protobuf_log(std::int64_t window_ms) {
    {
        const std::lock_guard lock(limiter().mutex);
        limiter().window_ms = window_ms;
    }
    pb::SetLogHandler(&handle);
}

}  // namespace muster::protocol
