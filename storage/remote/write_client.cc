#include "storage/remote/write_client.h"

#include <boost/asio/post.hpp>
#include <future>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "net/http/client_config.h"

namespace promlet::remote {

absl::Status ParseHttpUrl(const std::string& url, net::HttpClientOptions* out) {
  const size_t se = url.find("://");
  if (se == std::string::npos) return absl::InvalidArgumentError(absl::StrCat("invalid URL ", url));
  out->scheme = absl::AsciiStrToLower(url.substr(0, se));
  const size_t hs = se + 3;
  const size_t he = url.find_first_of("/?#", hs);
  std::string hostport = url.substr(hs, he == std::string::npos ? std::string::npos : he - hs);
  std::string target = he == std::string::npos ? "/" : url.substr(he);
  if (const size_t hash = target.find('#'); hash != std::string::npos) target.resize(hash);
  if (target.empty() || target[0] == '?') target = "/" + target;
  if (!hostport.empty() && hostport[0] == '[') {
    const size_t rb = hostport.find(']');
    if (rb == std::string::npos)
      return absl::InvalidArgumentError(absl::StrCat("invalid URL ", url));
    out->host = hostport.substr(1, rb - 1);
    if (rb + 1 < hostport.size() && hostport[rb + 1] == ':') out->port = hostport.substr(rb + 2);
  } else if (const size_t c = hostport.rfind(':'); c != std::string::npos) {
    out->host = hostport.substr(0, c);
    out->port = hostport.substr(c + 1);
  } else {
    out->host = hostport;
  }
  if (out->host.empty()) return absl::InvalidArgumentError(absl::StrCat("invalid URL ", url));
  out->target = target;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<WriteClient>> WriteClient::Create(
    boost::asio::any_io_executor executor, const config::RemoteWriteConfig& cfg) {
  net::HttpClientOptions o;
  if (auto st = ParseHttpUrl(cfg.url, &o); !st.ok()) return st;
  o.headers = cfg.headers;
  o.authorization = net::AuthorizationSource(cfg.http_client);
  o.tls = net::TlsOptionsOf(cfg.http_client.tls_config);
  o.error_on_non_2xx = false;
  o.accept_gzip = false;
  o.follow_redirects = cfg.http_client.follow_redirects;
  o.body_size_limit = 1 << 20;  // the receiver's answer is an error message at most
  auto proto = ParseWriteProtoName(cfg.protobuf_message);
  if (!proto.ok()) return proto.status();
  auto client = net::HttpClient::Create(executor, std::move(o));
  if (!client.ok()) return client.status();
  auto w = std::unique_ptr<WriteClient>(new WriteClient());
  w->executor_ = executor;
  w->client_ = std::move(*client);
  w->timeout_ = std::chrono::milliseconds(cfg.remote_timeout_ms);
  w->request_.method = "POST";
  w->request_.content_type = WriteContentType(*proto);
  w->request_.content_encoding = "snappy";
  w->request_.headers = {
      {"X-Prometheus-Remote-Write-Version",
       std::string(*proto == WriteProto::kV1 ? kRemoteWriteVersionV1 : kRemoteWriteVersionV2)}};
  return w;
}

WriteTransport::Result WriteClient::Send(const std::string& body) {
  net::HttpClientRequest req = request_;
  req.body = body;
  auto done = std::make_shared<std::promise<Result>>();
  std::future<Result> f = done->get_future();
  client_->AsyncSend(std::move(req), timeout_, [done](absl::StatusOr<net::HttpClientResponse> r) {
    Result out;
    if (r.ok()) {
      out.status = r->status;
      out.body = std::move(r->body);
    } else {
      out.body = std::string(r.status().message());
    }
    done->set_value(std::move(out));
  });
  return f.get();
}

void WriteClient::Cancel() {
  boost::asio::post(executor_, [c = client_] { c->Close(); });
}

}  // namespace promlet::remote
