// The WebSocket side of muster_client: the only translation unit here that instantiates
// Beast's websocket templates (~40 s to compile), so nothing else should include them.
#include "muster/connection.hpp"

#include <algorithm>
#include <deque>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace muster::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;

namespace {

// Completion state of one write or close. Shared with the handler so that a handler that runs
// late (after we gave up waiting) never touches a dead stack frame.
struct OpState {
    bool done = false;
    beast::error_code ec;
};

bool is_disconnect(const beast::error_code& ec) {
    return ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::connection_aborted || ec == asio::error::broken_pipe ||
           ec == asio::error::not_connected || ec == asio::error::shut_down ||
           ec == beast::error::timeout || ec == http::error::end_of_stream;
}

}  // namespace

struct Connection::Impl {
    asio::io_context ioc{1};
    websocket::stream<beast::tcp_stream> ws{ioc};
    beast::flat_buffer read_buffer;
    bool reading = false;           // one async_read in flight, kept across receive() calls
    std::deque<Message> inbox;      // messages read and not yet returned
    std::optional<Failure> broken;  // set once the stream is unusable; returned from then on
    std::optional<CloseInfo> close_info;
    Encoding encoding = Encoding::proto;
    std::string subprotocol;
    std::chrono::milliseconds timeout{10000};
    std::uint16_t local_port = 0;

    ~Impl() { drop(); }

    // Runs handlers until `done()` or the deadline; a deadline in the past still runs whatever
    // is ready (timeout 0 = poll). False on deadline.
    template <class Done>
    bool run_until(Done done, clock::time_point deadline) {
        while (!done()) {
            if (ioc.stopped()) ioc.restart();
            if (ioc.run_one_until(deadline) == 0) {
                if (ioc.stopped()) ioc.restart();
                ioc.poll();
                return done();
            }
        }
        return true;
    }

    void fail(Failure failure) {
        if (!broken) broken = std::move(failure);
    }

    void closed(std::uint16_t code, std::string reason, std::string message) {
        if (!close_info) close_info = CloseInfo{code, std::move(reason)};
        Failure failure = Failure::make(Failure::Kind::closed, std::move(message));
        failure.close_code = close_info->code;
        failure.close_reason = close_info->reason;
        fail(std::move(failure));
    }

    void start_read() {
        reading = true;
        ws.async_read(read_buffer, [this](beast::error_code ec, std::size_t) {
            reading = false;
            if (ec) return on_read_error(ec);
            inbox.push_back({beast::buffers_to_string(read_buffer.data()),
                             ws.got_text() ? FrameType::text : FrameType::binary});
            read_buffer.clear();
        });
    }

    void on_read_error(const beast::error_code& ec) {
        const auto& reason = ws.reason();
        if (ec == websocket::error::closed || reason.code != websocket::close_code::none) {
            // A close frame arrived. Beast answers it before completing the read; when the
            // server has already gone (it gave up waiting for that answer), the read fails
            // with the socket error, but the server's code and reason are what matter.
            closed(reason.code, std::string(reason.reason.data(), reason.reason.size()),
                   ec == websocket::error::closed ? "closed by the server"
                                                  : "closed by the server (" + ec.message() + ")");
        } else if (ec == asio::error::operation_aborted && broken) {
            // We dropped the connection ourselves; `broken` already says why.
        } else if (is_disconnect(ec)) {
            closed(1006, "", "connection lost: " + ec.message());
        } else {
            fail(Failure::make(Failure::Kind::io, "read: " + ec.message()));
        }
    }

    // Closes the socket and lets the aborted handlers run, so none is left holding `this`.
    void drop() {
        beast::error_code ignored;
        auto& socket = beast::get_lowest_layer(ws).socket();
        if (socket.is_open()) {
            socket.shutdown(tcp::socket::shutdown_both, ignored);
            socket.close(ignored);
        }
        if (ioc.stopped()) ioc.restart();
        ioc.poll();
    }

    Outcome<void> write(std::string_view bytes, FrameType type) {
        if (broken) return *broken;
        ws.text(type == FrameType::text);
        auto state = std::make_shared<OpState>();
        ws.async_write(asio::buffer(bytes.data(), bytes.size()),
                       [state](beast::error_code ec, std::size_t) {
                           state->ec = ec;
                           state->done = true;
                       });
        if (!run_until([&] { return state->done; }, clock::now() + timeout)) {
            // The server stopped reading: this write can't be taken back, so the stream is lost.
            fail(Failure::make(Failure::Kind::io,
                               "write timed out after " + std::to_string(timeout.count()) + " ms"));
            drop();
            return *broken;
        }
        if (state->ec) {
            if (is_disconnect(state->ec) || state->ec == websocket::error::closed) {
                closed(ws.reason().code ? ws.reason().code : 1006, "",
                       "write: " + state->ec.message());
            } else {
                fail(Failure::make(Failure::Kind::io, "write: " + state->ec.message()));
            }
            return *broken;
        }
        return {};
    }
};

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;

Connection::~Connection() {
    if (impl_ && !impl_->broken) {
        impl_->timeout = std::min(impl_->timeout, std::chrono::milliseconds{2000});
        (void)close();
    }
}

Outcome<Connection> Connection::open(const ConnectOptions& options) {
    auto impl = std::make_unique<Impl>();
    impl->encoding = options.encoding;
    impl->timeout = options.timeout;
    const auto deadline = clock::now() + options.timeout;

    beast::error_code ec;
    tcp::resolver resolver(impl->ioc);
    const auto endpoints = resolver.resolve(options.host, std::to_string(options.port), ec);
    if (ec) {
        return Failure::make(Failure::Kind::io,
                             "cannot resolve " + options.host + ": " + ec.message());
    }

    // Socket options go on before connect: SO_RCVBUF sets the TCP window scale at SYN time.
    auto& stream = beast::get_lowest_layer(impl->ws);
    beast::error_code connect_error = asio::error::host_not_found;
    for (const auto& entry : endpoints) {
        auto& socket = stream.socket();
        if (socket.is_open()) socket.close(ec);
        socket.open(entry.endpoint().protocol(), ec);
        if (ec) {
            connect_error = ec;
            continue;
        }
        if (options.receive_buffer_bytes > 0) {
            socket.set_option(asio::socket_base::receive_buffer_size(options.receive_buffer_bytes),
                              ec);
        }
        stream.expires_at(deadline);
        auto state = std::make_shared<OpState>();
        stream.async_connect(entry.endpoint(), [state](beast::error_code e) {
            state->ec = e;
            state->done = true;
        });
        impl->run_until([&] { return state->done; }, deadline + std::chrono::seconds(1));
        connect_error = state->done ? state->ec : beast::error::timeout;
        if (!connect_error) break;
    }
    if (connect_error) {
        return Failure::make(Failure::Kind::io, "cannot connect to " + options.host + ":" +
                                                    std::to_string(options.port) + ": " +
                                                    connect_error.message());
    }
    stream.socket().set_option(tcp::no_delay(true), ec);
    impl->local_port = stream.socket().local_endpoint(ec).port();

    const std::string offered(client::subprotocol(options.encoding));
    impl->ws.set_option(websocket::stream_base::decorator(
        [offered, headers = options.headers](websocket::request_type& request) {
            request.set(http::field::user_agent, "muster-client/1");
            if (!offered.empty()) request.set(http::field::sec_websocket_protocol, offered);
            for (const auto& [name, value] : headers) request.set(name, value);
        }));
    impl->ws.read_message_max(options.read_message_max);
    impl->ws.auto_fragment(false);  // one message = one frame, as the size-limit tests expect

    websocket::response_type response;
    auto state = std::make_shared<OpState>();
    impl->ws.async_handshake(response, options.host + ":" + std::to_string(options.port),
                             options.target, [state](beast::error_code e) {
                                 state->ec = e;
                                 state->done = true;
                             });
    impl->run_until([&] { return state->done; }, deadline + std::chrono::seconds(1));
    if (!state->done) state->ec = beast::error::timeout;
    if (state->ec == websocket::error::upgrade_declined) {
        Failure failure = Failure::make(Failure::Kind::handshake, response.body());
        failure.http_status = static_cast<int>(response.result_int());
        return failure;
    }
    if (state->ec) {
        return Failure::make(Failure::Kind::io, "WebSocket handshake: " + state->ec.message());
    }
    impl->subprotocol = std::string(response[http::field::sec_websocket_protocol]);

    // From here on deadlines are per call (run_until); the stream itself never times out,
    // except the close handshake.
    stream.expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = options.timeout;
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    impl->ws.set_option(timeouts);
    return Connection(std::move(impl));
}

Outcome<void> Connection::send(const v1::ClientFrame& frame) {
    const Message message = encode(frame, impl_->encoding);
    return impl_->write(message.data, message.type);
}

Outcome<void> Connection::send_raw(std::string_view bytes, FrameType type) {
    return impl_->write(bytes, type);
}

Outcome<Message> Connection::receive_message(std::chrono::milliseconds timeout) {
    auto& impl = *impl_;
    auto pop = [&impl] {
        Message message = std::move(impl.inbox.front());
        impl.inbox.pop_front();
        return message;
    };
    if (!impl.inbox.empty()) return pop();
    if (impl.broken) return *impl.broken;
    if (!impl.reading) impl.start_read();
    impl.run_until([&impl] { return !impl.inbox.empty() || impl.broken; }, clock::now() + timeout);
    if (!impl.inbox.empty()) return pop();
    if (impl.broken) return *impl.broken;
    return Failure::make(Failure::Kind::timeout,
                         "nothing received within " + std::to_string(timeout.count()) + " ms");
}

Outcome<v1::ServerFrame> Connection::receive(std::chrono::milliseconds timeout) {
    auto message = receive_message(timeout);
    if (!message) return std::move(message).failure();
    return decode_server_frame(*message);
}

Outcome<void> Connection::close(std::uint16_t code, std::string_view reason) {
    auto& impl = *impl_;
    if (impl.broken) {
        impl.drop();
        return {};
    }
    auto state = std::make_shared<OpState>();
    impl.ws.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                        [state](beast::error_code ec) {
                            state->ec = ec;
                            state->done = true;
                        });
    // A pending read completes when the server's close frame arrives; wait for both.
    const bool done =
        impl.run_until([&] { return state->done && !impl.reading; }, clock::now() + impl.timeout);
    impl.closed(code, std::string(reason), "closed by the client");
    impl.drop();
    if (!done) return Failure::make(Failure::Kind::timeout, "no close frame from the server");
    if (state->ec && !is_disconnect(state->ec) && state->ec != websocket::error::closed) {
        return Failure::make(Failure::Kind::io, "close: " + state->ec.message());
    }
    return {};
}

void Connection::abort() {
    impl_->closed(1006, "", "aborted by the client");
    impl_->drop();
}

bool Connection::is_open() const {
    return !impl_->broken && impl_->ws.is_open();
}
const std::optional<CloseInfo>& Connection::close_info() const {
    return impl_->close_info;
}
Encoding Connection::encoding() const {
    return impl_->encoding;
}
const std::string& Connection::subprotocol() const {
    return impl_->subprotocol;
}
std::uint16_t Connection::local_port() const {
    return impl_->local_port;
}

}  // namespace muster::client
