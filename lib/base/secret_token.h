// NewSecretToken: a bearer token for a person or a worker — 32 bytes from libsodium's
// randombytes (the OS's random source) as 64 lowercase hex characters. Used where tokens
// are minted: the gateway (sign-in, staff, workers) and mcfctl (staff provisioning). Never for
// anything a replay must reproduce: a token is an input, carried in the command's body.
// Thread-safe.
#pragma once

#include <string>

namespace mcf {

std::string NewSecretToken();

}  // namespace mcf
