// Chat pushes (features/chat/chat_push.hpp): what the push of a message to a reader who asked
// for every message carries. Who gets one is pinned end to end (PushDeliveryTest), the index it
// starts from on both backends (the device stores' tests).

#include "features/chat/chat_push.hpp"

#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace muster::features::chat {
namespace {

namespace json = boost::json;

TEST(ChatPush, names_group_and_writer_and_carries_the_text_and_what_to_open) {
    muster::v1::Event event;
    event.set_group("chonghua");
    event.set_seq(7);
    event.set_sender("zhangfang");
    event.set_sender_name("张芳");
    event.mutable_chat()->set_text("明早八点北门集合");
    const auto intent = chat_push(event, "重华");
    EXPECT_EQ(intent.title, "重华 · 张芳");
    EXPECT_EQ(intent.body, "明早八点北门集合");
    const auto data = json::parse(intent.data_json).as_object();
    EXPECT_EQ(data.at("type").as_string(), "chat");
    EXPECT_EQ(data.at("group").as_string(), "chonghua");
    EXPECT_EQ(data.at("seq").as_string(), "7");
    EXPECT_EQ(data.at("groupName").as_string(), "重华");
    EXPECT_EQ(data.at("senderName").as_string(), "张芳");

    // No names known: the ids, as the log shows them; a long text cut on a character.
    event.set_sender_name("");
    std::string long_text;
    for (int i = 0; i < 100; ++i) long_text += "集合";
    event.mutable_chat()->set_text(long_text);
    const auto bare = chat_push(event, "");
    EXPECT_EQ(bare.title, "chonghua · zhangfang");
    EXPECT_EQ(bare.body, long_text.substr(0, 240) + "…");
}

}  // namespace
}  // namespace muster::features::chat
