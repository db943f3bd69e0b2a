#include "core/thread_name.hpp"

#include <pthread.h>

namespace muster {

namespace {
// The kernel's TASK_COMM_LEN is 16, the terminating NUL included.
constexpr std::size_t max_name_bytes = 15;
}  // namespace

void name_this_thread(const std::string& name) {
    const std::string cut = name.substr(0, max_name_bytes);
    (void)pthread_setname_np(pthread_self(), cut.c_str());
}

std::string this_thread_name() {
    char buffer[max_name_bytes + 1] = {};
    if (pthread_getname_np(pthread_self(), buffer, sizeof buffer) != 0) return {};
    return buffer;
}

}  // namespace muster
