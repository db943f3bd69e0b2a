// Mention pushes (features/chat/mention_push.hpp): what the push of a message that calls a
// user by name carries, and the excerpt of its text, cut on a character boundary.

#include "features/chat/mention_push.hpp"

#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace muster::features::chat {
namespace {

namespace json = boost::json;

TEST(MentionPush, carries_group_seq_and_writer_for_the_app_and_the_texts) {
    muster::v1::Event event;
    event.set_group("chonghua");
    event.set_seq(12);
    event.set_sender("liming");
    event.set_sender_name("李明");
    event.mutable_chat()->set_text("@何平 明早八点北门集合");
    event.mutable_chat()->add_mentions("heping");
    const auto intent = mention_push(event, "重华");
    EXPECT_EQ(intent.title, "重华 · 李明 mentioned you");
    EXPECT_EQ(intent.body, "@何平 明早八点北门集合");
    const auto data = json::parse(intent.data_json).as_object();
    EXPECT_EQ(data.at("type").as_string(), "mention");
    EXPECT_EQ(data.at("group").as_string(), "chonghua");
    EXPECT_EQ(data.at("seq").as_string(), "12");
    EXPECT_EQ(data.at("senderName").as_string(), "李明");
    // No display name: the user id, as the log shows it.
    event.set_sender_name("");
    EXPECT_EQ(mention_push(event, "").title, "chonghua · liming mentioned you");
}

TEST(MentionPush, a_long_text_is_cut_on_a_character_boundary) {
    EXPECT_EQ(excerpt("short", 240), "short");
    const std::string han = "集合集合";  // 3 bytes a character
    EXPECT_EQ(excerpt(han, 12), han);
    EXPECT_EQ(excerpt(han, 11), "集合集…");
    EXPECT_EQ(excerpt(han, 7), "集合…");
    EXPECT_EQ(excerpt(han, 6), "集合…");
    EXPECT_EQ(excerpt(han, 2), "…");
    EXPECT_EQ(excerpt(std::string(300, 'a'), message_excerpt_bytes),
              std::string(message_excerpt_bytes, 'a') + "…");
}

}  // namespace
}  // namespace muster::features::chat
