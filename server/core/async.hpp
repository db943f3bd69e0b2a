#pragma once
// How slow work (the store, the bus) reports back, and the two ways to wait for it.
//
// Interfaces take a Done<T>: a plain callback called exactly once, on the implementation's own
// thread (the SQLite thread, the Redis strand). Callers wait for it in one of two ways, each
// defined here once:
//   - co_call<T>(start): in a coroutine on a loop; resumes on the caller's executor.
//     `Result<Appended> r = co_await co_call<Appended>([&](auto done) { log.append(req, done); });`
//     async_call() is the same for any Asio completion token.
//   - blocking_call<T>(start): blocks the calling thread (start-up, shutdown, tools, tests).
//     Never on a thread marked NonBlockingThread (the loops, the store's and Redis's threads,
//     the push worker): the answer may be that thread's own to give, and every connection of a
//     loop would stall meanwhile. There it aborts with a message naming the thread: a bug, found
//     the first time the path runs rather than as a deadlock under load.

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/status.hpp"

namespace muster {

// The value of an operation that has nothing to return but success.
struct Unit {};

template <class T>
using Done = std::function<void(Result<T>)>;

template <class T, class Start, class Token>
auto async_call(Start&& start, Token&& token) {
    return boost::asio::async_initiate<Token, void(Result<T>)>(
        [](auto handler, auto start_fn) {
            auto executor = boost::asio::get_associated_executor(handler);
            // Done must be copyable; the handler is move-only: share it.
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            start_fn(Done<T>([shared, executor](Result<T> result) {
                boost::asio::post(executor, [shared, result = std::move(result)]() mutable {
                    (*shared)(std::move(result));
                });
            }));
        },
        token, std::forward<Start>(start));
}

// start(Done<T>) from a coroutine: the result, back on the coroutine's executor.
template <class T, class Start>
boost::asio::awaitable<Result<T>> co_call(Start start) {
    co_return co_await async_call<T>(std::move(start), boost::asio::use_awaitable);
}

// Marks the current thread, for the lifetime of the object, as one that must never block on
// slow work (see above). Nests; the innermost name is reported.
class NonBlockingThread {
  public:
    explicit NonBlockingThread(const char* name);
    ~NonBlockingThread();
    NonBlockingThread(const NonBlockingThread&) = delete;
    NonBlockingThread& operator=(const NonBlockingThread&) = delete;

  private:
    const char* previous_;
};

// The name the current thread was marked with, or nullptr when it may block.
[[nodiscard]] const char* non_blocking_thread_name();

// Aborts (in every build type) with a message naming `what` and the thread when the current
// thread is marked NonBlockingThread.
void assert_may_block(const char* what);

// start(Done<T>), then blocks until Done is called and returns its result. Aborts on a
// NonBlockingThread (above).
template <class T, class Start>
Result<T> blocking_call(Start&& start) {
    assert_may_block("blocking_call");
    auto promise = std::make_shared<std::promise<Result<T>>>();
    auto future = promise->get_future();
    start(Done<T>([promise](Result<T> result) { promise->set_value(std::move(result)); }));
    return future.get();
}

// The same, giving up after `limit`: then UNAVAILABLE, and the late answer, if any, is dropped
// (start's callback holds the shared state, not this frame).
template <class T, class Start>
Result<T> blocking_call(Start&& start, std::chrono::milliseconds limit) {
    assert_may_block("blocking_call");
    auto promise = std::make_shared<std::promise<Result<T>>>();
    auto future = promise->get_future();
    start(Done<T>([promise](Result<T> result) { promise->set_value(std::move(result)); }));
    if (future.wait_for(limit) != std::future_status::ready) {
        return Status(errc::unavailable,
                      "no answer within " + std::to_string(limit.count()) + " ms");
    }
    return future.get();
}

}  // namespace muster
