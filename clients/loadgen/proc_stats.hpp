#pragma once
// What the bench reads about processes and the kernel around a measured phase: a server's CPU
// time (utime + stime, /proc/PID/stat) and resident memory (VmRSS, /proc/PID/status), this
// process's own CPU time (getrusage), and the kernel's TCP socket memory (/proc/net/sockstat:
// RSS does not include socket buffers).

#include <cstdint>
#include <optional>

namespace muster::loadgen {

struct ProcessSample {
    std::int64_t cpu_us = 0;  // user + system, all threads (clock-tick resolution: 10 ms)
    std::int64_t rss_kib = 0;
};

// nullopt when the process is gone or /proc cannot be read.
std::optional<ProcessSample> sample_process(int pid);

// This process: user + system CPU microseconds so far (getrusage).
std::int64_t self_cpu_us();

struct SocketSample {
    std::int64_t tcp_inuse = 0;
    std::int64_t tcp_alloc = 0;
    std::int64_t tcp_mem_kib = 0;  // "mem" is in pages
};

std::optional<SocketSample> sample_sockets();

}  // namespace muster::loadgen
