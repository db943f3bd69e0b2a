// ChatTags (features/chat/chat_tags.hpp): the chat feature's table of tag validators. A kind
// nobody registered has none (the tag is taken as it is); a registered validator is the one
// publish runs, with the message's group and the tag's value; a kind takes one validator.

#include "features/chat/chat_tags.hpp"

#include <optional>
#include <stdexcept>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace muster::features::chat {
namespace {

namespace asio = boost::asio;

// Runs the validator to completion on a private io_context.
Status run(const TagValidator& validator, std::string group, std::string value) {
    asio::io_context io;
    std::optional<Status> result;
    asio::co_spawn(io, validator(std::move(group), std::move(value)),
                   [&result](const std::exception_ptr& error, Status status) {
                       if (error) std::rethrow_exception(error);
                       result = std::move(status);
                   });
    io.run();
    EXPECT_TRUE(result.has_value());
    return result.value_or(Status{errc::internal, "the validator did not complete"});
}

TEST(ChatTags, a_kind_without_a_validator_has_none) {
    const ChatTags tags;
    EXPECT_EQ(tags.validator(TagKind::meeting), nullptr);
}

TEST(ChatTags, the_registered_validator_gets_the_group_and_the_value) {
    ChatTags tags;
    std::string seen;
    tags.add_validator(TagKind::meeting,
                       [&seen](std::string group, std::string value) -> asio::awaitable<Status> {
                           seen = group + "/" + value;
                           if (value == "mt_1") co_return ok_status();
                           co_return Status{errc::not_found, "no meeting " + value};
                       });
    const TagValidator* validator = tags.validator(TagKind::meeting);
    ASSERT_NE(validator, nullptr);

    EXPECT_TRUE(run(*validator, "branch", "mt_1").ok());
    EXPECT_EQ(seen, "branch/mt_1");
    const Status refused = run(*validator, "branch", "mt_2");
    EXPECT_EQ(refused.code(), errc::not_found);
    EXPECT_EQ(refused.message(), "no meeting mt_2");
    EXPECT_EQ(seen, "branch/mt_2");
}

TEST(ChatTags, a_kind_takes_one_validator_and_no_empty_one) {
    ChatTags tags;
    EXPECT_THROW(tags.add_validator(TagKind::meeting, TagValidator{}), std::logic_error);
    EXPECT_EQ(tags.validator(TagKind::meeting), nullptr);  // the refused one left no trace
    auto accept = [](std::string, std::string) -> asio::awaitable<Status> {
        co_return ok_status();
    };
    tags.add_validator(TagKind::meeting, accept);
    EXPECT_THROW(tags.add_validator(TagKind::meeting, accept), std::logic_error);
    ASSERT_NE(tags.validator(TagKind::meeting), nullptr);
}

}  // namespace
}  // namespace muster::features::chat
