#include "lib/security/peer_registry.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <vector>

#include "lib/security/curve_keys.h"
#include "lib/security/key_directory.h"
#include "tests/support/temp_dir.h"

namespace mcf::security {
namespace {

std::string NewKey() { return GenerateCurveKeyPair().value().public_key; }

TEST(PeerRegistryTest, SavedEntriesLoadBackAndRevocationSticks) {
  testing::TempDir dir;
  const std::string path = dir.Sub("peers");
  PeerRegistry registry;
  const std::string portal = NewKey(), gateway = NewKey();
  ASSERT_TRUE(registry.Add({"portal", PeerRole::kContext, portal}).ok());
  ASSERT_TRUE(registry.Add({"gateway", PeerRole::kGateway, gateway}).ok());
  const std::string contractor = NewKey();
  ASSERT_TRUE(registry.Add({"contractor", PeerRole::kOutside, contractor}).ok());
  EXPECT_TRUE(registry.Add({"portal", PeerRole::kContext, portal}).ok()) << "the same again: no-op";
  EXPECT_EQ(registry.Add({"tasks", PeerRole::kContext, portal}).code(), Code::kConflict);
  EXPECT_EQ(registry.Add({"Portal!", PeerRole::kContext, NewKey()}).code(), Code::kInvalid);
  EXPECT_EQ(registry.Add({"x", PeerRole::kContext, "not a key"}).code(), Code::kInvalid);
  EXPECT_EQ(registry.Revoke(KeyId(portal)).value(), 1);
  EXPECT_EQ(registry.Revoke("portal").value(), 0) << "already revoked";
  EXPECT_EQ(registry.Revoke("nobody").status().code(), Code::kNotFound);
  EXPECT_EQ(registry.Add({"portal", PeerRole::kContext, portal}).code(), Code::kConflict)
      << "a revoked key comes back only as a new key";
  ASSERT_TRUE(registry.Save(path).ok());

  auto loaded = PeerRegistry::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->entries(), registry.entries());
  ASSERT_NE(loaded->FindKey(portal), nullptr);
  EXPECT_TRUE(loaded->FindKey(portal)->revoked);
  EXPECT_FALSE(loaded->FindKey(gateway)->revoked);
  ASSERT_NE(loaded->FindKey(contractor), nullptr);
  EXPECT_EQ(loaded->FindKey(contractor)->role, PeerRole::kOutside) << "saved and read as outside";
}

TEST(PeerRegistryTest, AMistypedLineIsAnErrorNamingTheLineNotASilentDoor) {
  testing::TempDir dir;
  const std::string path = dir.Sub("peers");
  const std::string key = NewKey();
  for (const std::string& bad : std::vector<std::string>{
           "portal context " + key, "portal wizard " + key + " active", "portal context abc active",
        "portal context " + key + " active extra", "portal context " + key + " maybe"}) {
    std::ofstream(path, std::ios::trunc) << "# header\nok context " << NewKey() << " active\n"
                                         << bad << "\n";
    auto loaded = PeerRegistry::Load(path);
    ASSERT_FALSE(loaded.ok()) << bad;
    EXPECT_NE(loaded.status().message().find(":3:"), std::string::npos)
        << loaded.status().message();
  }
  EXPECT_TRUE(PeerRegistry::Load(dir.Sub("missing")).value().entries().empty());
}

TEST(KeyDirectoryTest, EnsureKeysMakesWhatIsMissingOnceAndKeepsItAfterwards) {
  testing::TempDir dir;
  const std::string keys = dir.Sub("keys");
  ASSERT_TRUE(EnsureKeys(keys, {{"operator", PeerRole::kOperator}, {"portal", PeerRole::kContext}})
                  .ok());
  struct stat st {};
  ASSERT_EQ(::stat(keys.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  const auto portal = ReadKeyFile(KeyFileOf(keys, "portal"));
  ASSERT_TRUE(portal.ok());
  auto broker_pub = ReadPublicKeyFile(keys + "/broker.pub");
  ASSERT_TRUE(broker_pub.ok());
  EXPECT_EQ(*broker_pub, ReadKeyFile(KeyFileOf(keys, "broker")).value().public_key);
  // A second start changes nothing; a new peer is added beside the others.
  ASSERT_TRUE(EnsureKeys(keys, {{"portal", PeerRole::kContext}, {"tasks", PeerRole::kContext}}).ok());
  EXPECT_EQ(ReadKeyFile(KeyFileOf(keys, "portal")).value().public_key, portal->public_key);
  auto registry = PeerRegistry::Load(RegistryFileOf(keys)).value();
  EXPECT_EQ(registry.entries().size(), 3u);
  // The same key under another role is refused, not silently re-roled.
  EXPECT_EQ(EnsureKeys(keys, {{"portal", PeerRole::kTrusted}}).code(), Code::kConflict);
  // Rotation: a new key, the old one still registered until revoked.
  auto rotated = RotateKey(keys, {"portal", PeerRole::kContext});
  ASSERT_TRUE(rotated.ok());
  EXPECT_NE(*rotated, portal->public_key);
  registry = PeerRegistry::Load(RegistryFileOf(keys)).value();
  ASSERT_NE(registry.FindKey(portal->public_key), nullptr);
  EXPECT_FALSE(registry.FindKey(portal->public_key)->revoked);
  EXPECT_EQ(ReadKeyFile(KeyFileOf(keys, "portal")).value().public_key, *rotated);
}

}  // namespace
}  // namespace mcf::security
