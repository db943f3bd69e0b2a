#include "store/sqlite/sqlite_signin_store.hpp"

#include <stdexcept>
#include <utility>

#include "core/secrets.hpp"
#include "store/sqlite/sqlite_feature_schema.hpp"

namespace muster::store {

namespace signin = features::signin;
using signin::DeviceSession;
using signin::Invitation;

namespace {

// Version 1. A later change is a new entry, never an edit of this one.
constexpr std::string_view create_tables = R"sql(
CREATE TABLE signin_invitations (
    id         TEXT PRIMARY KEY NOT NULL,
    code_hash  TEXT NOT NULL UNIQUE,
    group_id   TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    record     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX signin_invitations_by_group ON signin_invitations(group_id, created_ms);
CREATE TABLE signin_sessions (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    record     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX signin_sessions_by_user ON signin_sessions(user_id, created_ms);
)sql";

template <class T>
Result<T> decode(const std::string& json);
template <>
Result<Invitation> decode<Invitation>(const std::string& json) {
    return signin::decode_invitation(json);
}
template <>
Result<DeviceSession> decode<DeviceSession>(const std::string& json) {
    return signin::decode_session(json);
}

// The record of the one row `sql` (with ?1 = key) selects; NOT_FOUND when none.
template <class T>
Result<T> read_one(sqlite::Transaction& txn, std::string_view sql, const std::string& key,
                   const char* what) {
    auto select = txn.prepare(sql);
    if (!select) return select.status();
    select->bind_text(1, key);
    auto row = select->step();
    if (!row) return row.status();
    if (!*row) return Status{errc::not_found, std::string("no such ") + what};
    return decode<T>(select->text(0));
}

template <class T>
Status read_all(sqlite::Transaction& txn, std::string_view sql, const std::string& key,
                std::vector<T>& out) {
    auto select = txn.prepare(sql);
    if (!select) return select.status();
    select->bind_text(1, key);
    for (;;) {
        auto row = select->step();
        if (!row) return row.status();
        if (!*row) return ok_status();
        auto record = decode<T>(select->text(0));
        if (!record) return record.status();
        out.push_back(std::move(*record));
    }
}

Status write_invitation(sqlite::Transaction& txn, const Invitation& invitation) {
    auto update = txn.prepare("UPDATE signin_invitations SET record = ?2 WHERE id = ?1");
    if (!update) return update.status();
    update->bind_text(1, invitation.id).bind_text(2, signin::encode(invitation));
    return update->run();
}

Status insert_session(sqlite::Transaction& txn, const DeviceSession& session) {
    auto insert = txn.prepare(
        "INSERT INTO signin_sessions (id, user_id, created_ms, record) VALUES (?1, ?2, ?3, ?4)");
    if (!insert) return insert.status();
    insert->bind_text(1, session.id)
        .bind_text(2, session.user)
        .bind_int(3, session.created_ms)
        .bind_text(4, signin::encode(session));
    return insert->run();
}

constexpr std::string_view invitation_by_id = "SELECT record FROM signin_invitations WHERE id = ?1";
constexpr std::string_view invitation_by_code =
    "SELECT record FROM signin_invitations WHERE code_hash = ?1";
constexpr std::string_view session_by_id = "SELECT record FROM signin_sessions WHERE id = ?1";

// A write job whose result (a T) is handed to `done` after the commit.
template <class T, class Body>
void write_value(sqlite::Database& db, Done<T> done, Body body) {
    auto job = [done, body = std::move(body)](sqlite::Transaction& txn) mutable -> Status {
        Result<T> value = body(txn);
        if (!value) return value.status();
        txn.after_commit([done, value = std::move(*value)]() mutable { done(std::move(value)); });
        return ok_status();
    };
    db.write(std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); });
}

template <class T, class Body>
void read_value(sqlite::Database& db, Done<T> done, Body body) {
    auto job = [done, body = std::move(body)](sqlite::Transaction& txn) -> Status {
        Result<T> value = body(txn);
        if (!value) return value.status();
        txn.after_commit([done, value = std::move(*value)]() mutable { done(std::move(value)); });
        return ok_status();
    };
    db.read(std::move(job), [done = std::move(done)](Status status) { done(std::move(status)); });
}

}  // namespace

SqliteSigninStore::SqliteSigninStore(sqlite::Database& db, const Clock& clock)
    : db_(db), clock_(clock) {
    static const std::vector<std::string_view> migrations{create_tables};
    if (Status status = apply_feature_schema(db_, "signin", migrations); !status) {
        throw std::runtime_error("cannot create the sign-in tables: " + status.message());
    }
}

void SqliteSigninStore::add_invitation(Invitation invitation, Done<Unit> done) {
    write_value<Unit>(
        db_, std::move(done),
        [invitation = std::move(invitation)](sqlite::Transaction& txn) -> Result<Unit> {
            auto insert = txn.prepare(
                "INSERT INTO signin_invitations "
                "(id, code_hash, group_id, created_ms, record) "
                "VALUES (?1, ?2, ?3, ?4, ?5)");
            if (!insert) return insert.status();
            insert->bind_text(1, invitation.id)
                .bind_text(2, sha256_hex(invitation.code))
                .bind_text(3, invitation.group)
                .bind_int(4, invitation.created_ms)
                .bind_text(5, signin::encode(invitation));
            if (Status s = insert->run(); !s) return s;
            return Unit{};
        });
}

void SqliteSigninStore::invitation(std::string id, Done<Invitation> done) {
    read_value<Invitation>(db_, std::move(done), [id = std::move(id)](sqlite::Transaction& txn) {
        return read_one<Invitation>(txn, invitation_by_id, id, "invitation");
    });
}

void SqliteSigninStore::invitations_of(std::string group, Done<std::vector<Invitation>> done) {
    read_value<std::vector<Invitation>>(
        db_, std::move(done),
        [group = std::move(group)](sqlite::Transaction& txn) -> Result<std::vector<Invitation>> {
            std::vector<Invitation> out;
            if (Status s = read_all(txn,
                                    "SELECT record FROM signin_invitations WHERE group_id = ?1 "
                                    "ORDER BY created_ms, id",
                                    group, out);
                !s) {
                return s;
            }
            return out;
        });
}

void SqliteSigninStore::change_invitation(std::string id, signin::InvitationRule rule,
                                          Done<Invitation> done) {
    write_value<Invitation>(db_, std::move(done),
                            [this, id = std::move(id), rule = std::move(rule)](
                                sqlite::Transaction& txn) -> Result<Invitation> {
                                auto invitation =
                                    read_one<Invitation>(txn, invitation_by_id, id, "invitation");
                                if (!invitation) return invitation.status();
                                if (Status s = rule(*invitation, clock_.now_ms()); !s) return s;
                                if (Status s = write_invitation(txn, *invitation); !s) return s;
                                return invitation;
                            });
}

void SqliteSigninStore::redeem(std::string code, signin::InvitationRule rule, DeviceSession session,
                               Done<Invitation> done) {
    write_value<Invitation>(
        db_, std::move(done),
        [this, code = std::move(code), rule = std::move(rule),
         session = std::move(session)](sqlite::Transaction& txn) -> Result<Invitation> {
            auto invitation =
                read_one<Invitation>(txn, invitation_by_code, sha256_hex(code), "invitation");
            if (!invitation) return invitation.status();
            if (Status s = rule(*invitation, clock_.now_ms()); !s) return s;
            if (Status s = write_invitation(txn, *invitation); !s) return s;
            if (Status s = insert_session(txn, session); !s) return s;
            return invitation;
        });
}

void SqliteSigninStore::session(std::string id, Done<DeviceSession> done) {
    read_value<DeviceSession>(db_, std::move(done), [id = std::move(id)](sqlite::Transaction& txn) {
        return read_one<DeviceSession>(txn, session_by_id, id, "session");
    });
}

void SqliteSigninStore::sessions_of(std::string user, Done<std::vector<DeviceSession>> done) {
    read_value<std::vector<DeviceSession>>(
        db_, std::move(done),
        [user = std::move(user)](sqlite::Transaction& txn) -> Result<std::vector<DeviceSession>> {
            std::vector<DeviceSession> out;
            if (Status s = read_all(txn,
                                    "SELECT record FROM signin_sessions WHERE user_id = ?1 "
                                    "ORDER BY created_ms, id",
                                    user, out);
                !s) {
                return s;
            }
            return out;
        });
}

void SqliteSigninStore::change_session(std::string id, signin::SessionRule rule,
                                       Done<DeviceSession> done) {
    write_value<DeviceSession>(
        db_, std::move(done),
        [this, id = std::move(id),
         rule = std::move(rule)](sqlite::Transaction& txn) -> Result<DeviceSession> {
            auto session = read_one<DeviceSession>(txn, session_by_id, id, "session");
            if (!session) return session.status();
            Result<bool> changed = rule(*session, clock_.now_ms());
            if (!changed) return changed.status();
            if (*changed) {
                auto update = txn.prepare("UPDATE signin_sessions SET record = ?2 WHERE id = ?1");
                if (!update) return update.status();
                update->bind_text(1, session->id).bind_text(2, signin::encode(*session));
                if (Status s = update->run(); !s) return s;
            }
            return session;
        });
}

}  // namespace muster::store
