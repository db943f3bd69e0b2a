#include "core/dir_lock.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/file.h>
#include <unistd.h>

namespace muster {

Result<std::unique_ptr<DirectoryLock>> DirectoryLock::acquire(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return Status{errc::invalid_argument,
                      "cannot create the data directory " + dir.string() + ": " + ec.message()};
    }
    const std::filesystem::path path = dir / "musterd.lock";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return Status{errc::invalid_argument,
                      "cannot open " + path.string() + ": " + std::strerror(errno)};
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        char pid[32] = {};
        const ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
        ::close(fd);
        if (error != EWOULDBLOCK) {
            return Status{errc::invalid_argument,
                          "cannot lock " + path.string() + ": " + std::strerror(error)};
        }
        std::string owner = n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : "";
        while (!owner.empty() && (owner.back() == '\n' || owner.back() == ' ')) owner.pop_back();
        return Status{errc::unavailable,
                      "the data directory " + dir.string() + " is in use by another musterd" +
                          (owner.empty() ? "" : " (pid " + owner + ")") +
                          ". Stop that node first, or give this one its own server.data_dir; "
                          "nodes that serve the same groups share a Redis (redis.url)"};
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
        // The pid is only for the message: the lock holds without it.
    }
    return std::unique_ptr<DirectoryLock>(new DirectoryLock(fd));
}

DirectoryLock::~DirectoryLock() {
    ::close(fd_);  // releases the flock
}

}  // namespace muster
