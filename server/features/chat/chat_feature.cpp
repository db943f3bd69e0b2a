#include "features/chat/chat_feature.hpp"

#include "features/chat/chat_commands.hpp"
#include "features/chat/chat_routes.hpp"

namespace muster::features::chat {

void ChatFeature::install(node::NodeServices& services, node::CommandRegistry& commands,
                          node::HttpRouter& routes) {
    register_chat_commands(commands, services, tags_, pushes_);
    register_chat_routes(routes, services, tags_, pushes_);
}

}  // namespace muster::features::chat
