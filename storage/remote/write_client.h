// WriteClient: the HTTP WriteTransport of a remote_write queue, on promlet's one HTTP client
// (net/http/client.h): POST <url> with the snappy-compressed request, the protocol's headers
// (Content-Encoding: snappy, Content-Type with proto=, X-Prometheus-Remote-Write-Version), the
// configured headers, auth and TLS, within remote_timeout. One client per shard: one request
// in flight each, the connection kept alive between batches.
#ifndef PROMLET_STORAGE_REMOTE_WRITE_CLIENT_H_
#define PROMLET_STORAGE_REMOTE_WRITE_CLIENT_H_

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "config/remote_write_config.h"
#include "net/http/client.h"
#include "storage/remote/codec.h"
#include "storage/remote/queue_manager.h"

namespace promlet::remote {

class WriteClient : public WriteTransport {
 public:
  // Fails on a URL or TLS setting the HTTP client cannot use.
  static absl::StatusOr<std::unique_ptr<WriteClient>> Create(boost::asio::any_io_executor executor,
                                                             const config::RemoteWriteConfig& cfg);
  Result Send(const std::string& body) override;
  void Cancel() override;

 private:
  WriteClient() = default;
  boost::asio::any_io_executor executor_;
  std::shared_ptr<net::HttpClient> client_;  // shared with a posted Close()
  net::HttpClientRequest request_;           // body filled per Send
  std::chrono::milliseconds timeout_{30000};
};

// Splits an http(s) URL into the client's scheme, host, port and target.
absl::Status ParseHttpUrl(const std::string& url, net::HttpClientOptions* out);

}  // namespace promlet::remote

#endif  // PROMLET_STORAGE_REMOTE_WRITE_CLIENT_H_
