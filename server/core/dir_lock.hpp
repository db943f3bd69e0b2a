#pragma once
// One musterd per data directory. An embedded node (SQLite, no Redis) owns its directory: a
// second node on the same one would share the database file without sharing anything else
// (caches, sequence numbers, timers) and corrupt what the first believes. The lock is an
// flock(2) on `<dir>/musterd.lock`, which also holds the owner's pid for the message; the
// kernel releases it when the process ends, however it ends, so a crash leaves no stale lock.
//
// Thread: start-up only. Ownership: the lock is held while the DirectoryLock lives.

#include <filesystem>
#include <memory>

#include "core/status.hpp"

namespace muster {

class DirectoryLock {
  public:
    // Creates `dir` if needed and locks it. UNAVAILABLE with a message that names the other
    // process and says what to do when another process holds it; INVALID_ARGUMENT when the
    // directory cannot be created or the lock file opened.
    static Result<std::unique_ptr<DirectoryLock>> acquire(const std::filesystem::path& dir);
    ~DirectoryLock();
    DirectoryLock(const DirectoryLock&) = delete;
    DirectoryLock& operator=(const DirectoryLock&) = delete;

  private:
    explicit DirectoryLock(int fd) : fd_(fd) {}
    int fd_;
};

}  // namespace muster
