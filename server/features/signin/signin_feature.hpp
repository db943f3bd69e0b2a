#pragma once
// Sign-in for people without an identity system of their own: invitation links and QR codes,
// device sessions with rotating refresh tokens (docs/PROTOCOL.md "Sign-in: invitations and
// device sessions"). Routes:
//   POST   /api/v1/invitations                  coordinator of the group (or admin) -> 201
//   GET    /api/v1/invitations?group=G           the same -> {"invitations": [...]}
//   DELETE /api/v1/invitations/{id}              the same -> 204
//   GET    /api/v1/invitations/{id}/qr.svg       the same -> the link as an SVG QR code
//   POST   /api/v1/auth/redeem                   anyone with a code (Bearer optional) -> 201
//   POST   /api/v1/auth/refresh                  holder of a refresh token -> 200
//   GET    /api/v1/auth/sessions[?user=U]        the user; admins; coordinators of U's groups
//   DELETE /api/v1/auth/sessions/{id}            the same -> 204, closes its connections (4001)
//                                                on every node through the bus
// It also installs the node's SessionCheck: a token naming a session (`sid`) is taken only
// while that session lives.
//
// Threads: routes run as coroutines on the loops; the store answers on its thread and
// async_call brings results back. The two address limiters are shared by every loop (locked).

#include <memory>

#include "features/signin/address_limiter.hpp"
#include "features/signin/signin_store.hpp"
#include "node/services.hpp"

namespace muster::features::signin {

class SigninFeature final : public node::Feature {
  public:
    // `store` must outlive the feature.
    explicit SigninFeature(SigninStore& store) : store_(store) {}

    void install(node::NodeServices& services, node::CommandRegistry& commands,
                 node::HttpRouter& routes) override;

  private:
    SigninStore& store_;
    std::unique_ptr<AddressLimiter> redeem_failures_;
    std::unique_ptr<AddressLimiter> refreshes_;
};

}  // namespace muster::features::signin
