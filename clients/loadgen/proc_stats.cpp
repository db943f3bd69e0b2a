#include "loadgen/proc_stats.hpp"

#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

namespace muster::loadgen {

std::optional<ProcessSample> sample_process(int pid) {
    if (pid <= 0) return std::nullopt;
    const std::string base = "/proc/" + std::to_string(pid);
    std::ifstream stat(base + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return std::nullopt;
    // The command name (field 2) is in parentheses and may hold spaces: fields are counted
    // after the last ')'. utime and stime are fields 14 and 15.
    const auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(line.substr(close + 1));
    std::string field;
    long long utime = 0;
    long long stime = 0;
    for (int number = 3; number <= 15 && fields >> field; ++number) {
        if (number == 14) utime = std::stoll(field);
        if (number == 15) stime = std::stoll(field);
    }
    const long ticks = ::sysconf(_SC_CLK_TCK);
    ProcessSample sample;
    sample.cpu_us = (utime + stime) * 1'000'000 / (ticks > 0 ? ticks : 100);

    std::ifstream status(base + "/status");
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            sample.rss_kib = std::stoll(line.substr(6));
            break;
        }
    }
    return sample;
}

std::int64_t self_cpu_us() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * std::int64_t{1'000'000} +
           usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

std::optional<SocketSample> sample_sockets() {
    std::ifstream in("/proc/net/sockstat");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("TCP:", 0) != 0) continue;
        std::istringstream words(line.substr(4));
        SocketSample sample;
        std::string name;
        long long value = 0;
        while (words >> name >> value) {
            if (name == "inuse") sample.tcp_inuse = value;
            if (name == "alloc") sample.tcp_alloc = value;
            if (name == "mem") sample.tcp_mem_kib = value * (::sysconf(_SC_PAGESIZE) / 1024);
        }
        return sample;
    }
    return std::nullopt;
}

}  // namespace muster::loadgen
