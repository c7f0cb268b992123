#include "lib/security/curve_keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/support/temp_dir.h"

namespace mcf::security {
namespace {

void WriteText(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path, std::ios::trunc) << text;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

TEST(CurveKeysTest, AGeneratedPairIsWrittenPrivatelyAndReadBack) {
  testing::TempDir dir;
  auto pair = GenerateCurveKeyPair();
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  EXPECT_TRUE(IsZ85Key(pair->public_key));
  EXPECT_TRUE(IsZ85Key(pair->secret_key));
  EXPECT_NE(pair->public_key, pair->secret_key);
  EXPECT_EQ(PublicKeyOf(pair->secret_key).value(), pair->public_key);

  const std::string path = dir.Sub("portal.key");
  ASSERT_TRUE(WriteKeyFile(path, *pair).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto back = ReadKeyFile(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->public_key, pair->public_key);
  EXPECT_EQ(back->secret_key, pair->secret_key);

  const std::string pub = dir.Sub("broker.pub");
  ASSERT_TRUE(WritePublicKeyFile(pub, pair->public_key).ok());
  EXPECT_EQ(ReadPublicKeyFile(pub).value(), pair->public_key);
  EXPECT_NE(GenerateCurveKeyPair()->public_key, pair->public_key);
}

TEST(CurveKeysTest, ASecretOthersMayReadIsRefused) {
  testing::TempDir dir;
  auto pair = GenerateCurveKeyPair();
  ASSERT_TRUE(pair.ok());
  const std::string path = dir.Sub("tasks.key");
  ASSERT_TRUE(WriteKeyFile(path, *pair).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto read = ReadKeyFile(path);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("chmod 600"), std::string::npos)
      << read.status().message();
  EXPECT_EQ(ReadKeyFile(dir.Sub("missing.key")).status().code(), Code::kNotFound);
}

TEST(CurveKeysTest, BadKeyFilesAreRefusedSayingWhat) {
  testing::TempDir dir;
  auto a = GenerateCurveKeyPair(), b = GenerateCurveKeyPair();
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string path = dir.Sub("bad.key");
  auto message = [&](const std::string& text) {
    WriteText(path, text, 0600);
    auto r = ReadKeyFile(path);
    return r.ok() ? std::string("accepted") : r.status().message();
  };
  EXPECT_NE(message("").find("no 'public' line"), std::string::npos);
  EXPECT_NE(message("public " + a->public_key + "\n").find("no 'secret' line"), std::string::npos);
  EXPECT_NE(message("secret " + a->secret_key + "\npublic " + a->public_key + "\n")
                .find("expected a line 'public "),
            std::string::npos);
  EXPECT_NE(message("public short\nsecret " + a->secret_key + "\n").find("not 40 Z85"),
            std::string::npos);
  // A public key from another pair: the file was put together by hand, wrongly.
  EXPECT_NE(message("public " + b->public_key + "\nsecret " + a->secret_key + "\n")
                .find("does not belong"),
            std::string::npos);
  EXPECT_FALSE(WriteKeyFile(path, CurveKeyPair{b->public_key, a->secret_key}).ok());
  EXPECT_FALSE(IsZ85Key(std::string(40, ' ')));  // space is not in the Z85 alphabet
  EXPECT_FALSE(IsZ85Key(a->public_key.substr(1)));
  EXPECT_FALSE(PublicKeyOf("nope").ok());
}

TEST(CurveKeysTest, KeyIdsAreShortStableAndTellKeysApart) {
  auto a = GenerateCurveKeyPair(), b = GenerateCurveKeyPair();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(KeyId(a->public_key), KeyId(a->public_key));
  EXPECT_NE(KeyId(a->public_key), KeyId(b->public_key));
  EXPECT_EQ(KeyId(a->public_key).size(), 14u);
  EXPECT_EQ(KeyId(a->public_key).find(a->public_key.substr(0, 8)), std::string::npos);
}

}  // namespace
}  // namespace mcf::security
