// The HttpClientOptions that a section's HTTP client settings (config::HttpClientConfig, inline
// in scrape_configs and alerting.alertmanagers) ask for: the Authorization header source and the
// TLS options. Shared by every module that sends requests (scrape, notifier), so that auth and
// TLS behave the same everywhere.
//
// Invariants: the authorization source reads password_file / credentials_file at each call
// (secret files may rotate) and trims surrounding whitespace, as Prometheus does; an unreadable
// file is an error naming it, which fails that request only.
#ifndef PROMLET_NET_HTTP_CLIENT_CONFIG_H_
#define PROMLET_NET_HTTP_CLIENT_CONFIG_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "config/http_client_config.h"
#include "net/http/client.h"

namespace promlet::net {

// "Basic <base64>" or "<type> <credentials>" per request; null when no auth is configured.
std::function<absl::StatusOr<std::string>()> AuthorizationSource(const config::HttpClientConfig& c);

HttpTlsOptions TlsOptionsOf(const config::TlsConfig& tls);

}  // namespace promlet::net

#endif  // PROMLET_NET_HTTP_CLIENT_CONFIG_H_
