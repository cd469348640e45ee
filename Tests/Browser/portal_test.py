#!/usr/bin/env python3
"""Drives the portal with headless Chromium (Debian's chromium + chromium-driver) through Selenium.

Started by Tests/PortalTests/BrowserTests.swift against a portal it runs on loopback; also runnable by
hand against `make serve-demo`. Fails (exit 1) on any missing piece: no selenium, no chromium, no
chromedriver, or a step that does not behave. Steps: sign in, see only one's own lessons, open a report,
play a clip (a range request answered 206), seek the recording from a finding, see the trends, be refused
another teacher's lesson. Screenshots go to --screenshots.
"""
import argparse, json, os, sys, time

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password-file", required=True)
    ap.add_argument("--own", required=True, help="comma-separated job ids the user must see")
    ap.add_argument("--other", required=True, help="a job id of another teacher")
    ap.add_argument("--screenshots", default="/tmp")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    a = ap.parse_args()
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait
        from selenium.webdriver.support import expected_conditions as EC
    except ImportError as e:
        sys.exit(f"FAIL: selenium is not installed ({e}); run `make deps` (pip install selenium)")
    for exe in (a.chromium, a.chromedriver):
        if not os.access(exe, os.X_OK):
            sys.exit(f"FAIL: {exe} missing; run `make deps` (apt chromium chromium-driver)")

    opts = webdriver.ChromeOptions()
    opts.binary_location = a.chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--mute-audio",
                "--autoplay-policy=no-user-gesture-required", "--window-size=1280,1000", "--lang=en-US"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(a.chromedriver), options=opts)
    driver.set_script_timeout(30)
    wait = WebDriverWait(driver, 20)
    own = {int(x) for x in a.own.split(",")}
    other = int(a.other)
    password = open(a.password_file, encoding="utf-8").read().strip()

    def check(cond, what):
        if not cond:
            driver.save_screenshot(os.path.join(a.screenshots, "portal-failure.png"))
            sys.exit(f"FAIL: {what}")
        print(f"ok: {what}")

    try:
        # Sign in.
        driver.get(a.url + "/login?lang=en")
        driver.find_element(By.ID, "user").send_keys(a.user)
        driver.find_element(By.ID, "password").send_keys(password)
        driver.find_element(By.ID, "signin").click()
        wait.until(EC.presence_of_element_located((By.ID, "lessons")))
        check(driver.current_url.endswith("/lessons"), "signed in, on the lesson list")
        cookies = {c["name"]: c for c in driver.get_cookies()}
        check(cookies.get("ll_session", {}).get("httpOnly") is True, "session cookie is HttpOnly")
        check(driver.execute_script("return document.cookie.indexOf('ll_session') < 0"), "session cookie invisible to scripts")

        # Only one's own lessons.
        rows = {int(r.get_attribute("data-job")) for r in driver.find_elements(By.CSS_SELECTOR, "#lessons tbody tr")}
        check(rows == own, f"the list shows exactly the own lessons {sorted(own)} (saw {sorted(rows)})")
        driver.save_screenshot(os.path.join(a.screenshots, "portal-lessons.png"))

        # Open a report.
        first = sorted(own)[0]
        driver.find_element(By.CSS_SELECTOR, f"#lessons tr[data-job='{first}'] a").click()
        frame = wait.until(EC.presence_of_element_located((By.ID, "report")))
        driver.switch_to.frame(frame)
        wait.until(lambda d: "report" in d.find_element(By.TAG_NAME, "body").text.lower())
        check(True, "the report opens in the lesson page")
        driver.switch_to.default_content()

        # Play a clip: the browser's own requests are range requests; one more with fetch shows the 206.
        clip = driver.find_element(By.CSS_SELECTOR, "video.clip")
        played = driver.execute_async_script("""
            const v = arguments[0], done = arguments[arguments.length - 1];
            v.muted = true;
            v.addEventListener('timeupdate', function f() { if (v.currentTime > 0.2) { v.removeEventListener('timeupdate', f); done(v.currentTime); } });
            v.play().catch(e => done('error: ' + e));
            setTimeout(() => done('timeout, readyState ' + v.readyState + ' error ' + (v.error && v.error.code)), 20000);
        """, clip)
        check(isinstance(played, (int, float)) and played > 0, f"the clip plays (currentTime {played})")
        status = driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            fetch(arguments[0], {headers: {Range: 'bytes=0-99'}})
              .then(r => r.arrayBuffer().then(b => done([r.status, r.headers.get('Content-Range'), b.byteLength])))
              .catch(e => done(['error', String(e)]));
        """, clip.get_attribute("src"))
        check(status[0] == 206 and status[1].startswith("bytes 0-99/") and status[2] == 100, f"range request answered 206 {status}")

        # A finding's moment seeks the recording.
        seek = driver.find_element(By.CSS_SELECTOR, "button.seek")
        target = float(seek.get_attribute("data-t"))
        driver.execute_script("document.getElementById('recording').muted = true;")
        seek.click()
        t = driver.execute_async_script("""
            const v = document.getElementById('recording'), done = arguments[arguments.length - 1];
            const t0 = Date.now();
            (function poll() { if (v.currentTime >= arguments[0] - 0.5 || Date.now() - t0 > 15000) done(v.currentTime); else setTimeout(poll, 100); })();
        """.replace("arguments[0]", str(target)))
        check(abs(t - target) < 3, f"the moment button seeks the recording to {target} s (at {t:.1f} s)")
        driver.save_screenshot(os.path.join(a.screenshots, "portal-lesson.png"))

        # Trends.
        driver.get(a.url + "/trends")
        wait.until(EC.presence_of_element_located((By.ID, "talk-chart")))
        check(len(driver.find_elements(By.CSS_SELECTOR, "#talk-chart circle")) == len(own), "trends plot one point per own lesson")
        check(len(driver.find_elements(By.ID, "rtch-chart")) == 1, "the Rt-Ch chart is there")
        driver.save_screenshot(os.path.join(a.screenshots, "portal-trends.png"))

        # Another teacher's lesson is refused, in the page and in the API.
        driver.get(a.url + f"/lessons/{other}")
        check("404" in driver.find_element(By.TAG_NAME, "h1").text, "another teacher's lesson page is 404")
        api = driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            fetch(arguments[0]).then(r => done(r.status)).catch(e => done(String(e)));
        """, f"/api/v1/lessons/{other}")
        check(api == 404, f"another teacher's lesson in the API is 404 ({api})")
        mine = driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            fetch('/api/v1/lessons').then(r => r.json()).then(j => done(j.items.map(i => i.id))).catch(e => done(String(e)));
        """)
        check(set(mine) == own, f"the API lists only the own lessons ({mine})")
        print("browser test: all steps passed")
    finally:
        driver.quit()

if __name__ == "__main__":
    main()
