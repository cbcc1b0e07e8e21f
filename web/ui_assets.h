// The web UI's files, compiled into the binary: the definitions are generated at build time
// (ui_assets.cc, written by web/ui/embed_assets.py from esbuild's output). Each asset has its
// bytes, the same bytes gzip-compressed, its content type and an ETag derived from its content.
// When the bundle could not be built (no web/ui/node_modules), kUiBuilt is false and index.html
// is a page saying how to build it.
#ifndef PROMLET_WEB_UI_ASSETS_H_
#define PROMLET_WEB_UI_ASSETS_H_

#include <cstddef>
#include <string_view>

namespace promlet::web::ui_assets {

struct Asset {
  std::string_view path;  // "/index.html", "/assets/main.js", ...
  std::string_view content_type;
  std::string_view body;
  std::string_view gzip_body;
  std::string_view etag;  // quoted
};

extern const Asset kAssets[];
extern const size_t kAssetCount;
extern const bool kUiBuilt;

}  // namespace promlet::web::ui_assets

#endif  // PROMLET_WEB_UI_ASSETS_H_
