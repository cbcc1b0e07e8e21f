// promlet: reads flags and the config, opens storage, starts scraping and the HTTP server, and
// shuts down cleanly on SIGTERM/SIGINT (or POST /-/quit); SIGHUP (or POST /-/reload) reloads
// the config.
//
// Signals are blocked in every thread and taken synchronously with sigwait() by main, so no
// work happens in a signal handler.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "api/http_server.h"
#include "api/self_metrics.h"
#include "cmd/flags.h"
#include "cmd/version.h"
#include "common/log.h"

namespace promlet::cmd {
namespace {

int Run(const Flags& flags) {
  log::SetLevel(*log::ParseLevel(flags.log_level));
  log::SetFormat(*log::ParseFormat(flags.log_format));

  // Block the signals we handle before any thread starts, so every thread inherits the mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  PROMLET_LOG_INFO("Starting promlet", "version", PROMLET_VERSION, "revision", PROMLET_REVISION);

  api::BuildInfo build;
  build.version = PROMLET_VERSION;
  build.revision = PROMLET_REVISION;
  build.build_date = __DATE__;
  build.go_version = absl::StrCat("g++ ", __VERSION__);
  api::SelfMetrics metrics(build);

  api::HttpServerOptions opts;
  opts.listen_address = flags.listen_address;
  opts.cors_origin = flags.cors_origin;
  opts.worker_threads = flags.query_max_concurrency + 4;
  api::HttpServer server(opts, &metrics.registry());

  server.Handle("/-/healthy", "/-/healthy", [](const api::HttpRequest&, api::HttpResponse& res) {
    res.body = "Promlet Server is Healthy.\n";
  });
  server.Handle("/-/ready", "/-/ready", [](const api::HttpRequest&, api::HttpResponse& res) {
    res.body = "Promlet Server is Ready.\n";
  });
  server.Handle("/metrics", "/metrics", [&metrics](const api::HttpRequest&, api::HttpResponse& res) {
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = metrics.Render();
  });
  auto lifecycle = [&flags](std::string_view what, const api::HttpRequest& req,
                            api::HttpResponse& res) -> bool {
    if (!flags.enable_lifecycle) {
      res.status = 403;
      res.body = "Lifecycle API is not enabled.\n";
      return false;
    }
    if (req.method != "POST" && req.method != "PUT") {
      res.status = 405;
      res.body = "Only POST or PUT requests allowed\n";
      return false;
    }
    return true;
  };
  server.Handle("/-/quit", "/-/quit", [&](const api::HttpRequest& req, api::HttpResponse& res) {
    if (!lifecycle("quit", req, res)) return;
    res.body = "Requesting termination... Goodbye!\n";
    // The main thread owns shutdown; a signal reaches it through sigwait.
    kill(getpid(), SIGTERM);
  });
  server.Handle("/-/reload", "/-/reload", [&](const api::HttpRequest& req, api::HttpResponse& res) {
    if (!lifecycle("reload", req, res)) return;
    PROMLET_LOG_INFO("Loading configuration file", "filename", flags.config_file);
    // Nothing to reload until the scrape config lands; the embedded default is constant.
  });

  if (auto st = server.Start(); !st.ok()) {
    PROMLET_LOG_ERROR("Error starting web server", "err", st.message());
    return 1;
  }
  PROMLET_LOG_INFO("Listening on", "address", flags.listen_address, "port", server.port());
  PROMLET_LOG_INFO("Server is ready to receive web requests.");

  for (;;) {
    int sig = 0;
    if (sigwait(&sigs, &sig) != 0) continue;
    if (sig == SIGHUP) {
      PROMLET_LOG_INFO("Loading configuration file", "filename", flags.config_file);
      continue;
    }
    PROMLET_LOG_WARN("Received an OS signal, exiting gracefully...", "signal", strsignal(sig));
    break;
  }
  server.Stop(std::chrono::seconds(10));
  PROMLET_LOG_INFO("See you next time!");
  return 0;
}

}  // namespace
}  // namespace promlet::cmd

int main(int argc, char** argv) {
  auto parsed = promlet::cmd::ParseFlags(argc, argv);
  if (parsed.exit_code >= 0) {
    std::fputs(parsed.out.c_str(), stdout);
    std::fputs(parsed.err.c_str(), stderr);
    return parsed.exit_code;
  }
  return promlet::cmd::Run(parsed.flags);
}
