#include "support/fail.hpp"

#include <gtest/gtest.h>

namespace muster::test {

void fail_test(const std::string& message, std::source_location where) {
    const int line = static_cast<int>(where.line());
    GTEST_MESSAGE_AT_(where.file_name(), line, message.c_str(),
                      ::testing::TestPartResult::kFatalFailure);
    throw ::testing::AssertionException(::testing::TestPartResult(
        ::testing::TestPartResult::kFatalFailure, where.file_name(), line, message.c_str()));
}

}  // namespace muster::test
