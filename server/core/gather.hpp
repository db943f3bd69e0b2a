#pragma once
// Many questions in flight at once, one answer for all: gather_each(keys, ask, done) calls
// ask(key, answer) for every key without waiting, and once all have answered, calls `done` with
// the answers in the order of `keys` (whatever order they came in), on the thread of the last
// answer. No keys: `done` at once, with none. Each answer may come on any thread; the answers
// are kept under a mutex until the last. The keys live until then, so `ask` may keep a
// reference to its key.
//
// For a store asked about a page of users one user at a time (a Redis key per user): the
// defaults of PresenceStore::connected_among and DeviceStore::devices_of_users.

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "core/async.hpp"
#include "core/status.hpp"

namespace muster {

template <typename T, typename Key, typename Ask>
void gather_each(std::vector<Key> keys, Ask ask, std::function<void(std::vector<Result<T>>)> done) {
    if (keys.empty()) {
        done({});
        return;
    }
    struct Gathered {
        std::vector<Key> keys;
        std::mutex mutex;
        std::vector<Result<T>> answers;
        std::size_t left = 0;
        std::function<void(std::vector<Result<T>>)> done;
    };
    auto gathered = std::make_shared<Gathered>();
    gathered->keys = std::move(keys);
    gathered->left = gathered->keys.size();
    gathered->answers.assign(gathered->left, Result<T>(Status(errc::internal, "no answer")));
    gathered->done = std::move(done);
    for (std::size_t i = 0; i < gathered->keys.size(); ++i) {
        ask(gathered->keys[i], Done<T>([gathered, i](Result<T> answer) {
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
