#include "node/static_files.hpp"

#include <fstream>
#include <iterator>
#include <system_error>

#include "core/log.hpp"

namespace muster::node {

namespace fs = std::filesystem;

namespace {

bool safe_segment(const std::string& s) {
    if (s.empty() || s.front() == '.') return false;  // ".", "..", hidden files
    return s.find_first_of(std::string_view("/\\\0", 3)) == std::string::npos;
}

// Whether `path` (canonical) is `root` or below it.
bool inside(const fs::path& root, const fs::path& path) {
    auto r = root.begin();
    auto p = path.begin();
    for (; r != root.end(); ++r, ++p) {
        if (p == path.end() || *p != *r) return false;
    }
    return true;
}

net::HttpResponse json_error(unsigned status, std::string_view code, std::string_view message) {
    return {status,
            "application/json",
            std::string(R"({"code":")") + std::string(code) + R"(","message":")" +
                std::string(message) + "\"}",
            {}};
}

fs::path executable_dir() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path{} : exe.parent_path();
}

}  // namespace

StaticFiles::StaticFiles(fs::path root) {
    std::error_code ec;
    if (root.empty() || !fs::is_directory(root, ec)) return;
    root_ = fs::canonical(root, ec);
    if (ec) root_.clear();
}

std::string content_type_for(const fs::path& file) {
    const std::string ext = file.extension().string();
    if (ext == ".html") return "text/html; charset=utf-8";
    if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
    if (ext == ".css") return "text/css; charset=utf-8";
    if (ext == ".json") return "application/json";
    if (ext == ".webmanifest") return "application/manifest+json";
    if (ext == ".svg") return "image/svg+xml";
    if (ext == ".png") return "image/png";
    if (ext == ".ico") return "image/x-icon";
    if (ext == ".woff2") return "font/woff2";
    if (ext == ".txt") return "text/plain; charset=utf-8";
    if (ext == ".map") return "application/json";
    return "application/octet-stream";
}

std::optional<net::HttpResponse> StaticFiles::serve(
    const std::string& method, const std::vector<std::string>& segments) const {
    if (!enabled() || (method != "GET" && method != "HEAD")) return std::nullopt;
    // The API's namespaces never fall back to files (their unknown routes are JSON 404s).
    if (!segments.empty() && (segments[0] == "api" || segments[0] == "ws")) return std::nullopt;

    fs::path relative;
    const bool app_page = segments.empty() || (segments.size() == 1 && segments[0].empty()) ||
                          (segments.size() == 2 && segments[0] == "join" && !segments[1].empty());
    if (app_page) {
        relative = "index.html";
    } else {
        for (const auto& s : segments) {
            if (!safe_segment(s)) return json_error(400, "INVALID_ARGUMENT", "bad path");
            relative /= s;
        }
    }
    std::error_code ec;
    const fs::path file = fs::canonical(root_ / relative, ec);
    if (ec || !inside(root_, file) || !fs::is_regular_file(file, ec)) return std::nullopt;
    const auto size = fs::file_size(file, ec);
    if (ec) return std::nullopt;
    if (size > max_file_bytes) return json_error(413, "TOO_LARGE", "file too large to serve");

    std::ifstream in(file, std::ios::binary);
    if (!in) return json_error(503, "UNAVAILABLE", "file unreadable");
    net::HttpResponse response;
    response.status = 200;
    response.content_type = content_type_for(file);
    if (method == "GET") {
        response.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    const bool hashed = !app_page && segments.size() >= 2 && segments[0] == "assets";
    response.headers.emplace_back("Cache-Control",
                                  hashed ? "public, max-age=31536000, immutable" : "no-cache");
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    if (file.filename() == "sw.js") {
        // A service worker at /sw.js may control the whole origin.
        response.headers.emplace_back("Service-Worker-Allowed", "/");
    }
    return response;
}

fs::path resolve_web_root(const std::string& configured) {
    std::error_code ec;
    if (!configured.empty()) {
        if (!fs::is_directory(configured, ec)) {
            MUSTER_LOG_WARN("http") << "server.web_root " << configured
                                    << " is not a directory: the web app is not served";
            return {};
        }
        return configured;
    }
    std::vector<fs::path> candidates;
    if (const fs::path dir = executable_dir(); !dir.empty()) {
        candidates.push_back(dir / ".." / "share" / "muster" / "web");
    }
#ifdef MUSTER_SOURCE_DIR
    candidates.push_back(fs::path(MUSTER_SOURCE_DIR) / "clients" / "web" / "dist");
#endif
    for (const auto& c : candidates) {
        if (fs::is_regular_file(c / "index.html", ec)) return c;
    }
    MUSTER_LOG_WARN("http") << "no built web app found (npm run build in clients/web, or set "
                               "server.web_root): GET / answers 404";
    return {};
}

}  // namespace muster::node
