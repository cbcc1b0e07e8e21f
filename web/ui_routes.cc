#include "web/ui_routes.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "web/ui_assets.h"

namespace promlet::web {
namespace {

// index.html's links are relative to this placeholder, replaced per page by the way back to the
// UI's root ("./" for /query, "../" for /a/b): the page works under any route prefix or proxy path.
constexpr std::string_view kBasePlaceholder = "__BASE__";

const ui_assets::Asset* FindAsset(std::string_view path) {
  for (size_t i = 0; i < ui_assets::kAssetCount; ++i) {
    if (ui_assets::kAssets[i].path == path) return &ui_assets::kAssets[i];
  }
  return nullptr;
}

bool HeaderHas(const net::HttpRequest& req, std::string_view name, std::string_view token) {
  return req.Header(name).find(token) != std::string_view::npos;
}

bool AcceptsGzip(const net::HttpRequest& req) {
  return net::AcceptsGzip(req.Header("accept-encoding"));
}

std::string ReplaceAll(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  size_t pos = 0;
  for (size_t hit; (hit = text.find(from, pos)) != std::string_view::npos;
       pos = hit + from.size()) {
    out.append(text.substr(pos, hit - pos)).append(to);
  }
  out.append(text.substr(pos));
  return out;
}

// index.html for the top-level pages, plain and gzipped, built once at registration.
struct IndexPage {
  std::string body;
  std::string gzip_body;
};

std::string_view IndexTemplate() {
  const ui_assets::Asset* html = FindAsset("/index.html");
  return html == nullptr ? std::string_view() : html->body;
}

// "./" for "/query", "../" for "/a/b", "../../" for "/a/b/c".
std::string RelativeBase(std::string_view path) {
  size_t depth = 0;
  for (size_t i = 1; i < path.size(); ++i) depth += path[i] == '/';
  if (depth == 0) return "./";
  std::string base;
  for (size_t i = 0; i < depth; ++i) base += "../";
  return base;
}

void ServeIndex(const IndexPage& page, const net::HttpRequest& req, net::HttpResponse& res) {
  res.content_type = "text/html; charset=utf-8";
  res.headers.emplace_back("Cache-Control", "no-cache");
  res.headers.emplace_back("Vary", "Accept-Encoding");
  res.compressible = false;
  if (AcceptsGzip(req)) {
    res.headers.emplace_back("Content-Encoding", "gzip");
    res.body = page.gzip_body;
  } else {
    res.body = page.body;
  }
}

void Redirect(std::string location, net::HttpResponse& res) {
  res.status = 302;
  res.content_type = "text/html; charset=utf-8";
  res.body = absl::StrCat("<a href=\"", location, "\">Found</a>.\n");
  res.headers.emplace_back("Location", std::move(location));
}

}  // namespace

std::string ExternalUrlPath(std::string_view external_url) {
  std::string_view rest = external_url;
  if (size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    rest.remove_prefix(scheme + 3);
    size_t slash = rest.find('/');
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  if (size_t end = rest.find_first_of("?#"); end != std::string_view::npos)
    rest = rest.substr(0, end);
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  return std::string(rest);
}

void RegisterUiRoutes(net::HttpServer& server, const UiOptions& options) {
  auto index = std::make_shared<IndexPage>();
  index->body = ReplaceAll(IndexTemplate(), kBasePlaceholder, "./");
  index->gzip_body = net::GzipCompress(index->body);

  net::RouteOptions get_only;
  get_only.methods = {"GET", "HEAD"};
  // As Prometheus, to the external URL's path; when only --web.route-prefix is set, to that.
  std::string prefix = ExternalUrlPath(options.external_url);
  if (prefix.empty() && options.route_prefix != "/") prefix = options.route_prefix;
  const std::string query_page = absl::StrCat(prefix, "/query");
  server.Handle(
      "/", "/",
      [query_page](const net::HttpRequest&, net::HttpResponse& res) { Redirect(query_page, res); },
      get_only);
  server.Handle(
      "/graph", "/graph",
      [query_page](const net::HttpRequest& req, net::HttpResponse& res) {
        Redirect(req.query.empty() ? query_page : absl::StrCat(query_page, "?", req.query), res);
      },
      get_only);
  for (std::string_view page : kUiPages) {
    server.Handle(
        std::string(page), std::string(page),
        [index](const net::HttpRequest& req, net::HttpResponse& res) {
          ServeIndex(*index, req, res);
        },
        get_only);
  }
  server.HandlePrefix(
      "/assets/", "/assets/",
      [](const net::HttpRequest& req, net::HttpResponse& res) {
        const ui_assets::Asset* asset = FindAsset(req.path);
        if (asset == nullptr) {
          res.status = 404;
          res.body = "404 page not found\n";
          return;
        }
        res.headers.emplace_back("ETag", std::string(asset->etag));
        res.headers.emplace_back("Cache-Control", "no-cache");
        res.headers.emplace_back("Vary", "Accept-Encoding");
        res.content_type = std::string(asset->content_type);
        res.compressible = false;
        if (req.Header("if-none-match") == asset->etag) {
          res.status = 304;
          return;
        }
        if (AcceptsGzip(req)) {
          res.headers.emplace_back("Content-Encoding", "gzip");
          res.body = std::string(asset->gzip_body);
        } else {
          res.body = std::string(asset->body);
        }
      },
      get_only);
  // Everything else: browsers get the UI's 404 page, other clients the server's plain answer.
  server.HandlePrefix("/", "/404", [](const net::HttpRequest& req, net::HttpResponse& res) {
    if (req.method == "GET" && HeaderHas(req, "accept", "text/html")) {
      res.content_type = "text/html; charset=utf-8";
      res.body = ReplaceAll(IndexTemplate(), kBasePlaceholder, RelativeBase(req.path));
    } else {
      res.body = "404 page not found\n";
    }
    res.status = 404;
  });
}

}  // namespace promlet::web
