// ShardSubscriber against a scripted Redis on loopback (an Asio acceptor in the test): setup,
// then answers matched to the commands in order, pushes routed by kind, and every way the
// connection ends reported once through `lost`. The test drives the io_context itself; the one
// deadline it relies on (a PING nobody answers) is the subscriber's own command timeout.

#include "bus/redis/shard_subscriber.hpp"

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "redis/reply_reader.hpp"

namespace muster::bus {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Accepts one connection and records each command the client sends (arrays of bulk strings).
class ScriptedRedis {
  public:
    explicit ScriptedRedis(asio::io_context& io)
        : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), peer_(io) {
        acceptor_.async_accept(peer_, [this](const boost::system::error_code& error) {
            if (!error) read();
        });
    }

    [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    void send(const std::string& bytes) { asio::write(peer_, asio::buffer(bytes)); }
    void close() {
        boost::system::error_code ignored;
        peer_.close(ignored);
    }

    std::vector<std::vector<std::string>> received;

  private:
    void read() {
        peer_.async_read_some(asio::buffer(buffer_),
                              [this](const boost::system::error_code& error, std::size_t size) {
                                  if (error) return;
                                  reader_.feed(buffer_.data(), size);
                                  for (;;) {
                                      auto next = reader_.next();
                                      auto* reply = std::get_if<redis::Reply>(&next);
                                      if (reply == nullptr) break;
                                      std::vector<std::string> args;
                                      for (auto& e : reply->elements) args.push_back(e.str);
                                      received.push_back(std::move(args));
                                  }
                                  read();
                              });
    }

    tcp::acceptor acceptor_;
    tcp::socket peer_;
    redis::ReplyReader reader_;
    std::array<char, 4096> buffer_{};
};

std::string push(const std::string& kind, const std::string& channel, const std::string& third,
                 bool integer) {
    auto bulk = [](const std::string& s) {
        return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
    };
    return "*3\r\n" + bulk(kind) + bulk(channel) + (integer ? ":" + third + "\r\n" : bulk(third));
}

class ShardSubscriberTest : public testing::Test {
  protected:
    void SetUp() override {
        ShardSubscriberOptions options;
        options.node = {"127.0.0.1", redis_.port()};
        options.client_name = "muster-sub-test";
        options.command_timeout = 300ms;
        ShardSubscriberHandlers handlers;
        handlers.ready = [this] { ++ready; };
        handlers.lost = [this](const std::string& why) { lost.push_back(why); };
        handlers.message = [this](const std::string& channel, std::string payload) {
            messages.push_back(channel + "=" + payload);
        };
        handlers.subscribed = [this](const std::string& channel) { subscribed.push_back(channel); };
        handlers.refused = [this](const std::string& channel, const std::string& error) {
            refused.push_back(channel + ": " + error);
        };
        handlers.dropped = [this](const std::string& channel) { dropped.push_back(channel); };
        subscriber_ = ShardSubscriber::create(io_, options, std::move(handlers));
        subscriber_->start();
    }
    void TearDown() override { subscriber_->close(); }

    // Runs the loop until `condition` holds (a generous limit only matters on failure).
    template <class Condition>
    bool run_until(Condition condition) {
        const auto limit = std::chrono::steady_clock::now() + 10s;
        while (!condition()) {
            if (std::chrono::steady_clock::now() > limit) return false;
            io_.run_for(5ms);
        }
        return true;
    }

    void set_up_connection() {
        ASSERT_TRUE(run_until([&] { return redis_.received.size() == 1; }));
        EXPECT_EQ(redis_.received[0],
                  (std::vector<std::string>{"CLIENT", "SETNAME", "muster-sub-test"}));
        EXPECT_FALSE(subscriber_->ready());
        redis_.send("+OK\r\n");
        ASSERT_TRUE(run_until([&] { return ready == 1; }));
        EXPECT_TRUE(subscriber_->ready());
    }

    asio::io_context io_;
    ScriptedRedis redis_{io_};
    std::shared_ptr<ShardSubscriber> subscriber_;
    int ready = 0;
    std::vector<std::string> lost;
    std::vector<std::string> messages;
    std::vector<std::string> subscribed;
    std::vector<std::string> refused;
    std::vector<std::string> dropped;
};

TEST_F(ShardSubscriberTest, answers_match_the_commands_in_order_and_pushes_go_by_kind) {
    set_up_connection();
    ASSERT_TRUE(subscriber_->ssubscribe("a"));
    ASSERT_TRUE(subscriber_->ssubscribe("b"));
    ASSERT_TRUE(run_until([&] { return redis_.received.size() == 3; }));
    EXPECT_EQ(redis_.received[1], (std::vector<std::string>{"SSUBSCRIBE", "a"}));
    EXPECT_EQ(redis_.received[2], (std::vector<std::string>{"SSUBSCRIBE", "b"}));

    // a is confirmed and publishes; b's slot is elsewhere.
    redis_.send(push("ssubscribe", "a", "1", true) + push("smessage", "a", "hi\r\nthere", false) +
                "-MOVED 15495 127.0.0.1:7002\r\n");
    ASSERT_TRUE(run_until([&] { return refused.size() == 1; }));
    EXPECT_EQ(subscribed, (std::vector<std::string>{"a"}));
    EXPECT_EQ(messages, (std::vector<std::string>{"a=hi\r\nthere"}));
    EXPECT_EQ(refused, (std::vector<std::string>{"b: MOVED 15495 127.0.0.1:7002"}));

    // Asked: the answer to SUNSUBSCRIBE c is no drop. Unasked: the slot of a left.
    ASSERT_TRUE(subscriber_->sunsubscribe("c"));
    subscriber_->ping();
    ASSERT_TRUE(run_until([&] { return redis_.received.size() == 5; }));
    EXPECT_EQ(redis_.received[4], (std::vector<std::string>{"PING"}));
    redis_.send(push("sunsubscribe", "c", "1", true) + "*2\r\n$4\r\npong\r\n$0\r\n\r\n" +
                push("sunsubscribe", "a", "0", true));
    ASSERT_TRUE(run_until([&] { return dropped.size() == 1; }));
    EXPECT_EQ(dropped, (std::vector<std::string>{"a"}));
    EXPECT_TRUE(lost.empty());
    EXPECT_TRUE(subscriber_->ready());
}

TEST_F(ShardSubscriberTest, a_ping_nobody_answers_loses_the_connection_after_the_timeout) {
    set_up_connection();
    subscriber_->ping();
    ASSERT_TRUE(run_until([&] { return !lost.empty(); }));
    EXPECT_NE(lost[0].find("no answer within 300 ms"), std::string::npos) << lost[0];
    EXPECT_FALSE(subscriber_->ready());
    EXPECT_FALSE(subscriber_->ssubscribe("a")) << "nothing is sent once lost";
}

TEST_F(ShardSubscriberTest, the_server_closing_is_reported_once) {
    set_up_connection();
    redis_.close();
    ASSERT_TRUE(run_until([&] { return !lost.empty(); }));
    io_.run_for(20ms);
    EXPECT_EQ(lost.size(), 1U);
}

TEST_F(ShardSubscriberTest, a_confirmation_nobody_asked_for_breaks_the_connection) {
    set_up_connection();
    redis_.send(push("ssubscribe", "x", "1", true));
    ASSERT_TRUE(run_until([&] { return !lost.empty(); }));
    EXPECT_TRUE(subscribed.empty());
}

TEST_F(ShardSubscriberTest, a_refused_setup_command_loses_the_connection) {
    ASSERT_TRUE(run_until([&] { return redis_.received.size() == 1; }));
    redis_.send("-NOAUTH Authentication required.\r\n");
    ASSERT_TRUE(run_until([&] { return !lost.empty(); }));
    EXPECT_EQ(ready, 0);
    EXPECT_NE(lost[0].find("NOAUTH"), std::string::npos) << lost[0];
}

}  // namespace
}  // namespace muster::bus
