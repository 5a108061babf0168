"""SCIM conformance (issue 11, ADR 0036): signs up a fresh organization the
way a person does, issues its SCIM token as its admin, and runs the
`scim2` CLI's compliance test (scim2-tester) against `/scim/v2` with it.

A fresh organization, because the tester expects each resource it creates
on the first page of an unpaged list. Exits with the CLI's status: 0 only
when every check succeeded (a skipped check fails too).

Usage: CV_BASE_URL=… CV_MAIL_DIR=… python scim_conformance.py
"""

import os
import subprocess
import sys

import requests

from clearview_auth import BASE_URL, PASSWORD, _cookie_header, _sign_up


def main() -> int:
    email = _sign_up()
    login = requests.post(f"{BASE_URL}/api/auth/login", json={"email": email, "password": PASSWORD}, timeout=30)
    login.raise_for_status()
    issued = requests.post(
        f"{BASE_URL}/api/scim/token",
        # The session cookies are `Secure`: sent by hand over plain HTTP.
        headers={"Cookie": _cookie_header(login), "Origin": BASE_URL},
        timeout=30,
    )
    issued.raise_for_status()
    token = issued.json()["token"]
    scim2 = os.path.join(os.path.dirname(sys.executable), "scim2")
    # The token goes in the environment, not the command line.
    env = dict(os.environ, SCIM_CLI_HEADERS=f"Authorization: Bearer {token}", NO_COLOR="1")
    result = subprocess.run([scim2, "--url", f"{BASE_URL}/scim/v2", "test", "-v"], env=env, check=False)
    print(f"scim2-tester: exit status {result.returncode}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
