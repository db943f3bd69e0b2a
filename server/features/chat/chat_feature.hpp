#pragma once
// Chat as a node feature: the publish and history commands, the messages and events routes
// (chat_commands.hpp, chat_routes.hpp), with the rules in chat_messages.hpp. The node keeps
// what every group's log needs whatever wrote it: subscriptions, catch-up and fan-out.
//
// Other features extend chat through tags(): a feature that gives a tag kind its meaning
// registers its validator there before the node starts (meetings: a message tagged with a
// meeting must name a meeting of its group). Stateless beyond that table: the log is the
// node's store.

#include "features/chat/chat_push.hpp"
#include "features/chat/chat_tags.hpp"
#include "node/services.hpp"

namespace muster::features::chat {

class ChatFeature final : public node::Feature {
  public:
    // `pushes` records the pushes to users a message mentions (mention_push.hpp) and to those
    // who asked for every message (chat_push.hpp); see ChatPushes.
    explicit ChatFeature(ChatPushes pushes = {}) : pushes_(pushes) {}

    void install(node::NodeServices& services, node::CommandRegistry& commands,
                 node::HttpRouter& routes) override;

    // The tag validators; register before the node starts (see chat_tags.hpp). Lives as long
    // as the feature, that is as long as the node.
    ChatTags& tags() { return tags_; }

  private:
    ChatTags tags_;
    ChatPushes pushes_;
};

}  // namespace muster::features::chat
