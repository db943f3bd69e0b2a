#pragma once
// The hiredis-on-Asio adapter: one redisAsyncContext whose socket is watched by a
// boost::asio::posix::stream_descriptor (hiredis 0.14 ships adapters for libev, libevent,
// libuv... but not Asio).
//
// hiredis asks for read/write interest through its ev hooks (addRead, delWrite...); each
// interest becomes one async_wait on the descriptor, and when it fires, redisAsyncHandleRead
// or redisAsyncHandleWrite does the I/O and runs the reply callbacks. hiredis owns the file
// descriptor: it closes it when it frees the context, so the descriptor is release()d, never
// close()d, in hiredis' cleanup hook, right before that happens.
//
// Threading: one context belongs to one io_context run by ONE thread (redis::Loop); every
// function here must be called on it. hiredis is not thread-safe and needs no more than that.
//
// Lifetime: the object is shared by the pending async_waits (shared_from_this), so a wait that
// completes after the context was freed finds a live object with no context and does nothing.
// The context is gone either because close() freed it, or because hiredis freed it on its own
// (the server closed the socket, a read or write failed, the connect failed): then the
// `gone` handler is told why, once. After close() no handler is called any more.
//
// Re-entrancy: the handlers run inside hiredis' callbacks. They may send commands. close()
// called from inside a handler is deferred (hiredis must not free a context while it is
// iterating its callbacks): the context is marked closed at once and freed right after.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "core/status.hpp"
#include "redis/endpoint.hpp"

struct redisAsyncContext;
struct redisReply;

namespace muster::redis {

struct ContextHandlers {
    // The connect finished (true) or failed (false; `gone` follows).
    std::function<void(bool ok)> connected;
    // A reply. `id` is the one given to command(); 0 for subscription traffic (subscribe
    // confirmations and messages). Never null.
    std::function<void(std::uint64_t id, const redisReply& reply)> reply;
    // hiredis freed the context by itself; `why` is hiredis' error string.
    std::function<void(const std::string& why)> gone;
};

class AsyncContext : public std::enable_shared_from_this<AsyncContext> {
  public:
    // Starts a non-blocking connect. Note: a host name is resolved by hiredis with a blocking
    // getaddrinfo(), on the Redis thread (never on a node loop); use an address where DNS is
    // slow. UNAVAILABLE when the connect fails at once (no such host, no socket).
    static Result<std::shared_ptr<AsyncContext>> connect(boost::asio::io_context& io,
                                                         const Endpoint& endpoint,
                                                         ContextHandlers handlers);
    ~AsyncContext();
    AsyncContext(const AsyncContext&) = delete;
    AsyncContext& operator=(const AsyncContext&) = delete;

    // Appends a command to hiredis' output buffer (written when the socket is writable).
    // Arguments are binary-safe. False if the context is closed or hiredis refuses it.
    // SUBSCRIBE and UNSUBSCRIBE go through here with id 0.
    bool command(std::uint64_t id, const std::vector<std::string>& args);

    // Frees the context; no handler runs afterwards. Idempotent.
    void close();
    [[nodiscard]] bool is_open() const { return context_ != nullptr && !closing_; }

  private:
    AsyncContext(boost::asio::io_context& io, redisAsyncContext* context, ContextHandlers handlers);

    // hiredis' ev hooks and callbacks (C linkage is not needed: plain function pointers).
    static void add_read(void* self);
    static void del_read(void* self);
    static void add_write(void* self);
    static void del_write(void* self);
    static void cleanup(void* self);
    static void on_connect(const redisAsyncContext* context, int status);
    static void on_reply(redisAsyncContext* context, void* reply, void* privdata);

    void arm_read();
    void arm_write();
    void free_now();

    boost::asio::io_context& io_;
    redisAsyncContext* context_;  // null once hiredis has freed it
    boost::asio::posix::stream_descriptor socket_;
    ContextHandlers handlers_;
    bool want_read_ = false;
    bool want_write_ = false;
    bool reading_ = false;  // an async_wait(read) is pending
    bool writing_ = false;  // an async_wait(write) is pending
    bool closing_ = false;  // close() was called: no more handlers
    int in_hiredis_ = 0;    // depth of redisAsyncHandle* calls on the stack
};

}  // namespace muster::redis
