// libFuzzer: JWT verification on arbitrary tokens. Anything not signed with the secret must be
// refused with UNAUTHENTICATED; nothing may crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/jwt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto verifier = [] {
        muster::JwtVerifierOptions options;
        options.secret = "fuzz-secret-long-enough-for-any-minimum-length";
        return *muster::JwtVerifier::create(options);
    }();
    const std::string_view token(reinterpret_cast<const char*>(data), size);
    const auto claims = verifier->verify(token, 1'700'000'000'000);
    if (!claims.ok() && claims.status().code() != muster::errc::unauthenticated) std::abort();
    return 0;
}
