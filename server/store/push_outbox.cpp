#include "store/push_outbox.hpp"

#include <algorithm>
#include <memory>
#include <utility>

namespace muster::push {
namespace {

struct ChunkedFanout {
    PushOutbox& outbox;
    PushFanout fanout;
    std::size_t chunk;
    Done<FanoutRecorded> done;
    std::size_t recorded = 0;
};

// Enqueues the next chunk, then the one after it from that answer, until all are in or one
// fails.
void enqueue_next(std::shared_ptr<ChunkedFanout> state) {
    const std::size_t total = state->fanout.users.size();
    if (state->recorded == total) {
        state->done(FanoutRecorded{total, ok_status()});
        return;
    }
    const std::size_t n = std::min(state->chunk, total - state->recorded);
    const auto first = state->fanout.users.begin() + static_cast<std::ptrdiff_t>(state->recorded);
    const PushFanout part{state->fanout.notification,
                          {first, first + static_cast<std::ptrdiff_t>(n)}};
    state->outbox.enqueue(part.intents(), [state, n](const Result<Unit>& answer) mutable {
        if (!answer) {
            state->done(FanoutRecorded{state->recorded, answer.status()});
            return;
        }
        state->recorded += n;
        enqueue_next(std::move(state));
    });
}

}  // namespace

void enqueue_in_chunks(PushOutbox& outbox, PushFanout fanout, std::size_t chunk,
                       Done<FanoutRecorded> done) {
    enqueue_next(std::make_shared<ChunkedFanout>(ChunkedFanout{
        outbox, std::move(fanout), std::max<std::size_t>(1, chunk), std::move(done)}));
}

}  // namespace muster::push
