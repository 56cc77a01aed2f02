#!/usr/bin/env python3
"""Widget budget benchmark (prints numbers, asserts nothing).

Measures, against a real `sanctum` server on loopback and headless Chromium (Debian's
`chromium` driven by playwright from PyPI):

* gzipped bytes on the wire of the loader and of everything a first open loads
  (loader + chat.js + chat.css), as the server sends them with `Accept-Encoding: gzip`;
* time from navigation start to the bubble being visible (`sanctum-chat:bubble` mark, set
  when the bubble is in the DOM, confirmed by the first paint after it);
* time from navigation start to the bubble: the `sanctum-chat:bubble` mark (bubble in the DOM)
  and the first animation frame in which the bubble is laid out (the frame that paints it);
* time from the click on the bubble to the window being interactive (`sanctum-chat:interactive`
  mark: window shown, input focused): cold (nothing prefetched, the click loads chat.js and
  chat.css), default (chat code preloaded when the browser went idle) and a second open.

Targets (issue 4 §7, issue 8): loader ≤ 6 KB gz, loader + chat window JS and CSS ≤ 18 KB gz,
bubble ≤ 150 ms after navigation start, window interactive ≤ 100 ms after the click.

Usage: SANCTUM_BIN=.build/debug/sanctum python3 scripts/bench-widget.py [--runs 20] [--markdown]
"""
import argparse
import re
import statistics
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "e2e"))

from conftest import start_server  # noqa: E402
from widget_helpers import HostSite, launch_chromium, page_html  # noqa: E402

TARGETS = {"loader": 6 * 1024, "first_open": 18 * 1024, "bubble": 150.0, "click": 100.0}


def gz_size(url):
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req) as r:
        body = r.read()
        return len(body), r.headers.get("Content-Encoding") or "identity"


def percentile(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


# Installed before navigation: every animation frame checks for the bubble; the first frame
# in which it is laid out is the frame that paints it.
FRAME_PROBE = """(() => {
  const tick = (t) => {
    const host = document.querySelector('.sanctum-chat-widget');
    const b = host && host.shadowRoot && host.shadowRoot.querySelector('#sanctum-chat-bubble');
    if (b && b.offsetWidth) { window.__bubbleFrame = performance.now(); return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();"""

BUBBLE_JS = """() => new Promise(resolve => {
  const done = () => {
    const m = performance.getEntriesByName('sanctum-chat:bubble')[0];
    if (!m || !window.__bubbleFrame) return setTimeout(done, 5);
    resolve({ mark: m.startTime, frame: window.__bubbleFrame });
  };
  done();
})"""

CLICK_JS = """() => new Promise(resolve => {
  const root = document.querySelector('.sanctum-chat-widget').shadowRoot;
  const bubble = root.querySelector('#sanctum-chat-bubble');
  performance.clearMarks('sanctum-chat:interactive');
  const t0 = performance.now();
  bubble.click();
  const check = () => {
    const m = performance.getEntriesByName('sanctum-chat:interactive')[0];
    if (!m) return setTimeout(check, 1);
    resolve({ interactive: m.startTime - t0, focused: root.activeElement && root.activeElement.id });
  };
  check();
})"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--markdown", action="store_true", help="also print a markdown table")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    server = start_server()
    site = HostSite()
    try:
        base = server.base_url
        with urllib.request.urlopen(base + "/widget/chat-widget.js") as r:
            text = r.read().decode()
        # the content version the server put in place of __SANCTUM_ASSET_VERSION__ (12 hex digits)
        version = re.search(r"""["']([0-9a-f]{12})["']""", text).group(1)
        sizes = {
            "loader (chat-widget.js)": gz_size(base + "/widget/chat-widget.js"),
            "chat.js": gz_size(f"{base}/widget/v/{version}/chat.js"),
            "chat.css": gz_size(f"{base}/widget/v/{version}/chat.css"),
        }
        loader = sizes["loader (chat-widget.js)"][0]
        first_open = sum(s for s, _ in sizes.values())

        cold_url = site.add("/bench-cold", page_html(f'<script src="{base}/widget/chat-widget.js" data-preload="intent"></script>'))
        default_url = site.add("/bench", page_html(f'<script src="{base}/widget/chat-widget.js" data-auto-init="true"></script>'))
        mark, frame, cold, idle, warm = [], [], [], [], []
        with sync_playwright() as p:
            browser = launch_chromium(p)
            # warm-up (process start, binary page cache), not counted
            ctx = browser.new_context()
            ctx.new_page().goto(default_url)
            ctx.close()
            for _ in range(args.runs):
                # cold: nothing prefetched (no idle preload, no hover): the click loads chat.js + chat.css
                ctx = browser.new_context()  # empty HTTP cache and storage each run
                page = ctx.new_page()
                page.add_init_script(FRAME_PROBE)
                page.goto(cold_url)
                b = page.evaluate(BUBBLE_JS)
                mark.append(b["mark"])
                frame.append(b["frame"])
                c = page.evaluate(CLICK_JS)
                assert c["focused"] == "sanctum-chat-input", c
                cold.append(c["interactive"])
                ctx.close()
                # default configuration: the chat code was preloaded when the browser went idle
                ctx = browser.new_context()
                page = ctx.new_page()
                page.goto(default_url)
                page.wait_for_function("SanctumChat.getState().isLoaded", timeout=10000)
                idle.append(page.evaluate(CLICK_JS)["interactive"])
                page.evaluate("SanctumChat.close()")
                page.wait_for_timeout(250)
                warm.append(page.evaluate(CLICK_JS)["interactive"])
                ctx.close()
            browser.close()
    finally:
        site.stop()
        server.stop()

    def row(name, values, target):
        med, p90 = statistics.median(values), percentile(values, 90)
        return name, f"{med:.1f} ms", f"{p90:.1f} ms", f"≤ {target:.0f} ms", "ok" if p90 <= target else "OVER"

    print(f"Sanctum Chat widget budget — {args.runs} runs, headless Chromium, loopback\n")
    print("Bytes on the wire (gzip):")
    for name, (size, enc) in sizes.items():
        print(f"  {name:26} {size:6d} B  ({size / 1024:.2f} KiB, {enc})")
    print(f"  {'loader':26} {loader:6d} B  target ≤ {TARGETS['loader']} B  {'ok' if loader <= TARGETS['loader'] else 'OVER'}")
    print(f"  {'first open (all three)':26} {first_open:6d} B  target ≤ {TARGETS['first_open']} B  "
          f"{'ok' if first_open <= TARGETS['first_open'] else 'OVER'}")
    rows = [row("navigation start → bubble in the DOM (mark)", mark, TARGETS["bubble"]),
            row("navigation start → first frame showing the bubble", frame, TARGETS["bubble"]),
            row("click → window interactive, cold (loads chat.js + chat.css)", cold, TARGETS["click"]),
            row("click → window interactive, default (preloaded when idle)", idle, TARGETS["click"]),
            row("click → window interactive, second open", warm, TARGETS["click"])]
    print("\nTimings (median / p90):")
    for r in rows:
        print(f"  {r[0]:62} {r[1]:>10} {r[2]:>10}  {r[3]}  {r[4]}")
    if args.markdown:
        print("\n| Measure | Median | p90 | Target |\n|---|---|---|---|")
        print(f"| Loader, gzipped | {loader} B | | ≤ 6144 B |")
        print(f"| Loader + chat.js + chat.css (first open), gzipped | {first_open} B | | ≤ {TARGETS['first_open']} B |")
        for r in rows:
            print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} |")


if __name__ == "__main__":
    main()
