// The web UI's routes: the expression browser (/query, /graph) and the status pages, served from
// the asset bundle compiled into the binary (web/ui/, built by esbuild and embedded as
// ui_assets.cc by web/ui/embed_assets.py). Nothing is read from disk at run time.
//
// Invariants:
//  - "/" redirects (302) to <external path>/query; "/graph" redirects there too, keeping its
//    query string (Prometheus 3 renamed the page; 2.x links and alert generatorURLs still work).
//  - Every page path in kUiPages answers the same index.html; its links to assets, pages and the
//    API are relative, so the UI works under --web.route-prefix, --web.external-url's path and
//    behind a proxy that strips a prefix; the browser-side router picks the page.
//  - /assets/<file> answers the embedded file, pre-compressed gzip when the client accepts it,
//    with an ETag (If-None-Match answers 304).
//  - Any other path no route claims answers 404: an HTML page for browsers (Accept: text/html),
//    "404 page not found" otherwise, as before the UI existed. /api/ paths are the API's.
//  - The routes sit behind the server's basic auth and TLS like every other path.
#ifndef PROMLET_WEB_UI_ROUTES_H_
#define PROMLET_WEB_UI_ROUTES_H_

#include <string>
#include <string_view>

#include "net/http/server.h"

namespace promlet::web {

struct UiOptions {
  // --web.external-url, as computed by the flags (e.g. "http://host:9090/prom/"): its path is
  // where "/" redirects to (then "/query" under it).
  std::string external_url;
  // --web.route-prefix ("/" or "/a/b"): the redirect's prefix when the external URL has no path.
  std::string route_prefix = "/";
};

// The paths the browser-side router knows (handler view, without the route prefix).
inline constexpr std::string_view kUiPages[] = {"/query",       "/targets", "/service-discovery",
                                                "/alerts",      "/rules",   "/status",
                                                "/tsdb-status", "/config",  "/flags"};

// "" for "/", else "/a/b" (no trailing slash): the path of an external URL.
std::string ExternalUrlPath(std::string_view external_url);

void RegisterUiRoutes(net::HttpServer& server, const UiOptions& options);

}  // namespace promlet::web

#endif  // PROMLET_WEB_UI_ROUTES_H_
