#pragma once
// Ending a test from inside a helper, at the caller's line.
//
// Helpers such as TestClient::next_event return values, so they cannot use ASSERT_*. Instead
// they record a fatal failure at the caller's source location and throw
// testing::AssertionException, which gtest catches silently (the failure is already recorded)
// and which ends the test body: the test stops at the first broken step, with one message
// pointing at the test's own line. Only call these on the test's thread, inside a test body,
// SetUp or TearDown (not from destructors), with gtest's default --gtest_catch_exceptions=1.

#include <source_location>
#include <string>

namespace muster::test {

[[noreturn]] void fail_test(const std::string& message,
                            std::source_location where = std::source_location::current());

}  // namespace muster::test
