// The NonBlockingThread mark: one thread-local pointer, read by every blocking wait.

#include "core/async.hpp"

#include <cstdio>
#include <cstdlib>

namespace muster {

namespace {
thread_local const char* non_blocking_name = nullptr;
}  // namespace

NonBlockingThread::NonBlockingThread(const char* name) : previous_(non_blocking_name) {
    non_blocking_name = name;
}

NonBlockingThread::~NonBlockingThread() {
    non_blocking_name = previous_;
}

const char* non_blocking_thread_name() {
    return non_blocking_name;
}

void assert_may_block(const char* what) {
    if (non_blocking_name == nullptr) return;
    // Not the logger: it may be what is stuck. One write, then abort for the core dump.
    std::fprintf(stderr, "FATAL: %s on the %s thread, which must never block\n", what,
                 non_blocking_name);
    std::fflush(stderr);
    std::abort();
}

}  // namespace muster
