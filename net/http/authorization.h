// The Authorization header an outgoing request carries, from the shared HTTP client settings
// (config::HttpClientConfig: basic_auth or authorization, secrets inline or in files). Used by
// scraping and remote write alike.
//
// Invariant: secret files are read at each call (they may rotate) and trimmed of surrounding
// whitespace, as Prometheus does; an unreadable file is an error naming it, never an empty secret.
#ifndef PROMLET_NET_HTTP_AUTHORIZATION_H_
#define PROMLET_NET_HTTP_AUTHORIZATION_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "config/http_client_config.h"

namespace promlet::net {

// The header value source for HttpClientOptions::authorization; null when no auth is set.
std::function<absl::StatusOr<std::string>()> AuthorizationSource(const config::HttpClientConfig& c);

}  // namespace promlet::net

#endif  // PROMLET_NET_HTTP_AUTHORIZATION_H_
