// The README's promise: `muster-cli listen` in one terminal sees `muster-cli send` from another.

#include <csignal>

#include "session_fixture.hpp"

namespace muster::test {
namespace {

class CliTest : public SessionTest {};

TEST_P(CliTest, listen_sees_what_send_sends) {
    start();
    group_with("chonghua", {"liming", "wangxg"});

    ChildProcess listener;
    std::string error;
    SpawnSpec listen;
    listen.program = bin_path("muster-cli").string();
    listen.args = {"listen",  "--server", server().endpoint(), "--user", "liming",
                   "--group", "chonghua", "--since",           "0"};
    listen.env = {{"MUSTER_JWT_SECRET", server().jwt_secret()}};
    ASSERT_TRUE(listener.spawn(listen, error)) << error;

    ChildProcess sender;
    SpawnSpec send;
    send.program = bin_path("muster-cli").string();
    send.args = {"send",   "--server", server().endpoint(), "--user",
                 "wangxg", "--group",  "chonghua",          "今天下午门岗需要两位志愿者"};
    send.env = {{"MUSTER_JWT_SECRET", server().jwt_secret()}};
    ASSERT_TRUE(sender.spawn(send, error)) << error;
    // Its output line first (wait() may reap it before the last line is read), then its exit.
    const auto seq_line = sender.wait_for_line(
        [](std::string_view l) { return l.rfind("seq ", 0) == 0; }, default_wait);
    ASSERT_TRUE(seq_line) << sender.output();
    EXPECT_EQ(*seq_line, "seq 1");
    const auto sent = sender.wait(default_wait);
    ASSERT_TRUE(sent && sent->clean()) << sender.output();

    const auto line = listener.wait_for_line(
        [](std::string_view l) {
            return l.find("今天下午门岗需要两位志愿者") != std::string_view::npos;
        },
        default_wait);
    ASSERT_TRUE(line) << listener.output();
    EXPECT_NE(line->find("wangxg"), std::string::npos);
    listener.signal(SIGINT);
    const auto stopped = listener.wait(default_wait);
    ASSERT_TRUE(stopped);
    EXPECT_TRUE(stopped->clean()) << stopped->describe();
}

INSTANTIATE_TEST_SUITE_P(Backends, CliTest, testing::ValuesIn(all_backends()), backend_name);

}  // namespace
}  // namespace muster::test
