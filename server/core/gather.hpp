#pragma once
// Many questions in flight at once, one answer for all: gather_each(n, ask, done) calls
// ask(i, answer_i) for every i in [0, n) without waiting, and once all n have answered, calls
// `done` with the answers in the order asked (answer i at index i, whatever order they came
// in), on the thread of the last answer. n == 0: `done` at once, with none. Each answer may
// come on any thread; the answers are kept under a mutex until the last.
//
// For a store asked about a page of users one user at a time (a Redis key per user, the
// presence of each member of an audience).

#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "core/async.hpp"
#include "core/status.hpp"

namespace muster {

template <typename T, typename Ask>
void gather_each(std::size_t n, Ask ask, std::function<void(std::vector<Result<T>>)> done) {
    if (n == 0) {
        done({});
        return;
    }
    struct Gathered {
        std::mutex mutex;
        std::vector<Result<T>> answers;
        std::size_t left = 0;
        std::function<void(std::vector<Result<T>>)> done;
    };
    auto gathered = std::make_shared<Gathered>();
    gathered->answers.assign(n, Result<T>(Status(errc::internal, "no answer")));
    gathered->left = n;
    gathered->done = std::move(done);
    for (std::size_t i = 0; i < n; ++i) {
        ask(i, Done<T>([gathered, i](Result<T> answer) {
                {
                    std::lock_guard lock(gathered->mutex);
                    gathered->answers[i] = std::move(answer);
                    if (--gathered->left != 0) return;
                }
                // The last answer: nobody else touches the answers now.
                gathered->done(std::move(gathered->answers));
            }));
    }
}

}  // namespace muster
