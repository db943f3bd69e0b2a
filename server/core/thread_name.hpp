#pragma once
// Names the calling thread for the operating system, so that top -H, perf and gdb show which
// of musterd's threads is busy ("push worker", "sqlite writer") instead of "musterd" for all.
//
// Linux keeps at most 15 bytes of a thread's name: a longer one is cut there (never refused).
// Best effort: a failure changes nothing else. Any thread; it names only itself.

#include <string>

namespace muster {

void name_this_thread(const std::string& name);

// The calling thread's name as the operating system has it; empty if it cannot be read.
[[nodiscard]] std::string this_thread_name();

}  // namespace muster
