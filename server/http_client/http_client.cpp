#include "http_client/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <curl/curl.h>
#include <stdexcept>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

namespace muster::http_client {

struct HttpClient::Transfer {
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    HttpRequest request;
    HttpReply reply;
    Callback done;
    std::size_t max_body = 0;
    char error[CURL_ERROR_SIZE] = {};

    ~Transfer() {
        if (headers != nullptr) curl_slist_free_all(headers);
        if (easy != nullptr) curl_easy_cleanup(easy);
    }
};

namespace {

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* reply = static_cast<std::pair<HttpReply*, std::size_t>*>(user);
    const std::size_t n = size * count;
    auto& body = reply->first->body;
    if (body.size() < reply->second) body.append(data, std::min(n, reply->second - body.size()));
    return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* reply = static_cast<HttpReply*>(user);
    const std::size_t n = size * count;
    std::string line(data, n);
    const auto colon = line.find(':');
    if (colon == std::string::npos) return n;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = line.substr(colon + 1);
    const auto first = value.find_first_not_of(" \t");
    const auto last = value.find_last_not_of(" \t\r\n");
    value = first == std::string::npos ? "" : value.substr(first, last - first + 1);
    reply->headers[name] = value;
    return n;
}

// Hands every new TLS connection the client's trust store. Shared (reference-counted), not
// copied: libcurl would otherwise parse the system's CA bundle again for each connection.
CURLcode use_trust_store(CURL* /*easy*/, void* ssl_ctx, void* user) {
    SSL_CTX_set1_cert_store(static_cast<SSL_CTX*>(ssl_ctx), static_cast<X509_STORE*>(user));
    return CURLE_OK;
}

struct GlobalInit {
    GlobalInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

HttpClient::HttpClient(HttpClientOptions options) : options_(std::move(options)) {
    static GlobalInit init;
    // The trust store, read once: OpenSSL's default CA file and directory (Debian's system CAs,
    // the ones libcurl would read) and the extra CA file. A CA file that yields no certificate
    // stops the start, instead of failing every request later.
    trust_store_ = X509_STORE_new();
    if (trust_store_ == nullptr) throw std::runtime_error("X509_STORE_new failed");
    X509_STORE_set_default_paths(trust_store_);
    ERR_clear_error();  // a default file or directory this machine lacks is not an error
    if (!options_.ca_file.empty() &&
        X509_STORE_load_file(trust_store_, options_.ca_file.c_str()) != 1) {
        X509_STORE_free(trust_store_);
        throw std::runtime_error("cannot read a CA certificate from " + options_.ca_file);
    }
    multi_ = curl_multi_init();
    if (multi_ == nullptr) {
        X509_STORE_free(trust_store_);
        throw std::runtime_error("curl_multi_init failed");
    }
    // Many requests to one provider share a connection (HTTP/2 streams) rather than each
    // opening its own.
    curl_multi_setopt(multi_, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, 8L);
}

HttpClient::~HttpClient() {
    for (auto& [easy, transfer] : transfers_) curl_multi_remove_handle(multi_, transfer->easy);
    transfers_.clear();
    curl_multi_cleanup(multi_);
    X509_STORE_free(trust_store_);
}

void HttpClient::start(HttpRequest request, Callback done) {
    auto transfer = std::make_unique<Transfer>();
    transfer->request = std::move(request);
    transfer->done = std::move(done);
    transfer->max_body = options_.max_body_bytes;
    CURL* easy = curl_easy_init();
    if (easy == nullptr) {
        HttpReply failed;
        failed.error = "curl_easy_init failed";
        transfer->done(std::move(failed));
        return;
    }
    transfer->easy = easy;
    const auto& r = transfer->request;
    curl_easy_setopt(easy, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    if (r.method == "POST" || !r.body.empty()) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r.body.data());
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    }
    for (const auto& header : r.headers)
        transfer->headers = curl_slist_append(transfer->headers, header.c_str());
    // No "Expect: 100-continue" round trip before a body.
    transfer->headers = curl_slist_append(transfer->headers, "Expect:");
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    // Verified against trust_store_ alone: libcurl's own CA file and directory are unset (so it
    // reads nothing per connection) and its store cache is off (the client holds the store).
    curl_easy_setopt(easy, CURLOPT_CAINFO, nullptr);
    curl_easy_setopt(easy, CURLOPT_CAPATH, nullptr);
    curl_easy_setopt(easy, CURLOPT_CA_CACHE_TIMEOUT, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, use_trust_store);
    curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, trust_store_);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer->reply);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    auto* sink = new std::pair<HttpReply*, std::size_t>(&transfer->reply, transfer->max_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, sink);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, sink);
    if (curl_multi_add_handle(multi_, easy) != CURLM_OK) {
        delete sink;
        HttpReply failed;
        failed.error = "curl_multi_add_handle failed";
        transfer->done(std::move(failed));
        return;
    }
    transfers_.emplace(easy, std::move(transfer));
}

void HttpClient::perform() {
    int running = 0;
    curl_multi_perform(multi_, &running);
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
        if (message->msg != CURLMSG_DONE) continue;
        CURL* easy = message->easy_handle;
        auto it = transfers_.find(easy);
        if (it == transfers_.end()) continue;
        std::unique_ptr<Transfer> transfer = std::move(it->second);
        transfers_.erase(it);
        curl_multi_remove_handle(multi_, easy);
        void* sink = nullptr;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, &sink);
        delete static_cast<std::pair<HttpReply*, std::size_t>*>(sink);
        if (message->data.result == CURLE_OK) {
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &transfer->reply.status);
        } else {
            transfer->reply.status = 0;
            transfer->reply.error = transfer->error[0] != '\0'
                                        ? transfer->error
                                        : curl_easy_strerror(message->data.result);
        }
        transfer->done(std::move(transfer->reply));
    }
}

void HttpClient::wait(std::chrono::milliseconds timeout) {
    curl_multi_poll(multi_, nullptr, 0, static_cast<int>(std::max<long long>(0, timeout.count())),
                    nullptr);
}

void HttpClient::wakeup() {
    curl_multi_wakeup(multi_);
}

}  // namespace muster::http_client
