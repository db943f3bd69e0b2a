#pragma once
// An HTTP client for calls out of the server (the push providers, the Janus SFU's HTTP API):
// libcurl's multi interface, driven by its owner's own thread (never a network loop's). HTTP/2
// where the server offers it (ALPN; nghttp2 inside libcurl), connections kept and reused per host,
// TLS verified against the system CAs plus an optional extra CA file, connect and total timeouts on
// every request. The CAs are read once, by the constructor, and shared by every connection: a
// provider that closes connections (GOAWAY) costs a TLS handshake, not a re-read of the system's
// CA bundle (about 25 ms of CPU each).
//
// Thread: every member, and every callback, on the thread that owns the client, except
// wakeup(), which any thread may call to end a wait() early.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

using CURLM = void;
struct x509_store_st;  // OpenSSL's X509_STORE

namespace muster::http_client {

struct HttpRequest {
    std::string method = "POST";
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::string body;
};

struct HttpReply {
    long status = 0;                             // 0 when no answer came (error says why)
    std::string error;                           // transport failure: refused, timeout, TLS...
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
};

struct HttpClientOptions {
    std::string ca_file;  // extra trusted CA, beside the system's; empty: none
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds request_timeout{15000};
    std::size_t max_body_bytes = 64 * 1024;  // a longer reply body is cut here
};

class HttpClient {
  public:
    using Callback = std::function<void(HttpReply reply)>;

    // Throws std::runtime_error when options.ca_file yields no certificate.
    explicit HttpClient(HttpClientOptions options);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Starts a request; `done` runs from a later perform() with the answer or the failure.
    void start(HttpRequest request, Callback done);
    // Moves transfers on and runs the callbacks of those that finished.
    void perform();
    // Waits for network activity, wakeup() or at most `timeout`.
    void wait(std::chrono::milliseconds timeout);
    // Ends a wait() early; any thread.
    void wakeup();
    [[nodiscard]] std::size_t in_flight() const { return transfers_.size(); }

  private:
    struct Transfer;
    HttpClientOptions options_;
    x509_store_st* trust_store_ = nullptr;  // the system CAs and options_.ca_file
    CURLM* multi_ = nullptr;
    std::map<void*, std::unique_ptr<Transfer>> transfers_;  // by easy handle
};

}  // namespace muster::http_client
