#pragma once
// Two generic scripts for feature records kept on Redis as hashes {record, version} (sign-in;
// any feature whose rules run in C++): the feature's rule is never written in Lua. A change is
// read (records_read) -> rule in C++ -> record_swap, which writes only if no record it writes
// changed since it was read (compare and swap on `version`); on a conflict the caller reads
// again and runs the rule again (rules are pure).
//
// record_swap
//   KEYS[1..n]   the records (hashes), KEYS[n+1..] indexes (hashes or sorted sets)
//   ARGV[1]      n
//   ARGV[2i], ARGV[2i+1] (i = 1..n)  the version read ('' = the record must not exist yet) and
//                the new record (stored with version + 1, or 1 for a new one)
//   then three per index key: 'h' field value (HSET) or 'z' member score (ZADD)
//   Returns {0}, or {-7, i}: record i changed (or appeared) since it was read; nothing written.
// records_read (no writes)
//   KEYS         the records.   Returns record, version for each ('' when absent).

#include "redis/script.hpp"

namespace muster::store::redis_scripts {

const redis::Script& record_swap();
const redis::Script& records_read();

}  // namespace muster::store::redis_scripts
