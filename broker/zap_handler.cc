#include "broker/zap_handler.h"

#include <spdlog/spdlog.h>

#include <vector>

#include "lib/base/log.h"
#include "lib/security/curve_keys.h"

namespace mcf::broker {
namespace {

constexpr std::string_view kZapEndpoint = "inproc://zeromq.zap.01";
constexpr std::string_view kZapVersion = "1.0";
// version, request id, domain, address, routing id, mechanism, then the mechanism's credentials
constexpr size_t kRequestFrames = 7;

std::string_view View(const zmq::message_t& m) {
  return {static_cast<const char*>(m.data()), m.size()};
}

}  // namespace

Result<std::unique_ptr<ZapHandler>> ZapHandler::Start(zmq::context_t& context) {
  try {
    zmq::socket_t socket(context, zmq::socket_type::rep);
    socket.set(zmq::sockopt::linger, 0);
    socket.bind(std::string(kZapEndpoint));
    return std::unique_ptr<ZapHandler>(new ZapHandler(std::move(socket)));
  } catch (const zmq::error_t& e) {
    return Status::Unavailable(std::string("cannot bind the ZAP handler: ") + e.what());
  }
}

Status ZapHandler::Allow(std::string_view public_key, std::string name) {
  if (!security::IsZ85Key(public_key)) return Status::Invalid("not a Z85 public key");
  names_[std::string(public_key)] = std::move(name);
  return Status::Ok();
}

bool ZapHandler::Revoke(std::string_view public_key) {
  return names_.erase(std::string(public_key)) > 0;
}

void ZapHandler::HandlePending() {
  std::vector<zmq::message_t> request;
  while (true) {
    request.clear();
    try {
      zmq::message_t frame;
      if (!socket_.recv(frame, zmq::recv_flags::dontwait)) return;
      request.push_back(std::move(frame));
      while (request.back().more()) {
        zmq::message_t next;
        (void)socket_.recv(next, zmq::recv_flags::none);
        request.push_back(std::move(next));
      }
    } catch (const zmq::error_t& e) {
      spdlog::error("event=zap_receive_failed error={}", Quoted(e.what()));
      return;
    }
    // A REP socket must answer every request, even one it cannot read.
    const std::string request_id = request.size() > 1 ? std::string(View(request[1])) : "";
    std::string status = "400", text = "malformed ZAP request", user;
    if (request.size() >= kRequestFrames && View(request[0]) == kZapVersion) {
      const std::string_view mechanism = View(request[5]);
      if (mechanism != "CURVE" || request.size() != kRequestFrames || request[6].size() != 32) {
        text = "only CURVE peers are let in";
      } else {
        char z85[security::kZ85KeyChars + 1];
        zmq_z85_encode(z85, static_cast<const uint8_t*>(request[6].data()), 32);
        const std::string key(z85, security::kZ85KeyChars);
        if (auto it = names_.find(key); it != names_.end()) {
          status = "200";
          text = "OK";
          user = it->second;
        } else {
          text = "unknown key " + security::KeyId(key);
        }
      }
    }
    if (status == "200") {
      ++accepted_;
    } else {
      ++refused_;
      spdlog::warn("event=peer_refused reason={} address={} total={}", Quoted(text),
                   request.size() > 3 ? Quoted(View(request[3])) : Quoted(""), refused_);
    }
    try {
      for (std::string_view part :
           {kZapVersion, std::string_view(request_id), std::string_view(status),
            std::string_view(text), std::string_view(user)})
        socket_.send(zmq::buffer(part), zmq::send_flags::sndmore);
      socket_.send(zmq::message_t(), zmq::send_flags::none);  // metadata: none
    } catch (const zmq::error_t& e) {
      spdlog::error("event=zap_reply_failed error={}", Quoted(e.what()));
      return;
    }
  }
}

}  // namespace mcf::broker
