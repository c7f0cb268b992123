#include "lib/security/curve_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "lib/base/file_io.h"
#include "lib/base/stable_hash.h"

namespace mcf::security {
namespace {


Result<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  if (s.size() > 4096) return Status::Invalid(path + ": longer than a key file can be");
  return s;
}

// "<label> <key>" as one line of a key file.
Result<std::string> KeyLine(std::istringstream& lines, std::string_view label,
                            const std::string& path) {
  std::string line;
  if (!std::getline(lines, line))
    return Status::Invalid(path + ": no '" + std::string(label) + "' line");
  const std::string prefix = std::string(label) + " ";
  if (line.rfind(prefix, 0) != 0)
    return Status::Invalid(path + ": expected a line '" + prefix + "<40 Z85 characters>'");
  std::string key = line.substr(prefix.size());
  if (!IsZ85Key(key))
    return Status::Invalid(path + ": the " + std::string(label) + " key is not 40 Z85 characters");
  return key;
}

}  // namespace

Result<CurveKeyPair> GenerateCurveKeyPair() {
  char pub[kZ85KeyChars + 1], sec[kZ85KeyChars + 1];
  if (zmq_curve_keypair(pub, sec) != 0)
    return Status::Unavailable(std::string("libzmq cannot make CURVE keys: ") +
                               zmq_strerror(zmq_errno()));
  return CurveKeyPair{std::string(pub, kZ85KeyChars), std::string(sec, kZ85KeyChars)};
}

bool IsZ85Key(std::string_view key) {
  if (key.size() != kZ85KeyChars) return false;
  uint8_t bytes[32];
  const std::string text(key);  // zmq_z85_decode wants a terminated string
  return zmq_z85_decode(bytes, text.c_str()) != nullptr;
}

Result<std::string> PublicKeyOf(std::string_view secret_key) {
  if (!IsZ85Key(secret_key)) return Status::Invalid("not a Z85 key (40 characters)");
  char pub[kZ85KeyChars + 1];
  const std::string sec(secret_key);
  if (zmq_curve_public(pub, sec.c_str()) != 0)
    return Status::Unavailable(std::string("libzmq cannot derive a CURVE public key: ") +
                               zmq_strerror(zmq_errno()));
  return std::string(pub, kZ85KeyChars);
}

Status WriteKeyFile(const std::string& path, const CurveKeyPair& pair) {
  ASSIGN_OR_RETURN(const std::string derived, PublicKeyOf(pair.secret_key));
  if (derived != pair.public_key)
    return Status::Invalid("the public key does not belong to the secret key");
  return WriteFileAtomically(path, "public " + pair.public_key + "\nsecret " + pair.secret_key + "\n",
                         0600);
}

Result<CurveKeyPair> ReadKeyFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Status::NotFound("no key file " + path + ": " + std::strerror(errno));
  if ((st.st_mode & 077) != 0)
    return Status::Invalid(path + ": group or others may read this secret key (chmod 600 it)");
  ASSIGN_OR_RETURN(const std::string text, ReadSmallFile(path));
  std::istringstream lines(text);
  CurveKeyPair pair;
  ASSIGN_OR_RETURN(pair.public_key, KeyLine(lines, "public", path));
  ASSIGN_OR_RETURN(pair.secret_key, KeyLine(lines, "secret", path));
  ASSIGN_OR_RETURN(const std::string derived, PublicKeyOf(pair.secret_key));
  if (derived != pair.public_key)
    return Status::Invalid(path + ": the public key does not belong to the secret key");
  return pair;
}

Status WritePublicKeyFile(const std::string& path, std::string_view public_key) {
  if (!IsZ85Key(public_key)) return Status::Invalid("not a Z85 key (40 characters)");
  return WriteFileAtomically(path, "public " + std::string(public_key) + "\n", 0644);
}

Result<std::string> ReadPublicKeyFile(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string text, ReadSmallFile(path));
  std::istringstream lines(text);
  return KeyLine(lines, "public", path);
}

std::string KeyId(std::string_view public_key) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(StableHash(0x6b6579, public_key)));
  return "k:" + std::string(hex, 12);
}

}  // namespace mcf::security
