#include "core/gather.hpp"

#include <cstddef>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace muster {
namespace {

TEST(GatherEach, answers_keep_the_order_asked_whatever_order_they_come_in) {
    std::vector<Done<std::string>> pending(3);
    std::vector<std::vector<Result<std::string>>> completions;
    gather_each<std::string>(
        std::vector<std::size_t>{0, 1, 2},
        [&](std::size_t i, Done<std::string> answer) { pending[i] = std::move(answer); },
        [&](std::vector<Result<std::string>> answers) {
            completions.push_back(std::move(answers));
        });
    pending[2](std::string("two"));
    pending[0](Status(errc::unavailable, "zero failed"));
    EXPECT_TRUE(completions.empty()) << "done before the last answer";
    pending[1](std::string("one"));
    ASSERT_EQ(completions.size(), 1U);
    const auto& answers = completions[0];
    ASSERT_EQ(answers.size(), 3U);
    EXPECT_EQ(answers[0].status().code(), errc::unavailable);
    EXPECT_EQ(*answers[1], "one");
    EXPECT_EQ(*answers[2], "two");
}

TEST(GatherEach, nothing_to_ask_completes_at_once_with_no_answers) {
    int asked = 0;
    int completed = 0;
    gather_each<int>(
        std::vector<std::string>{}, [&](const std::string&, const Done<int>&) { ++asked; },
        [&](const std::vector<Result<int>>& answers) {
            EXPECT_TRUE(answers.empty());
            ++completed;
        });
    EXPECT_EQ(asked, 0);
    EXPECT_EQ(completed, 1);
}

}  // namespace
}  // namespace muster
