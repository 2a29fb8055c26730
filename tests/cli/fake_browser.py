"""A stand-in for a person at a browser, for `pinghelpers login --browser` tests (used as $BROWSER).

Python's webbrowser module runs ``$BROWSER %s`` with the authorize URL. This script does what the person
would: follows the authorize redirect to the sign-on page's flow, submits the username and password
(FAKE_PERSON_* or PINGONE_USERNAME / PINGONE_PASSWORD) to the flows API, resumes, and finally follows the redirect to the
redirect URI — where the CLI's loopback callback server is waiting. Plain ``requests``; no pinghelpers code.
"""

from __future__ import annotations

import json
import os
import sys
from urllib.parse import parse_qs, urlsplit

import requests


def landing_url(url: str, username: str, password: str) -> str:
    """Sign on at the authorize URL (flows API, then resume) and return where the browser is sent: the redirect
    URI with ``code`` and ``state`` — what a person would copy from the address bar."""
    with requests.Session() as s:
        r = s.get(url, allow_redirects=False, timeout=10)
        location = r.headers["Location"]
        flow_id = parse_qs(urlsplit(location).query)["flowId"][0]
        parts = urlsplit(url)
        env_id = parts.path.split("/")[1]
        flow_url = f"{parts.scheme}://{parts.netloc}/{env_id}/flows/{flow_id}"
        r = s.post(
            flow_url,
            data=json.dumps({"username": username, "password": password}),
            headers={"Content-Type": "application/vnd.pingidentity.usernamePassword.check+json"},
            timeout=10,
        )
        r.raise_for_status()
        r = s.get(r.json()["resumeUrl"], allow_redirects=False, timeout=10)
        return str(r.headers["Location"])


def main(url: str) -> int:
    # The person's own credentials: FAKE_PERSON_* when the CLI must not see them as PINGONE_* (else it would
    # sign on headless itself).
    username = os.environ.get("FAKE_PERSON_USERNAME") or os.environ["PINGONE_USERNAME"]
    password = os.environ.get("FAKE_PERSON_PASSWORD") or os.environ["PINGONE_PASSWORD"]
    callback = landing_url(url, username, password)
    # The redirect lands on the CLI's callback server, which answers with a page for the person.
    r = requests.get(callback, timeout=10)
    return 0 if r.status_code == 200 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
