// muster-cli push vapid-keys: a fresh VAPID key pair for Web Push. The private key (PKCS#8
// PEM) goes to --out (created with mode 0600, never overwritten) for push.vapid_private_key_file;
// the public key (base64url, what browsers subscribe with) is printed.

#include <cstdio>
#include <fcntl.h>
#include <iostream>
#include <unistd.h>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "core/jwt.hpp"
#include "push/push_crypto.hpp"

namespace muster::cli {

int run_push(int argc, char** argv) {
    std::string action;
    std::string out;
    auto options = make_options("muster-cli push");
    options.add_options()("action", po::value(&action)->required(), "vapid-keys")(
        "out,o", po::value(&out)->required(), "where to write the private key (PEM)");
    po::positional_options_description positional;
    positional.add("action", 1);
    po::variables_map values;
    if (auto exit = parse_command_line(argc, argv, options, positional,
                                       "muster-cli push vapid-keys --out FILE", values)) {
        return *exit;
    }
    if (action != "vapid-keys") {
        std::cerr << "muster-cli push: unknown action '" << action << "' (vapid-keys)\n";
        return exit_usage;
    }
    auto key = push::generate_p256();
    auto pem = key ? push::private_key_pem(key->get()) : Result<std::string>(key.status());
    auto point = key ? push::p256_public_point(key->get()) : Result<std::string>(key.status());
    if (!pem || !point) {
        std::cerr << "muster-cli push: cannot make a key\n";
        return exit_failure;
    }
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        std::perror(("muster-cli push: " + out).c_str());
        return exit_failure;
    }
    const bool written = ::write(fd, pem->data(), pem->size()) == static_cast<ssize_t>(pem->size());
    ::close(fd);
    if (!written) {
        std::cerr << "muster-cli push: cannot write " << out << '\n';
        return exit_failure;
    }
    std::cout << base64url_encode(*point) << std::endl;
    return exit_ok;
}

}  // namespace muster::cli
