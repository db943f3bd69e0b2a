// name_this_thread(): the operating system shows the name; a long one is cut, not refused.

#include "core/thread_name.hpp"

#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace muster {
namespace {

std::string named_in_a_thread(const std::string& name) {
    std::string seen;
    std::thread thread([&] {
        name_this_thread(name);
        seen = this_thread_name();
    });
    thread.join();
    return seen;
}

TEST(ThreadName, the_operating_system_shows_the_name) {
    EXPECT_EQ(named_in_a_thread("push worker"), "push worker");
}

TEST(ThreadName, a_name_over_fifteen_bytes_is_cut_there) {
    EXPECT_EQ(named_in_a_thread("sqlite checkpointer"), "sqlite checkpoi");
}

}  // namespace
}  // namespace muster
