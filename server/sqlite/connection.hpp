#pragma once
// A thin layer over the sqlite3 C API: one connection with its cache of prepared statements,
// and a statement handle that binds, steps and reads columns, reporting failures as Status.
//
// A Connection belongs to one thread at a time (Database gives each connection its own
// thread), so nothing here locks. Statements are prepared once per connection and reused: a
// handle resets its statement when it goes out of scope, which also ends the implicit read
// that an unfinished SELECT would otherwise keep open (and that would stop WAL checkpoints).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace muster::sqlite {

// SQLite's result code as one of ours. BUSY, LOCKED, FULL, IOERR, CANTOPEN, READONLY and
// NOMEM are UNAVAILABLE (the store cannot take the work now); CONSTRAINT is CONFLICT;
// anything else is INTERNAL. The message names what was being done and SQLite's own words.
Status sqlite_status(sqlite3* db, int rc, std::string_view what);

// A prepared statement in use. Move-only; resets (and clears the bindings of) its statement
// when destroyed, so that the connection can hand it out again. Text and blobs are bound as
// copies (SQLITE_TRANSIENT): a few bytes copied buys freedom from dangling bindings.
class Statement {
  public:
    Statement() = default;
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    // Parameters are numbered from 1, as in SQL (?1, ?2, ...). A failed bind is reported by
    // the next step() or run().
    Statement& bind_text(int index, std::string_view text);
    Statement& bind_blob(int index, std::string_view bytes);
    Statement& bind_int(int index, std::int64_t value);
    // Sequence numbers are unsigned; SQLite integers are signed 64-bit. Values above
    // INT64_MAX (such as store::newest) are clamped to it, which keeps comparisons right.
    Statement& bind_seq(int index, std::uint64_t value);
    Statement& bind_null(int index);

    // One step: true when a row is ready to read, false when the statement is done.
    Result<bool> step();
    // Steps to the end, for statements that return no rows (INSERT, UPDATE, DDL).
    Status run();

    // Columns of the current row, numbered from 0.
    [[nodiscard]] bool is_null(int column) const;
    [[nodiscard]] std::int64_t int64(int column) const;
    [[nodiscard]] std::uint64_t seq(int column) const;  // negative values read as 0
    [[nodiscard]] std::string text(int column) const;
    [[nodiscard]] std::string blob(int column) const;

  private:
    friend class Connection;
    Statement(sqlite3_stmt* stmt, bool* in_use);
    void release();

    sqlite3_stmt* stmt_ = nullptr;
    bool* in_use_ = nullptr;  // the cache's flag; null for an uncached statement (finalised)
    int bind_rc_ = 0;         // the first failed bind, reported by step()
};

class Connection {
  public:
    enum class Mode : std::uint8_t { read_write, read_only };

    // Opens (creating when read_write) the database file. Start-up only.
    static Result<std::unique_ptr<Connection>> open(const std::string& path, Mode mode);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Runs one or more statements without caching them (PRAGMAs, schema, BEGIN at start-up).
    Status exec(std::string_view sql);
    // A statement for `sql`, prepared on first use and cached for the connection's lifetime.
    // Should the same SQL already be in use higher up the stack, a fresh statement is
    // prepared for this use instead (it costs a parse, never a wrong result).
    Result<Statement> prepare(std::string_view sql);

    // Rows changed by the last INSERT, UPDATE or DELETE.
    [[nodiscard]] std::int64_t changes() const;
    // False when no transaction is open, e.g. after SQLite rolled one back on an I/O error.
    [[nodiscard]] bool in_transaction() const;
    [[nodiscard]] sqlite3* handle() const { return db_; }

    // Called on this connection's thread after each commit with the frames now in the WAL.
    // Setting it turns off SQLite's own checkpoint in the committing thread (the hook
    // replaces it): whoever sets it must checkpoint (checkpoint_passive(), from another
    // connection). Set before the connection is used by its thread.
    void on_wal_commit(std::function<void(int frames)> hook);
    // Copies what the WAL holds into the database file as far as no reader needs it, without
    // waiting for the writer (SQLITE_CHECKPOINT_PASSIVE). Blocking I/O: a thread of its own.
    // Answers the frames in the WAL and how many of them are now in the database file (a
    // busy checkpointer elsewhere answers 0 copied). An error when this connection does not
    // see the file in WAL mode: SQLite then checkpoints nothing and says so only with -1.
    struct CheckpointProgress {
        int wal_frames = 0;
        int copied = 0;
    };
    Result<CheckpointProgress> checkpoint_passive();

  private:
    explicit Connection(sqlite3* db) : db_(db) {}

    struct Cached {
        sqlite3_stmt* stmt = nullptr;
        bool in_use = false;
    };
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const {
            return std::hash<std::string_view>{}(s);
        }
    };

    sqlite3* db_;
    std::function<void(int frames)> wal_hook_;
    // unique_ptr: a Statement holds a pointer to its entry's flag, which must not move.
    std::unordered_map<std::string, std::unique_ptr<Cached>, Hash, std::equal_to<>> cache_;
};

}  // namespace muster::sqlite
