#include "sqlite/connection.hpp"

#include <limits>
#include <sqlite3.h>
#include <utility>

namespace muster::sqlite {

Status sqlite_status(sqlite3* db, int rc, std::string_view what) {
    std::string message = "sqlite: " + std::string(what) + ": ";
    // The connection's message describes the last failure on it; without one, the code's.
    message += db != nullptr && sqlite3_errcode(db) == rc ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {  // the primary code of an extended one
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_FULL:
        case SQLITE_IOERR:
        case SQLITE_CANTOPEN:
        case SQLITE_READONLY:
        case SQLITE_NOMEM:
            return {errc::unavailable, std::move(message)};
        case SQLITE_CONSTRAINT:
            return {errc::conflict, std::move(message)};
        default:
            return {errc::internal, std::move(message)};
    }
}

// ---- Statement -------------------------------------------------------------------------------

Statement::Statement(sqlite3_stmt* stmt, bool* in_use) : stmt_(stmt), in_use_(in_use) {
    if (in_use_ != nullptr) *in_use_ = true;
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr))
    , in_use_(std::exchange(other.in_use_, nullptr))
    , bind_rc_(other.bind_rc_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        release();
        stmt_ = std::exchange(other.stmt_, nullptr);
        in_use_ = std::exchange(other.in_use_, nullptr);
        bind_rc_ = other.bind_rc_;
    }
    return *this;
}

Statement::~Statement() {
    release();
}

void Statement::release() {
    if (stmt_ == nullptr) return;
    if (in_use_ == nullptr) {
        sqlite3_finalize(stmt_);
    } else {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
        *in_use_ = false;
    }
    stmt_ = nullptr;
    in_use_ = nullptr;
}

namespace {

void keep_first_error(int& kept, int rc) {
    if (kept == SQLITE_OK && rc != SQLITE_OK) kept = rc;
}

}  // namespace

Statement& Statement::bind_text(int index, std::string_view text) {
    keep_first_error(bind_rc_, sqlite3_bind_text64(stmt_, index, text.data(), text.size(),
                                                   SQLITE_TRANSIENT, SQLITE_UTF8));
    return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
    // A zero-length blob is bound as such (not as NULL): sqlite3_bind_zeroblob does that.
    const int rc = bytes.empty() ? sqlite3_bind_zeroblob(stmt_, index, 0)
                                 : sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(),
                                                       SQLITE_TRANSIENT);
    keep_first_error(bind_rc_, rc);
    return *this;
}

Statement& Statement::bind_int(int index, std::int64_t value) {
    keep_first_error(bind_rc_, sqlite3_bind_int64(stmt_, index, value));
    return *this;
}

Statement& Statement::bind_seq(int index, std::uint64_t value) {
    constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    return bind_int(index, static_cast<std::int64_t>(value > max ? max : value));
}

Statement& Statement::bind_null(int index) {
    keep_first_error(bind_rc_, sqlite3_bind_null(stmt_, index));
    return *this;
}

Result<bool> Statement::step() {
    sqlite3* db = sqlite3_db_handle(stmt_);
    if (bind_rc_ != SQLITE_OK) return sqlite_status(db, bind_rc_, "bind");
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sqlite_status(db, rc, sqlite3_sql(stmt_));
}

Status Statement::run() {
    for (;;) {
        auto row = step();
        if (!row) return row.status();
        if (!*row) return ok_status();
    }
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::int64(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

std::uint64_t Statement::seq(int column) const {
    const std::int64_t value = sqlite3_column_int64(stmt_, column);
    return value < 0 ? 0 : static_cast<std::uint64_t>(value);
}

std::string Statement::text(int column) const {
    const auto* data = sqlite3_column_text(stmt_, column);  // before _bytes: see sqlite docs
    const int size = sqlite3_column_bytes(stmt_, column);
    return data == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(data), size);
}

std::string Statement::blob(int column) const {
    const void* data = sqlite3_column_blob(stmt_, column);
    const int size = sqlite3_column_bytes(stmt_, column);
    return data == nullptr ? std::string() : std::string(static_cast<const char*>(data), size);
}

// ---- Connection ------------------------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, Mode mode) {
    // NOMUTEX: each connection is used by one thread at a time, so SQLite's own per-connection
    // mutex would only cost.
    int flags = SQLITE_OPEN_NOMUTEX;
    flags |= mode == Mode::read_write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                      : SQLITE_OPEN_READONLY;
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        Status status = sqlite_status(db, rc, "open " + path);
        sqlite3_close_v2(db);  // a handle is returned even on failure
        return status;
    }
    sqlite3_extended_result_codes(db, 1);
    return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
    for (auto& [sql, cached] : cache_) sqlite3_finalize(cached->stmt);
    sqlite3_close_v2(db_);
}

void Connection::on_wal_commit(std::function<void(int frames)> hook) {
    wal_hook_ = std::move(hook);
    sqlite3_wal_hook(
        db_,
        [](void* self, sqlite3*, const char*, int frames) -> int {
            static_cast<Connection*>(self)->wal_hook_(frames);
            return SQLITE_OK;
        },
        this);
}

Result<Connection::CheckpointProgress> Connection::checkpoint_passive() {
    int log = 0;
    int copied = 0;
    const int rc =
        sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    if (rc == SQLITE_BUSY) return CheckpointProgress{};  // another checkpointer is at it
    if (rc != SQLITE_OK) return sqlite_status(db_, rc, "checkpoint");
    if (log < 0) {
        // A connection learns the file's journal mode when it first reads it; until then a
        // checkpoint "succeeds" without copying anything, and the WAL would grow for ever.
        return Status(errc::internal, "checkpoint: the connection does not see a WAL");
    }
    return CheckpointProgress{log, copied};
}

Status Connection::exec(std::string_view sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &error);
    if (rc == SQLITE_OK) return ok_status();
    Status status = sqlite_status(db_, rc, error != nullptr ? error : "exec");
    sqlite3_free(error);
    return status;
}

Result<Statement> Connection::prepare(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end() && !it->second->in_use)
        return Statement(it->second->stmt, &it->second->in_use);

    sqlite3_stmt* stmt = nullptr;
    const unsigned flags = it == cache_.end() ? SQLITE_PREPARE_PERSISTENT : 0;
    const int rc =
        sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), flags, &stmt, nullptr);
    if (rc != SQLITE_OK) return sqlite_status(db_, rc, "prepare " + std::string(sql));
    if (it != cache_.end()) return Statement(stmt, nullptr);  // in use: a one-off copy

    auto& cached = cache_.emplace(std::string(sql), std::make_unique<Cached>()).first->second;
    cached->stmt = stmt;
    return Statement(stmt, &cached->in_use);
}

std::int64_t Connection::changes() const {
    return sqlite3_changes64(db_);
}

bool Connection::in_transaction() const {
    return sqlite3_get_autocommit(db_) == 0;
}

}  // namespace muster::sqlite
