// co_call and blocking_call (core/async.hpp): both deliver the one answer of a Done<T>; a
// blocking wait on a thread marked NonBlockingThread aborts instead of deadlocking.

#include "core/async.hpp"

#include <chrono>
#include <string>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace muster {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

TEST(BlockingCall, returns_the_answer_given_on_another_thread) {
    std::thread worker;
    Result<int> r = blocking_call<int>(
        [&](Done<int> done) { worker = std::thread([done = std::move(done)] { done(42); }); });
    worker.join();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, 42);
}

TEST(BlockingCall, passes_an_error_through) {
    Result<int> r = blocking_call<int>(
        [](const Done<int>& done) { done(Status(errc::not_found, "no such thing")); });
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), errc::not_found);
    EXPECT_EQ(r.status().message(), "no such thing");
}

TEST(BlockingCall, with_a_limit_gives_up_and_drops_the_late_answer) {
    Done<int> kept;
    Result<int> r = blocking_call<int>([&](Done<int> done) { kept = std::move(done); }, 20ms);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), errc::unavailable);
    kept(7);  // after the wait returned: must not touch the finished frame
}

TEST(NonBlockingThread, marks_nest_and_unwind) {
    EXPECT_EQ(non_blocking_thread_name(), nullptr);
    {
        const NonBlockingThread outer("outer");
        EXPECT_STREQ(non_blocking_thread_name(), "outer");
        {
            const NonBlockingThread inner("inner");
            EXPECT_STREQ(non_blocking_thread_name(), "inner");
        }
        EXPECT_STREQ(non_blocking_thread_name(), "outer");
    }
    EXPECT_EQ(non_blocking_thread_name(), nullptr);
    assert_may_block("test");  // unmarked: returns
}

TEST(NonBlockingThreadDeathTest, a_blocking_call_on_a_marked_thread_aborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            const NonBlockingThread mark("network loop");
            // Answered at once, so that a missing check shows as a test failure (the wait
            // returns), not as a hang.
            (void)blocking_call<int>([](const Done<int>& done) { done(1); });
        },
        "blocking_call on the network loop thread, which must never block");
}

TEST(NonBlockingThreadDeathTest, the_limited_wait_aborts_too) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            const NonBlockingThread mark("SQLite writer");
            (void)blocking_call<int>([](const Done<int>& done) { done(1); }, 1s);
        },
        "on the SQLite writer thread");
}

TEST(CoCall, resumes_on_the_coroutine_executor_with_the_answer) {
    asio::io_context io;
    std::thread worker;
    std::thread::id resumed_on;
    Result<std::string> got = Status(errc::internal, "not run");
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            got = co_await co_call<std::string>([&](Done<std::string> done) {
                worker = std::thread([done = std::move(done)] { done(std::string("answer")); });
            });
            resumed_on = std::this_thread::get_id();
        },
        [](const std::exception_ptr& e) {
            if (e) std::rethrow_exception(e);
        });
    io.run();
    worker.join();
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, "answer");
    EXPECT_EQ(resumed_on, std::this_thread::get_id()) << "must resume on the io_context's thread";
}

}  // namespace
}  // namespace muster
