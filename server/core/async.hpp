#pragma once
// How slow work (the store, the bus) reports back.
//
// Interfaces take a Done<T>: a plain callback called exactly once, on the implementation's own
// thread (the SQLite thread, the Redis strand). async_call() adapts such a call to any Asio
// completion token and brings the result back to the caller's executor, so that a feature can
// write `auto r = co_await async_call<Appended>([&](auto done) { log.append(req, done); });`.

#include <functional>
#include <memory>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>

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

}  // namespace muster
