// docs/messages.md is generated from the declarations; this fails when it is stale.
#include "schemas/reference.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

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

}  // namespace
}  // namespace mcf::schemas
