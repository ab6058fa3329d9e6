"""Talk to the running server the way a browser would, without a browser.

    python bench/live.py login --port P --username anna --password-env VAR
        Logs in through the real login form (GET /login/ for the CSRF token,
        POST the form) and prints the session id.

    python bench/live.py check --port P --session ID --manager-session ID2
            --target target.json
        Requests the benchmark's pages with the session cookie (Reports with
        the manager's) and fails
        loudly unless each is a 200 (not a redirect to the login page) showing
        the learner's own progress, as written by bench/seed_learner.py.

Standard library only; every request goes to 127.0.0.1.
"""

import argparse
import http.client
import json
import os
import re
import sys
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

HOST = "127.0.0.1"


def request(port, method, path, *, cookies=None, body=None, headers=None):
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = dict(headers or {})
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    text = response.read().decode("utf-8", errors="replace")
    set_cookies = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        for name, morsel in SimpleCookie(header).items():
            set_cookies[name] = morsel.value
    connection.close()
    return response, text, set_cookies


def fail(message):
    print(f"FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def login(args):
    password = os.environ.get(args.password_env)
    if not password:
        fail(f"the environment variable {args.password_env} holds no password")
    response, page, cookies = request(args.port, "GET", "/login/")
    if response.status != 200:
        fail(f"GET /login/ answered {response.status}")
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match or "csrftoken" not in cookies:
        fail("the login page has no CSRF token (form field or cookie)")
    body = urlencode(
        {
            "csrfmiddlewaretoken": match.group(1),
            "username": args.username,
            "password": password,
        }
    )
    response, page, new_cookies = request(
        args.port,
        "POST",
        "/login/",
        cookies=cookies,
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    session = new_cookies.get("sessionid")
    if response.status != 302 or not session:
        fail(
            f"POST /login/ answered {response.status} "
            f"{'with' if session else 'without'} a session cookie; "
            "expected a 302 to My learning with one"
        )
    print(session)


def check_page(port, session, path, needles, counts):
    response, page, _cookies = request(
        port, "GET", path, cookies={"sessionid": session}
    )
    if response.status != 200:
        location = response.getheader("Location", "")
        fail(
            f"GET {path} answered {response.status} {location}".rstrip()
            + " – with the session cookie it must be a 200"
        )
    for needle in needles:
        if needle not in page:
            fail(f"GET {path}: the page does not contain {needle!r}")
    for needle, expected in counts.items():
        # "re:…" is a regular expression (the markup's attributes may change).
        if needle.startswith("re:"):
            found = len(re.findall(needle[3:], page))
        else:
            found = page.count(needle)
        if found != expected:
            fail(f"GET {path}: {needle!r} occurs {found} times, expected {expected}")
    print(f"  ok  {path}: 200, {len(page.encode())} bytes, expected content present")


def check(args):
    target = json.loads(Path(args.target).read_text())
    progress_bar = 'data-testid="progress"'
    check_page(args.port, args.session, "/ping/", ["ok"], {})
    check_page(
        args.port,
        args.session,
        target["lesson_url"],
        [
            target["lesson_title"],
            progress_bar,
            f'aria-valuenow="{target["lesson_course_percent"]}"',
            'action="/logout/"',
        ],
        {},
    )
    check_page(
        args.port,
        args.session,
        "/learning/",
        ['action="/logout/"', target["course_title"]],
        {
            # One progress bar per course in progress and per required
            # course in progress, one completion date per completed course.
            progress_bar: target["learning_progress_bars"],
            r"re:<td[^>]*><time datetime=": target["learning_completed"],
        },
    )
    check_page(
        args.port,
        args.session,
        target["course_url"],
        [target["course_title"], progress_bar, 'action="/logout/"'],
        {},
    )
    check_page(
        args.port,
        args.session,
        target["catalogue_url"],
        [target["course_title"], 'action="/logout/"'],
        {},
    )
    check_page(
        args.port,
        args.manager_session,
        "/learning/reports/",
        ['action="/logout/"', target["course_title"]],
        {},
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    login_parser = commands.add_parser("login")
    login_parser.add_argument("--port", type=int, required=True)
    login_parser.add_argument("--username", required=True)
    login_parser.add_argument("--password-env", required=True)
    check_parser = commands.add_parser("check")
    check_parser.add_argument("--port", type=int, required=True)
    check_parser.add_argument("--session", required=True)
    check_parser.add_argument("--manager-session", required=True)
    check_parser.add_argument("--target", required=True)
    args = parser.parse_args()
    {"login": login, "check": check}[args.command](args)


if __name__ == "__main__":
    main()
