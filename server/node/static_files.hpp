#pragma once
// The web app's built files (clients/web/dist), served at / by the HTTP listener.
//
// Contract:
// - serve() answers GET/HEAD of a file under the root: "/" and "/join/<code>" are index.html
//   (the app reads the path); anything else must name a regular file under the root, or it is
//   not served (nullopt: the caller answers with its JSON 404).
// - Path traversal is refused: a segment that is empty, ".", "..", starts with a dot, or holds
//   '/', '\\' or NUL never reaches the file system (400), and a resolved path outside the root
//   (a symlink out of it) is not served.
// - Cache headers: files under /assets/ carry a content hash in their names (Vite) and are
//   cached for a year, immutable; everything else (index.html, the service worker, the
//   manifest) is revalidated on every load, so that a new build reaches phones at once.
// - Thread-safe and stateless: files are read per request (the OS caches them); a file over
//   max_file_bytes is refused rather than read into memory.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "net/http.hpp"

namespace muster::node {

class StaticFiles {
  public:
    // `root` empty or missing: nothing is served (every request falls through).
    explicit StaticFiles(std::filesystem::path root);

    [[nodiscard]] bool enabled() const { return !root_.empty(); }
    [[nodiscard]] const std::filesystem::path& root() const { return root_; }

    // `segments`: the request path's segments, percent-decoded. nullopt: not a file of the app.
    [[nodiscard]] std::optional<net::HttpResponse> serve(
        const std::string& method, const std::vector<std::string>& segments) const;

    static constexpr std::uintmax_t max_file_bytes = 16 * 1024 * 1024;

  private:
    std::filesystem::path root_;  // canonical, or empty when disabled
};

// The folder the app is served from: `configured` when set; else the app installed beside the
// binary (<dir of musterd>/../share/muster/web), else the source tree's clients/web/dist (a
// build tree's musterd). Empty when none exists.
std::filesystem::path resolve_web_root(const std::string& configured);

// The content type for a file name (by extension); application/octet-stream when unknown.
std::string content_type_for(const std::filesystem::path& file);

}  // namespace muster::node
