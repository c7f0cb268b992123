// docs/messages.md is generated from the declarations; this fails when it is stale.
#include "schemas/reference.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "schemas/registry.h"

namespace mcf::schemas {
namespace {

TEST(ReferenceTest, DocsMessagesMdIsWhatTheDeclarationsSay) {
  std::ifstream in(std::string(MCF_SOURCE_DIR) + "/docs/messages.md");
  ASSERT_TRUE(in) << "docs/messages.md is missing: ./mcf schema > docs/messages.md";
  std::stringstream committed;
  committed << in.rdbuf();
  EXPECT_TRUE(committed.str() == RenderReference())
      << "docs/messages.md is stale: regenerate it with ./mcf schema > docs/messages.md";
}

TEST(ReferenceTest, ADeclaredTypeShowsItsFieldsAndRules) {
  const std::string text = RenderReference("tasks.task_finalized");
  EXPECT_NE(text.find("| `task_id` | string | yes | non-empty |"), std::string::npos) << text;
  EXPECT_NE(text.find("completed\\|failed\\|canceled"), std::string::npos) << text;
  EXPECT_EQ(RenderReference("tasks.no_such_type"), "");
}

// No hand-written rows are left: every type, the runtime's store_status included, has its body
// (and a command its reply) from a declaration.
TEST(ReferenceTest, EveryRegisteredTypeIsDeclared) {
  for (const MessageType& t : AllMessageTypes()) {
    EXPECT_NE(t.body, nullptr) << t.type;
    if (t.kind == MessageKind::kCommand) EXPECT_NE(t.reply, nullptr) << t.type;
  }
  const MessageType* store_status = FindMessageType("tasks.store_status");
  ASSERT_NE(store_status, nullptr);
  EXPECT_NE(store_status->reply, nullptr);
}

}  // namespace
}  // namespace mcf::schemas
