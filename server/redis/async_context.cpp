#include "redis/async_context.hpp"

#include <exception>
#include <utility>

#include <boost/asio/post.hpp>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "core/log.hpp"

namespace muster::redis {

namespace asio = boost::asio;

namespace {

// Handlers are the owner's code, called from inside hiredis (C): an exception must not unwind
// through it.
template <class Fn>
void guarded(const char* what, Fn&& fn) {
    try {
        fn();
    } catch (const std::exception& e) {
        MUSTER_LOG_ERROR("redis") << what << " handler threw: " << e.what();
    }
}

}  // namespace

Result<std::shared_ptr<AsyncContext>> AsyncContext::connect(asio::io_context& io,
                                                            const Endpoint& endpoint,
                                                            ContextHandlers handlers) {
    redisAsyncContext* context = redisAsyncConnect(endpoint.host.c_str(), endpoint.port);
    if (context == nullptr) return Status(errc::unavailable, "redis: out of memory");
    if (context->err != 0) {
        std::string why = context->errstr != nullptr ? context->errstr : "connect failed";
        redisAsyncFree(context);
        return Status(errc::unavailable, "redis " + endpoint.describe() + ": " + why);
    }
    std::shared_ptr<AsyncContext> self(new AsyncContext(io, context, std::move(handlers)));
    context->data = self.get();
    context->ev.data = self.get();
    context->ev.addRead = &AsyncContext::add_read;
    context->ev.delRead = &AsyncContext::del_read;
    context->ev.addWrite = &AsyncContext::add_write;
    context->ev.delWrite = &AsyncContext::del_write;
    context->ev.cleanup = &AsyncContext::cleanup;
    boost::system::error_code error;
    self->socket_.assign(context->c.fd, error);
    if (error) {
        self->close();
        return Status(errc::unavailable, "redis: cannot watch the socket: " + error.message());
    }
    // The first writable event means the non-blocking connect finished: hiredis asks for it
    // here (addWrite), and reports through on_connect.
    redisAsyncSetConnectCallback(context, &AsyncContext::on_connect);
    return self;
}

AsyncContext::AsyncContext(asio::io_context& io, redisAsyncContext* context,
                           ContextHandlers handlers)
    : io_(io), context_(context), socket_(io), handlers_(std::move(handlers)) {}

AsyncContext::~AsyncContext() {
    closing_ = true;
    free_now();
    if (socket_.is_open()) (void)socket_.release();  // never close(): the fd is hiredis'
}

bool AsyncContext::command(std::uint64_t id, const std::vector<std::string>& args) {
    if (!is_open() || args.empty()) return false;
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const auto& arg : args) {
        argv.push_back(arg.data());
        lengths.push_back(arg.size());
    }
    const int status = redisAsyncCommandArgv(
        context_, &AsyncContext::on_reply, reinterpret_cast<void*>(static_cast<std::uintptr_t>(id)),
        static_cast<int>(args.size()), argv.data(), lengths.data());
    return status == REDIS_OK;
}

void AsyncContext::close() {
    if (closing_) return;
    closing_ = true;
    if (context_ == nullptr) return;
    if (in_hiredis_ > 0) {
        // hiredis is iterating this context's callbacks; free it once it has returned.
        asio::post(io_, [self = shared_from_this()] { self->free_now(); });
        return;
    }
    free_now();
}

void AsyncContext::free_now() {
    if (context_ == nullptr) return;
    redisAsyncFree(context_);  // runs the pending callbacks with NULL, then cleanup()
    context_ = nullptr;
}

// ---- hiredis hooks ---------------------------------------------------------------------------

void AsyncContext::add_read(void* self) {
    auto* me = static_cast<AsyncContext*>(self);
    me->want_read_ = true;
    me->arm_read();
}

void AsyncContext::del_read(void* self) {
    static_cast<AsyncContext*>(self)->want_read_ = false;
}

void AsyncContext::add_write(void* self) {
    auto* me = static_cast<AsyncContext*>(self);
    me->want_write_ = true;
    me->arm_write();
}

void AsyncContext::del_write(void* self) {
    static_cast<AsyncContext*>(self)->want_write_ = false;
}

void AsyncContext::cleanup(void* self) {
    auto* me = static_cast<AsyncContext*>(self);
    redisAsyncContext* context = me->context_;
    if (context == nullptr) return;  // hiredis may call it twice
    std::string why = context->c.err != 0 ? std::string(context->c.errstr) : "connection closed";
    me->context_ = nullptr;
    me->want_read_ = false;
    me->want_write_ = false;
    // The pending waits complete with operation_aborted; hiredis closes the fd after this.
    if (me->socket_.is_open()) (void)me->socket_.release();
    if (!me->closing_ && me->handlers_.gone) guarded("gone", [&] { me->handlers_.gone(why); });
}

void AsyncContext::on_connect(const redisAsyncContext* context, int status) {
    auto* me = static_cast<AsyncContext*>(context->data);
    if (me == nullptr || me->closing_ || !me->handlers_.connected) return;
    guarded("connect", [&] { me->handlers_.connected(status == REDIS_OK); });
}

void AsyncContext::on_reply(redisAsyncContext* context, void* reply, void* privdata) {
    auto* me = static_cast<AsyncContext*>(context->data);
    // NULL: the context is being freed; the owner fails what was pending on its own.
    if (me == nullptr || reply == nullptr || me->closing_ || !me->handlers_.reply) return;
    const auto id = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(privdata));
    guarded("reply", [&] { me->handlers_.reply(id, *static_cast<const redisReply*>(reply)); });
}

// ---- waiting for the socket ------------------------------------------------------------------

void AsyncContext::arm_read() {
    if (reading_ || !want_read_ || context_ == nullptr || closing_) return;
    reading_ = true;
    socket_.async_wait(asio::posix::stream_descriptor::wait_read,
                       [self = shared_from_this()](const boost::system::error_code& error) {
                           self->reading_ = false;
                           if (error || self->context_ == nullptr || self->closing_) return;
                           if (self->want_read_) {
                               ++self->in_hiredis_;
                               redisAsyncHandleRead(self->context_);  // may free the context
                               --self->in_hiredis_;
                           }
                           self->arm_read();
                       });
}

void AsyncContext::arm_write() {
    if (writing_ || !want_write_ || context_ == nullptr || closing_) return;
    writing_ = true;
    socket_.async_wait(asio::posix::stream_descriptor::wait_write,
                       [self = shared_from_this()](const boost::system::error_code& error) {
                           self->writing_ = false;
                           if (error || self->context_ == nullptr || self->closing_) return;
                           if (self->want_write_) {
                               ++self->in_hiredis_;
                               redisAsyncHandleWrite(self->context_);  // may free the context
                               --self->in_hiredis_;
                           }
                           self->arm_write();
                       });
}

}  // namespace muster::redis
