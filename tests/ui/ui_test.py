#!/usr/bin/env python3
"""promlet's web UI, end to end: starts the binary on 127.0.0.1 and checks what a user sees.

  ui_test.py routes  --binary build/promlet --out-dir DIR   plain HTTP checks (python3 only)
  ui_test.py browser --binary build/promlet --out-dir DIR   headless chromium via selenium
  ui_test.py perf    --binary build/promlet --out-dir DIR   timing figures only

The browser mode exits 77 (ctest's skip) only when chromium, chromedriver or selenium is missing.
Every address used is 127.0.0.1; screenshots and figures are written to --out-dir.
"""
import argparse
import base64
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # bcrypt through libxcrypt, as htpasswd; removed from Python 3.13
import gzip
import http.client
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILURES.append(what)
    return cond


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Exporter:
    """A loopback /metrics page with `series` gauges perf_series{i="0".."n-1"}."""

    def __init__(self, series):
        body = "".join('perf_series{i="%d"} %d\n' % (i, i) for i in range(series)).encode()
        body = b"# HELP perf_series A gauge per i, for the UI test.\n# TYPE perf_series gauge\n" + body

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


class Promlet:
    def __init__(self, binary, workdir, exporter_port, extra_args=(), auth=None):
        self.port = free_port()
        self.prefix = ""
        self.auth = auth
        for a in extra_args:
            if a.startswith("--web.route-prefix="):
                self.prefix = "/" + a.split("=", 1)[1].strip("/")
            elif a.startswith("--web.external-url="):
                self.prefix = "/" + urllib.parse.urlsplit(a.split("=", 1)[1]).path.strip("/")
        self.dead_port = free_port()  # nothing listens: the "broken" target's error
        self.dir = tempfile.mkdtemp(prefix="promlet-ui-", dir=workdir)
        cfg = os.path.join(self.dir, "promlet.yml")
        with open(cfg, "w") as f:
            f.write(f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: ui-self
    metrics_path: {self.prefix}/metrics
    static_configs:
      - targets: ['127.0.0.1:{self.port}']
  - job_name: ui-exporter
    static_configs:
      - targets: ['127.0.0.1:{exporter_port}']
        labels:
          team: ui-test
  - job_name: ui-broken
    static_configs:
      - targets: ['127.0.0.1:{self.dead_port}']
""")
        args = [binary, f"--config.file={cfg}", f"--web.listen-address=127.0.0.1:{self.port}",
                f"--storage.tsdb.path={self.dir}/data", *extra_args]
        self.log = open(os.path.join(self.dir, "promlet.log"), "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if self.get(self.prefix + "/-/ready")[0] == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        log = open(self.log.name).read()
        self.stop()
        raise SystemExit("promlet did not become ready:\n" + log)

    def request(self, method, path, headers=None, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = dict(headers or {})
        if self.auth and "Authorization" not in h:
            h["Authorization"] = "Basic " + base64.b64encode(self.auth.encode()).decode()
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body

    def get(self, path, headers=None):
        return self.request("GET", path, headers)

    def api(self, path):
        status, _, body = self.get(self.prefix + "/api/v1/" + path)
        doc = json.loads(body)
        if status != 200:
            raise RuntimeError(f"{path}: {status} {doc}")
        return doc["data"]

    def base_url(self):
        return f"http://127.0.0.1:{self.port}{self.prefix}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_for(what, fn, timeout=30):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 (the server may still be starting)
            last = e
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}: {last}")


def wait_scraped(p):
    """Until all three targets were scraped and the broken one has its error."""
    def ready():
        targets = p.api("targets")["activeTargets"]
        return len(targets) == 3 and all(t["health"] != "unknown" for t in targets) and targets
    return wait_for("three scraped targets", ready)


# ---------------------------------------------------------------------------------------------
def require_built_ui(p):
    body = p.get("/query")[2]
    if b"was not built into this binary" in body:
        print("FAIL the binary carries the placeholder page, not the UI: web/ui/node_modules was missing "
              "when cmake ran. Run scripts/install-deps.sh (npm ci in web/ui), re-run cmake, rebuild.")
        raise SystemExit(1)


def run_routes(args, exporter):
    p = Promlet(args.binary, args.out_dir, exporter.port)
    try:
        require_built_ui(p)
        status, h, _ = p.get("/")
        check(status == 302 and h.get("location") == "/query", f"/ redirects to /query ({status} {h.get('location')})")
        status, h, _ = p.get("/graph?g0.expr=up&g0.tab=0")
        check(status == 302 and h.get("location") == "/query?g0.expr=up&g0.tab=0",
              f"/graph redirects to /query keeping the URL state ({h.get('location')})")
        for page in ["/query", "/targets", "/service-discovery", "/alerts", "/rules", "/status",
                     "/tsdb-status", "/config", "/flags"]:
            status, h, body = p.get(page)
            check(status == 200 and h.get("content-type", "").startswith("text/html")
                  and b'src="./assets/main.js"' in body, f"{page} serves the UI page")
        status, h, body = p.get("/assets/main.js", {"Accept-Encoding": "gzip"})
        check(status == 200 and h.get("content-encoding") == "gzip"
              and h.get("content-type", "").startswith("text/javascript"), "main.js is served gzipped")
        raw = gzip.decompress(body)
        status2, _, plain = p.get("/assets/main.js")
        check(status2 == 200 and plain == raw, "main.js without gzip is the same bytes")
        print(f"figure: bundle main.js {len(raw)} bytes, {len(body)} gzip", flush=True)
        status, h, body = p.get("/assets/main.css", {"Accept-Encoding": "gzip"})
        check(status == 200 and h.get("content-type", "").startswith("text/css"), "main.css is served")
        status, _, _ = p.get("/assets/main.js", {"If-None-Match": h.get("etag", "x")})
        check(status == 200, "a foreign ETag gets the body")
        etag = p.get("/assets/main.js")[1].get("etag")
        check(p.get("/assets/main.js", {"If-None-Match": etag})[0] == 304, "the asset's ETag answers 304")
        check(p.get("/assets/nope.js")[0] == 404, "an unknown asset is 404")
        status, h, body = p.get("/no/such/page")
        check(status == 404 and body == b"404 page not found\n", "unknown path: plain 404 for non-browsers")
        status, h, body = p.get("/no/such/page", {"Accept": "text/html,*/*"})
        check(status == 404 and b'src="../../assets/main.js"' in body,
              "unknown path: the UI's 404 page for browsers, assets linked relatively")
        check(p.get("/api/v1/nope")[0] == 404, "unknown API path stays the API's 404")
        check(p.get("/api/v1/status/buildinfo")[0] == 200, "API paths unchanged")
        check(p.request("POST", "/query")[0] == 405, "pages answer GET and HEAD only")
    finally:
        p.stop()

    # Route prefix: pages, assets and the redirect live under it.
    p = Promlet(args.binary, args.out_dir, exporter.port, ["--web.route-prefix=/prom/"])
    try:
        status, h, _ = p.get("/prom/")
        check(status == 302 and h.get("location") == "/prom/query", f"/prom/ redirects to /prom/query ({h.get('location')})")
        check(p.get("/prom/query")[0] == 200, "/prom/query serves the UI")
        check(p.get("/prom/assets/main.js")[0] == 200, "/prom/assets/main.js is served")
        check(p.get("/query")[0] == 404, "/query outside the prefix is 404")
    finally:
        p.stop()
    p = Promlet(args.binary, args.out_dir, exporter.port, ["--web.external-url=http://127.0.0.1:1/ext/"])
    try:
        status, h, _ = p.get("/ext/")
        check(status == 302 and h.get("location") == "/ext/query", f"external URL path: /ext/ redirects to /ext/query ({h.get('location')})")
    finally:
        p.stop()

    # Basic auth guards the UI like the API.
    workdir = tempfile.mkdtemp(prefix="promlet-ui-auth-", dir=args.out_dir)
    try:
        web_cfg = os.path.join(workdir, "web.yml")
        with open(web_cfg, "w") as f:
            f.write("basic_auth_users:\n  ui: %s\n" % crypt.crypt("secret", "$2b$04$abcdefghijklmnopqrstuu"))
        p = Promlet(args.binary, args.out_dir, exporter.port, [f"--web.config.file={web_cfg}"], auth="ui:secret")
        try:
            check(p.get("/query")[0] == 200, "with basic auth: /query answers the right user")
            check(p.get("/query", {"Authorization": "Basic " + base64.b64encode(b"ui:wrong").decode()})[0] == 401,
                  "with basic auth: a wrong password gets 401")
            check(p.get("/assets/main.js", {"Authorization": ""})[0] == 401, "with basic auth: assets need it too")
        finally:
            p.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
def browser_or_skip():
    chromium = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    try:
        from selenium import webdriver  # noqa: F401
    except ImportError:
        webdriver = None
        # Debian's python3-selenium lives in the system python; another python3 may come first.
        system = "/usr/bin/python3"
        if os.path.exists(system) and os.path.realpath(sys.executable) != os.path.realpath(system):
            os.execv(system, [system] + sys.argv)
    if not chromium or not driver or webdriver is None:
        print("SKIP: the browser test needs Debian's chromium, chromium-driver and python3-selenium "
              f"(chromium={chromium}, chromedriver={driver}, selenium={'yes' if webdriver else 'no'}); "
              "scripts/install-deps.sh installs them", flush=True)
        sys.exit(77)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1400,1000", "--no-first-run", "--disable-extensions",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-default-apps", "--metrics-recording-only", "--no-default-browser-check"]:
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=opts)


def start_or_quit(driver, start):
    """start() (a Promlet); the browser is closed when the server does not come up."""
    try:
        return start()
    except BaseException:
        driver.quit()
        raise


class Browser:
    """The page's console and network activity, checked after each step."""

    def __init__(self, driver, base, out_dir):
        self.d = driver
        self.base = base
        self.out_dir = out_dir
        self.origin = base.split("/", 3)[:3]
        self.origin = "/".join(self.origin)

    def open(self, path):
        self.d.get(self.base + path)

    def wait(self, what, fn, timeout=20):
        try:
            return wait_for(what, lambda: fn(self.d), timeout)
        except SystemExit:
            self.shot("timeout")
            print("page text at the timeout:\n" + text_of(self, "body")[:3000], flush=True)
            print("console:", self.d.get_log("browser"), flush=True)
            raise

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def shot(self, name):
        self.d.save_screenshot(os.path.join(self.out_dir, f"ui-{name}.png"))

    def check_logs(self, step, allow=()):
        """No console errors and no failed or off-host requests since the last call, except the
        responses listed in `allow` (substrings of the URL with the expected status)."""
        errors = [e for e in self.d.get_log("browser") if e["level"] == "SEVERE"]
        requests, failed = [], []
        statuses = {}
        for entry in self.d.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            method, params = msg.get("method"), msg.get("params", {})
            if method == "Network.requestWillBeSent":
                requests.append(params["request"]["url"])
            elif method == "Network.loadingFailed" and not params.get("canceled"):
                failed.append(params.get("errorText", "") + " " + params.get("requestId", ""))
            elif method == "Network.responseReceived":
                statuses[params["response"]["url"]] = params["response"]["status"]

        def allowed(url, status):
            return any(a in url and status == code for a, code in allow)
        bad_status = {u: s for u, s in statuses.items() if s >= 400 and not allowed(u, s)}
        errors = [e for e in errors if not any(
            a in e["message"] and str(code) in e["message"] for a, code in allow)]
        off_host = [u for u in requests if not (u.startswith(self.origin + "/") or u.startswith("data:"))]
        check(not errors, f"{step}: no console errors {[e['message'] for e in errors]}")
        check(not failed, f"{step}: no failed requests {failed}")
        check(not bad_status, f"{step}: no error responses {bad_status}")
        check(not off_host, f"{step}: no requests off 127.0.0.1 {off_host}")
        return requests


def text_of(b, css):
    return b.js("return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText).join('\\n')", css)


def run_browser(args, exporter):
    driver = browser_or_skip()
    p = start_or_quit(driver, lambda: Promlet(args.binary, args.out_dir, exporter.port))
    try:
        require_built_ui(p)
        targets = wait_scraped(p)
        b = Browser(driver, p.base_url(), args.out_dir)
        up = wait_for("up for three targets", lambda: len(p.api("query?query=up")["result"]) == 3 and p.api("query?query=up")["result"])
        # The graph's range query ends at the current whole second: wait until that sees them too.
        wait_for("up in a range query", lambda: len(p.api(
            "query_range?query=up&step=1&start=%d&end=%d" % (int(time.time()) - 300, int(time.time())))["result"]) == 3)

        b.open("/")
        b.wait("the redirect to /query", lambda d: d.current_url.split("?")[0].endswith("/query"))
        check(b.d.current_url.split("?")[0] == p.base_url() + "/query", f"/ lands on /query ({b.d.current_url})")
        b.wait("the editor", lambda d: b.js("return !!document.querySelector('.cm-content')"))
        b.check_logs("query page")

        # Graph: one legend entry per series.
        b.open("/query?g0.expr=up&g0.tab=graph&g0.range_input=5m")
        b.wait("a drawn graph", lambda d: b.js("return document.querySelector('.chart[data-drawn]') !== null"))
        legend = b.js("return document.querySelectorAll('.u-legend tr.u-series').length") - 1  # minus time
        check(legend == len(up), f"graph: {legend} legend entries for {len(up)} series")
        check(b.js("return document.querySelectorAll('.chart canvas').length") >= 1, "graph: a canvas is drawn")
        check("Result series: 3" in text_of(b, ".stats"), f"graph: stats shown ({text_of(b, '.stats')})")
        # Toggling a series from the legend.
        b.js("document.querySelectorAll('.u-legend tr.u-series')[1].querySelector('th').click()")
        check(b.js("return document.querySelectorAll('.u-legend tr.u-series.u-off').length") == 1, "graph: a legend click hides its series")
        b.shot("graph")
        # Dragging across the chart zooms: the panel's range and end follow (and the URL).
        from selenium.webdriver.common.action_chains import ActionChains
        over = b.d.find_element("css selector", ".chart .u-over")
        b.js("document.querySelector('.chart').dataset.old = '1'")
        half = over.size["width"] // 2  # offsets are from the centre; the data is at the right end
        ActionChains(b.d).move_to_element_with_offset(over, half - 250, 0).click_and_hold() \
            .move_by_offset(247, 0).release().perform()
        b.wait("the zoomed range in the URL", lambda d: "g0.end_input=" in d.current_url and "g0.range_input=5m" not in d.current_url)
        b.wait("the zoomed graph", lambda d: b.js(
            "return document.querySelector('.chart[data-drawn]:not([data-old]), .result .empty') !== null"))
        state = urllib.parse.parse_qs(urllib.parse.urlsplit(b.d.current_url).query)
        check(state["g0.range_input"][0] in ("1m", "59s", "58s", "57s", "56s"),
              f"zooming sets the range to the selected span ({state['g0.range_input']})")
        b.check_logs("graph")

        # Stacked, from the 2.x URL state.
        b.open("/graph?g0.expr=up&g0.tab=0&g0.stacked=1&g0.range_input=5m")
        b.wait("a stacked graph", lambda d: b.js("return document.querySelector('.chart[data-drawn]') !== null"))
        check(b.d.current_url.split("?")[0].endswith("/query"), "/graph opens the query page")
        check(b.js("return document.querySelector('.controls input[type=checkbox]').checked"), "g0.stacked=1 checks Stacked")
        b.shot("graph-stacked")
        b.check_logs("stacked graph")

        # Table: one row per series; the URL keeps the state of every panel.
        b.open("/query?g0.expr=up&g0.tab=table&g1.expr=count(up)&g1.tab=table")
        b.wait("two tables", lambda d: b.js("return document.querySelectorAll('.result-table').length") == 2)
        rows = b.js("return document.querySelectorAll('.panel')[0].querySelectorAll('.result-table tbody tr').length")
        check(rows == len(up), f"table: {rows} rows for {len(up)} series")
        cell = text_of(b, ".panel:nth-child(2) .result-table td.value")
        check(cell.strip() == "3", f"table: count(up) is 3 in the second panel ({cell!r})")
        b.shot("table")
        b.check_logs("table")

        # Typing updates the URL; Enter executes.
        b.js("document.querySelectorAll('.panel .remove')[1].click()")
        content = b.d.find_element("css selector", ".cm-content")
        content.click()
        content.send_keys(" == 1")
        b.wait("the URL to follow the editor", lambda d: "g0.expr=up+%3D%3D+1" in d.current_url and "g1." not in d.current_url)
        from selenium.webdriver.common.keys import Keys
        content.send_keys(Keys.ENTER)
        b.check_logs("editing")

        # Lint: promlet's parser (parse_query) checks what the editor's parser accepts.
        b.open("/query")
        content = b.wait("the editor", lambda d: d.find_element("css selector", ".cm-content"))
        content.click()
        content.send_keys("rate(up[5m])")
        b.wait("promlet's parser to be asked", lambda d: any(
            "/api/v1/parse_query" in u for u in b.js("return performance.getEntriesByType('resource').map(e => e.name)")))
        time.sleep(0.3)
        check(b.js("return document.querySelectorAll('.cm-lintRange-error, .cm-lintPoint-error').length") == 0, "lint: a valid expression is not marked")
        b.check_logs("lint of a valid expression")
        b.open("/query")
        content = b.wait("the editor", lambda d: d.find_element("css selector", ".cm-content"))
        content.click()
        content.send_keys("rate(up[5m]) +")  # the editor closes brackets itself
        b.wait("an inline parse error", lambda d: b.js("return document.querySelectorAll('.cm-lintRange-error, .cm-lintPoint-error').length") > 0)
        b.shot("lint")
        b.check_logs("lint of a broken expression")
        # The editor's parser accepts a second offset; promlet's refuses it, and the editor marks it.
        b.open("/query")
        content = b.wait("the editor", lambda d: d.find_element("css selector", ".cm-content"))
        content.click()
        content.send_keys("up offset 1m offset 2m")
        b.wait("promlet's parse error marked", lambda d: b.js(
            "return document.querySelectorAll('.cm-lintRange-error, .cm-lintPoint-error').length") > 0)
        check(any("/api/v1/parse_query" in u for u in b.js(
            "return performance.getEntriesByType('resource').map(e => e.name)")), "lint: the mark comes from promlet's parser")
        b.check_logs("lint by promlet's parser", allow=[("/api/v1/parse_query", 400)])

        # A bad expression shows the API's error.
        b.open("/query?g0.expr=sum(rate(up%5B5m%5D&g0.tab=table")
        err = b.wait("an error", lambda d: text_of(b, ".alert.error"))
        check("parse error" in err or "unclosed" in err or "unexpected" in err, f"bad expression: error shown ({err!r})")
        b.shot("error")
        b.check_logs("bad expression", allow=[("/api/v1/query", 400)])

        # Completion offers an existing metric name.
        b.open("/query")
        content = b.wait("the editor", lambda d: d.find_element("css selector", ".cm-content"))
        content.click()
        content.send_keys("perf_se")
        options = b.wait("completion", lambda d: text_of(b, ".cm-tooltip-autocomplete li"))
        check("perf_series" in options, f"completion offers perf_series ({options[:200]!r})")
        b.shot("completion")
        # Enter accepts the completion; the next Enter executes.
        from selenium.webdriver.common.keys import Keys
        content.send_keys(Keys.ENTER)
        b.wait("the accepted completion", lambda d: text_of(b, ".cm-content").strip() == "perf_series")
        content.send_keys(Keys.ENTER)
        rows = b.wait("the executed query", lambda d: b.js("return document.querySelectorAll('.result-table tbody tr').length"))
        check(rows == 100, f"Enter executes after completing: {rows} rows for perf_series")
        b.check_logs("completion")

        # Metric explorer.
        b.js("document.querySelector('button[aria-label=\"Metric explorer\"]').click()")
        names = b.wait("the explorer's list", lambda d: text_of(b, ".explorer-item"))
        check("perf_series" in names and "gauge" in names, "metric explorer lists names with their type")
        b.js("document.querySelector('.modal-backdrop').remove()")
        b.check_logs("metric explorer")

        # Every page shows server data.
        broken = next(t for t in targets if t["labels"]["job"] == "ui-broken")
        build = p.api("status/buildinfo")
        flags = p.api("status/flags")
        tsdb = p.api("status/tsdb")
        pages = [
            ("targets", broken["lastError"][:40], "the broken target's error"),
            ("targets", "ui-exporter", "a scrape pool"),
            ("service-discovery", "__address__", "discovered labels"),
            ("status", build["version"], "the version"),
            ("status", "storageRetention", "runtime information"),
            ("tsdb-status", str(tsdb["headStats"]["numSeries"])[:1], "head stats"),
            ("tsdb-status", "perf_series", "top metric names"),
            ("config", "job_name: ui-broken", "the config's job name"),
            ("flags", "--web.listen-address", "a flag"),
            ("flags", flags["web.listen-address"], "the flag's value"),
            ("alerts", "No alerting rules", "the empty state"),
            ("rules", "No rule groups", "the empty state"),
        ]
        for page, needle, what in pages:
            b.open("/" + page)
            try:
                got = b.wait(f"{page} to show {what}", lambda d: needle in text_of(b, "#app") and text_of(b, "#app"), timeout=15)
            except SystemExit as e:
                got = str(e)
            check(needle in got, f"/{page} shows {what} ({needle!r})")
            b.shot(page)
            b.check_logs(page)
        # The dark theme follows the system.
        b.d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        b.open("/query?g0.expr=up&g0.tab=graph&g0.range_input=5m&g1.expr=up&g1.tab=table")
        b.wait("a drawn graph", lambda d: b.js("return document.querySelector('.chart[data-drawn]') !== null"))
        bg = b.js("return getComputedStyle(document.body).backgroundColor")
        check(bg == "rgb(20, 23, 28)", f"dark system theme: dark background ({bg})")
        b.shot("dark")
        b.d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
        b.check_logs("dark theme")
        # Navigation without reloading.
        b.js("document.querySelector('.topbar nav a[href$=\"flags\"]').click()")
        b.wait("the flags page", lambda d: "Command-line flags" in text_of(b, "#app"))
        b.open("/no/such/page")
        check("Page not found" in b.wait("the 404 page", lambda d: text_of(b, "#app")), "unknown UI path shows the 404 page")
        b.check_logs("404 page", allow=[("/no/such/page", 404)])
    finally:
        driver.quit()
        p.stop()


def run_perf(args, exporter):
    """First paint of the query page and time to a drawn graph of 100 series x N points.

    The 100 series are imported with a sample a second over the last 130 s (VictoriaMetrics'
    import endpoint, --web.enable-push), so every step of the ranges below has a value."""
    import math
    driver = browser_or_skip()
    p = start_or_quit(driver, lambda: Promlet(args.binary, args.out_dir, exporter.port, ["--web.enable-push"]))
    figures = []
    try:
        now_ms = int(time.time() * 1000)
        lines = []
        for i in range(100):
            for k in range(131):
                t = now_ms - (130 - k) * 1000
                lines.append('perf_graph{i="%d"} %.3f %d' % (i, i + 10 * math.sin(k / 10 + i), t))
        status, _, body = p.request("POST", "/api/v1/import/prometheus", body="\n".join(lines).encode() + b"\n")
        check(status == 204, f"import of the perf series ({status} {body[:200]!r})")
        b = Browser(driver, p.base_url(), args.out_dir)
        paints = []
        for _ in range(5):
            b.open("/query")
            b.wait("the editor", lambda d: b.js("return !!document.querySelector('.cm-content')"))
            paints.append(b.wait("the first paint entry", lambda d: b.js(
                "const e = performance.getEntriesByName('first-contentful-paint')[0]; return e && e.startTime")))
        figures.append("first contentful paint of /query: median %.0f ms (%s)" % (
            sorted(paints)[2], ", ".join("%.0f" % x for x in paints)))
        for points, range_s, step in ((1000, 100, 0.1), (11000, 110, 0.01)):
            times, renders = [], []
            for _ in range(3):
                b.open(f"/query?g0.expr=perf_graph&g0.tab=graph&g0.range_input={range_s}s&g0.step_input={step}")
                b.wait("the drawn graph", lambda d: b.js("return document.querySelector('.chart[data-drawn]') !== null"), timeout=120)
                times.append(b.js("return performance.getEntriesByName('promlet-graph-drawn')[0].startTime"))
                renders.append(b.js("return performance.getEntriesByName('promlet-graph-drawn')[0].startTime - "
                                    "performance.getEntriesByName('promlet-query-answered')[0].startTime"))
                series = b.js("return document.querySelectorAll('.u-legend tr.u-series').length") - 1
                check(series == 100, f"perf graph has 100 series ({series})")
                stats = text_of(b, ".stats")
                check(f"Points: {100 * (points + 1)}" in stats, f"perf graph has {points + 1} points per series ({stats})")
            figures.append("100 series x %d points: drawn %.0f ms after navigation starts, %.0f ms after the "
                           "API answered (medians of 3; %s)" % (points + 1, sorted(times)[1], sorted(renders)[1],
                                                                ", ".join("%.0f" % x for x in times)))
            b.shot(f"perf-{points}")
        b.check_logs("perf")
    finally:
        driver.quit()
        p.stop()
    with open(os.path.join(args.out_dir, "ui-figures.txt"), "w") as f:
        f.write("\n".join(figures) + "\n")
    for line in figures:
        print("figure: " + line, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["routes", "browser", "perf"])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--out-dir", required=True)
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    exporter = Exporter(100)
    try:
        {"routes": run_routes, "browser": run_browser, "perf": run_perf}[args.mode](args, exporter)
    finally:
        exporter.stop()
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed:\n  " + "\n  ".join(FAILURES))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
