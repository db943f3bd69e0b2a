#pragma once
// Several Redis operations at once, answered together: `start(i, done_i)` is called for
// i = 0..n-1 right away (they pipeline on the connection), and `done` gets the n values in
// order once every one has completed, or the first failure. For reads that need one round
// trip per item (records of a listing, calls with timers). Completions may come on any
// thread (normally the Redis loop's; the caller's when the client is closed): a mutex orders
// them.

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/async.hpp"

namespace muster::store {

template <class T>
void gather(std::size_t n, const std::function<void(std::size_t, Done<T>)>& start,
            Done<std::vector<T>> done) {
    if (n == 0) {
        done(std::vector<T>{});
        return;
    }
    struct State {
        std::mutex mutex;
        std::vector<std::optional<T>> values;
        std::size_t left = 0;
        Status failure;
        Done<std::vector<T>> done;
    };
    auto state = std::make_shared<State>();
    state->values.resize(n);
    state->left = n;
    state->done = std::move(done);
    for (std::size_t i = 0; i < n; ++i) {
        start(i, [state, i](Result<T> result) {
            {
                std::lock_guard lock(state->mutex);
                if (result) {
                    state->values[i] = std::move(*result);
                } else if (state->failure.ok()) {
                    state->failure = result.status();
                }
                if (--state->left > 0) return;
            }
            if (!state->failure.ok()) {
                state->done(state->failure);
                return;
            }
            std::vector<T> out;
            out.reserve(state->values.size());
            for (auto& value : state->values) out.push_back(std::move(*value));
            state->done(std::move(out));
        });
    }
}

}  // namespace muster::store
