#include "push/time_zone.hpp"

#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <vector>

namespace muster::push {

namespace {

struct Zone {
    std::vector<std::int64_t> transitions;  // UTC seconds, ascending
    std::vector<std::int32_t> offsets;      // the offset from each transition on
    std::int32_t initial = 0;               // before the first transition
};

std::int64_t be(const std::string& data, std::size_t at, int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(data[at + i]);
    if (bytes == 4) return static_cast<std::int32_t>(v);
    return static_cast<std::int64_t>(v);
}

// A TZif file's 64-bit block (version 2+) or its 32-bit one (version 1).
Zone parse_tzif(const std::string& data) {
    Zone zone;
    auto block = [&data](std::size_t at, int time_bytes, Zone& out) -> std::size_t {
        if (data.size() < at + 44 || data.compare(at, 4, "TZif") != 0) return 0;
        const auto isutcnt = static_cast<std::size_t>(be(data, at + 20, 4));
        const auto isstdcnt = static_cast<std::size_t>(be(data, at + 24, 4));
        const auto leapcnt = static_cast<std::size_t>(be(data, at + 28, 4));
        const auto timecnt = static_cast<std::size_t>(be(data, at + 32, 4));
        const auto typecnt = static_cast<std::size_t>(be(data, at + 36, 4));
        const auto charcnt = static_cast<std::size_t>(be(data, at + 40, 4));
        std::size_t p = at + 44;
        const std::size_t size = timecnt * time_bytes + timecnt + typecnt * 6 + charcnt +
                                 leapcnt * (time_bytes + 4) + isstdcnt + isutcnt;
        if (data.size() < p + size || typecnt == 0) return 0;
        std::vector<std::int32_t> types(typecnt);
        const std::size_t types_at = p + timecnt * time_bytes + timecnt;
        for (std::size_t i = 0; i < typecnt; ++i)
            types[i] = static_cast<std::int32_t>(be(data, types_at + i * 6, 4));
        out.initial = types[0];
        for (std::size_t i = 0; i < timecnt; ++i) {
            out.transitions.push_back(be(data, p + i * time_bytes, time_bytes));
            const auto index = static_cast<unsigned char>(data[p + timecnt * time_bytes + i]);
            out.offsets.push_back(index < typecnt ? types[index] : types[0]);
        }
        return p + size;
    };
    Zone v1;
    const std::size_t end = block(0, 4, v1);
    if (end == 0) return zone;
    if (data[4] >= '2' && block(end, 8, zone) != 0) return zone;
    return v1;
}

std::shared_ptr<const Zone> zone_of(const std::string& name) {
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const Zone>> cache;
    std::lock_guard lock(mutex);
    auto it = cache.find(name);
    if (it != cache.end()) return it->second;
    Zone zone;
    const bool safe = !name.empty() && name.size() < 64 && name.find("..") == std::string::npos &&
                      name.front() != '/';
    if (safe) {
        std::ifstream in("/usr/share/zoneinfo/" + name, std::ios::binary);
        if (in) {
            std::ostringstream data;
            data << in.rdbuf();
            zone = parse_tzif(data.str());
        }
    }
    if (cache.size() > 1000) cache.clear();  // names come from devices: keep it bounded
    return cache.emplace(name, std::make_shared<const Zone>(std::move(zone))).first->second;
}

}  // namespace

std::int64_t utc_offset_s(const std::string& name, std::int64_t utc_ms) {
    if (name.empty() || name == "UTC") return 0;
    const auto zone = zone_of(name);
    const std::int64_t t = utc_ms / 1000;
    std::int64_t offset = zone->initial;
    for (std::size_t i = 0; i < zone->transitions.size() && zone->transitions[i] <= t; ++i)
        offset = zone->offsets[i];
    return offset;
}

int local_minute_of_day(const std::string& zone, std::int64_t utc_ms) {
    const std::int64_t local_s = utc_ms / 1000 + utc_offset_s(zone, utc_ms);
    const std::int64_t minute = ((local_s / 60) % 1440 + 1440) % 1440;
    return static_cast<int>(minute);
}

}  // namespace muster::push
