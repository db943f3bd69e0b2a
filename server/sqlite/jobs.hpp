#pragma once
// Internals shared by the two halves of Database (database.cpp: queues, reader,
// lifetime; batch.cpp: the writer). Not for other modules.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

#include "core/metrics.hpp"
#include "sqlite/database.hpp"

namespace muster::sqlite {

// Jobs waiting in the queues of every database of the process (one, except in tests). The
// muster_store_queue_depth gauge reads this at scrape time, so it never points at a database
// that is gone.
std::atomic<std::int64_t>& store_queued_jobs();

// Registers the store's metrics, so that /metrics lists them before the first write.
void register_store_metrics();
// WAL checkpoints done by the checkpointer thread (muster_store_wal_checkpoints_total).
metrics::Counter& wal_checkpoints();
// The queues whose waits muster_store_wait_seconds reports, as its `queue` label. A chat
// message's append is a synced write, so its wait is what the writer's other work (push
// bookkeeping, a duty call's transaction) costs it.
enum class WaitQueue : std::uint8_t { read, write_synced, write_relaxed };
// Observes how long a job queued at `queued` waited until its thread began it at `began`.
void observe_wait(WaitQueue queue, std::chrono::steady_clock::time_point queued,
                  std::chrono::steady_clock::time_point began);

// Jobs and completions are other modules' code. One that throws (a bug) must not take the
// store thread, and with it every later caller, down: the job fails with INTERNAL, the
// completion is logged.
Status run_job_guarded(Job& job, Transaction& txn);
void run_guarded(const std::function<void()>& fn);

}  // namespace muster::sqlite
