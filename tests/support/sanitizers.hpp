#pragma once
// Whether this build runs under AddressSanitizer (the sanitizer build of `make asan`, which
// builds musterd and the tests alike). Its allocator keeps freed memory in quarantine on
// purpose, so tests that measure musterd's resident size assert that in the normal build only;
// their other assertions hold in both.

namespace muster::test {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool under_asan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool under_asan = true;
#else
inline constexpr bool under_asan = false;
#endif
#else
inline constexpr bool under_asan = false;
#endif

}  // namespace muster::test
