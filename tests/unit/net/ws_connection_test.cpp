// WsConnection's write path over a socketpair whose sending buffer is small, so that the
// kernel takes frames in pieces: partial writes resume where they stopped, a full queue closes
// with 4000, and a close after a half-written frame finishes that frame before the close frame
// (cutting it would corrupt the stream). The test drives the loop itself (poll), reading the
// peer end in chunks that never line up with frames; nothing waits on time.

#include "net/ws_connection.hpp"

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include "net/loop.hpp"

namespace muster::net {
namespace {

namespace asio = boost::asio;

class RecordingConnection final : public WsConnection {
  public:
    using WsConnection::WsConnection;
    bool closed = false;

  protected:
    void on_message(std::string_view /*payload*/, bool /*text*/) override {}
    void on_closed() override { closed = true; }
};

// A server frame as the client parses it: unmasked, never fragmented.
struct Frame {
    std::uint8_t opcode = 0;
    std::string payload;
};

// Parses the complete frames at the start of `bytes`, removing them; a frame that is not
// complete stays. Fails the test on a malformed header (a corrupted stream).
std::vector<Frame> take_frames(std::string& bytes) {
    std::vector<Frame> out;
    std::size_t at = 0;
    for (;;) {
        if (bytes.size() - at < 2) break;
        const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at);
        if ((p[0] & 0xF0U) != 0x80U || (p[1] & 0x80U) != 0) {
            // Not FIN, reserved bits or a mask: the stream is corrupted; stop reading it.
            ADD_FAILURE() << "the stream is corrupted at byte " << at;
            bytes.clear();
            return out;
        }
        std::size_t header = 2;
        std::uint64_t size = p[1] & 0x7FU;
        if (size == 126) {
            if (bytes.size() - at < 4) break;
            size = (std::uint64_t{p[2]} << 8) | p[3];
            header = 4;
        } else if (size == 127) {
            if (bytes.size() - at < 10) break;
            size = 0;
            for (int i = 0; i < 8; ++i) size = (size << 8) | p[2 + i];
            header = 10;
        }
        if (size > bytes.size() - at - header) break;
        out.push_back({static_cast<std::uint8_t>(p[0] & 0x0FU),
                       bytes.substr(at + header, static_cast<std::size_t>(size))});
        at += header + static_cast<std::size_t>(size);
    }
    bytes.erase(0, at);
    return out;
}

// Payload i: its number, then filler, so that a frame resumed at the wrong offset shows.
std::string payload(std::size_t i, std::size_t size) {
    std::string out = "frame " + std::to_string(i) + ":";
    while (out.size() < size) out.push_back(static_cast<char>('a' + (out.size() + i) % 26));
    out.resize(size);
    return out;
}

class WsConnectionWrites : public ::testing::Test {
  protected:
    void SetUp() override {
        int fds[2];
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
        peer_ = fds[1];
        // As small as the kernel allows: a frame of a few KiB is already written in parts.
        const int small = 4096;
        ASSERT_EQ(::setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
        ASSERT_EQ(::setsockopt(peer_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
        asio::ip::tcp::socket socket(loop_.io());
        boost::system::error_code ec;
        socket.assign(asio::ip::tcp::v4(), fds[0], ec);  // a stream socket is all it needs
        ASSERT_FALSE(ec) << ec.message();
        connection_ = std::make_shared<RecordingConnection>(loop_, std::move(socket), limits_);
        connection_->start({});
    }

    void TearDown() override {
        if (connection_ && !connection_->closed) connection_->close_now(close_code::normal, {});
        connection_.reset();
        run_loop();
        if (peer_ >= 0) ::close(peer_);
    }

    // Runs what is ready on the loop (the flush pass, writability waits that fired).
    void run_loop() {
        for (int i = 0; i < 8; ++i) {
            loop_.io().restart();
            if (loop_.io().poll() == 0) break;
        }
    }

    // Reads at most `chunk` bytes the connection wrote; 0 when nothing is there now.
    std::size_t read_some(std::size_t chunk) {
        std::string buffer(chunk, '\0');
        const ssize_t n = ::recv(peer_, buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n <= 0) return 0;
        received_.append(buffer.data(), static_cast<std::size_t>(n));
        return static_cast<std::size_t>(n);
    }

    // Alternates small reads and loop passes until `done` says so (or nothing moves any more).
    template <class Done>
    void pump(Done done, std::size_t chunk = 1000) {
        for (int idle = 0; !done() && idle < 100;) {
            run_loop();
            idle = read_some(chunk) == 0 ? idle + 1 : 0;
        }
    }

    WsLimits limits_{.outbound_queue_bytes = 4 * 1024 * 1024};
    Loop loop_{0};
    int peer_ = -1;
    std::shared_ptr<RecordingConnection> connection_;
    std::string received_;
};

TEST_F(WsConnectionWrites, partial_writes_resume_where_they_stopped) {
    constexpr std::size_t frames = 120;
    std::size_t total = 0;
    for (std::size_t i = 0; i < frames; ++i) {
        // Sizes across the three header lengths and never a multiple of the read chunk.
        const std::size_t size = i % 3 == 0 ? 100 : i % 3 == 1 ? 3001 : 66'000;
        ASSERT_TRUE(connection_->send_message(payload(i, size), false));
        total += size;
    }
    run_loop();
    ASSERT_GT(connection_->queued_bytes(), 0U) << "the socket took everything: no partial write";

    std::vector<Frame> got;
    pump([&] {
        for (auto& f : take_frames(received_)) got.push_back(std::move(f));
        return got.size() == frames;
    });
    ASSERT_EQ(got.size(), frames);
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < frames; ++i) {
        EXPECT_EQ(got[i].opcode, 0x2);
        const std::size_t size = i % 3 == 0 ? 100 : i % 3 == 1 ? 3001 : 66'000;
        ASSERT_EQ(got[i].payload, payload(i, size)) << "frame " << i;
        bytes += got[i].payload.size();
    }
    EXPECT_EQ(bytes, total);
    EXPECT_EQ(connection_->queued_bytes(), 0U);
    EXPECT_TRUE(connection_->is_open());
    EXPECT_TRUE(received_.empty()) << "bytes after the last frame";
}

TEST_F(WsConnectionWrites, a_full_queue_closes_with_4000_after_whole_frames) {
    limits_.outbound_queue_bytes = 64 * 1024;
    std::size_t accepted = 0;
    // The peer reads nothing: the socket fills, then the queue.
    for (std::size_t i = 0; i < 1000; ++i) {
        if (!connection_->send_message(payload(i, 5000), false)) break;
        ++accepted;
        run_loop();
    }
    ASSERT_LT(accepted, 1000U) << "the queue never overflowed";
    EXPECT_FALSE(connection_->is_open());
    EXPECT_EQ(connection_->close_code(), close_code::slow_consumer);
    EXPECT_FALSE(connection_->send_message("late", false)) << "sends after the close are refused";
    EXPECT_LE(connection_->queued_bytes(), limits_.outbound_queue_bytes + 64);

    std::vector<Frame> got;
    pump([&] {
        for (auto& f : take_frames(received_)) got.push_back(std::move(f));
        return !got.empty() && got.back().opcode == 0x8;
    });
    ASSERT_FALSE(got.empty());
    ASSERT_EQ(got.back().opcode, 0x8) << "no close frame";
    ASSERT_GE(got.back().payload.size(), 2U);
    EXPECT_EQ((static_cast<unsigned char>(got.back().payload[0]) << 8) |
                  static_cast<unsigned char>(got.back().payload[1]),
              close_code::slow_consumer);
    // Whatever data went out before the close is whole and in order.
    for (std::size_t i = 0; i + 1 < got.size(); ++i) {
        ASSERT_EQ(got[i].payload, payload(i, 5000)) << "frame " << i;
    }
    EXPECT_LE(got.size() - 1, accepted);
}

TEST_F(WsConnectionWrites, a_close_after_a_half_written_frame_finishes_that_frame_first) {
    constexpr std::size_t size = 100'000;  // far more than the socket's buffer
    for (std::size_t i = 0; i < 3; ++i)
        ASSERT_TRUE(connection_->send_message(payload(i, size), false));
    run_loop();
    const std::size_t frame_bytes = size + 10;  // 64-bit length header
    const std::size_t written = 3 * frame_bytes - connection_->queued_bytes();
    ASSERT_GT(written, 0U) << "nothing written";
    ASSERT_LT(written, frame_bytes) << "the first frame is not half written";

    connection_->close_now(close_code::policy, "bye");
    EXPECT_FALSE(connection_->is_open());
    // The rest of the first frame stays queued (with the close frame); the others are dropped.
    EXPECT_LT(connection_->queued_bytes(), frame_bytes);

    std::vector<Frame> got;
    pump([&] {
        for (auto& f : take_frames(received_)) got.push_back(std::move(f));
        return !got.empty() && got.back().opcode == 0x8;
    });
    ASSERT_EQ(got.size(), 2U) << "the half-written frame, then the close frame";
    EXPECT_EQ(got[0].opcode, 0x2);
    EXPECT_EQ(got[0].payload, payload(0, size)) << "the half-written frame was cut or corrupted";
    EXPECT_EQ(got[1].opcode, 0x8);
    EXPECT_EQ(got[1].payload, std::string("\x03\xf0", 2) + "bye");  // 1008
    EXPECT_TRUE(received_.empty());
}

}  // namespace
}  // namespace muster::net
