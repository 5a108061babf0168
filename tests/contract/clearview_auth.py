"""Schemathesis hooks: every generated request runs as the admin of an
organization of its own, signed up the way a person does it (register, the
confirmation e-mail from the mail directory, verify).

A generated PATCH may require two-step sign-in of the organization's
admins; the admin then signs in to a session that may only enroll (every
other route answers 403), so a new organization is signed up instead.

The session is fetched again whenever the API answers 401, so operations
that end it (sign out, a refresh with a bad cookie) do not blind the rest of
the run. If the account itself is gone (the organization deleted by a
generated request that happened to type its name), a new one is signed up.
"""

import glob
import os
import quopri
import re
import time
import uuid

import requests
import schemathesis

BASE_URL = os.environ["CV_BASE_URL"]
MAIL_DIR = os.environ["CV_MAIL_DIR"]
PASSWORD = "contract-test-password-0123"


def _confirmation_token(email: str, timeout: float = 30.0) -> str:
    pattern = re.compile(r"/verify-email\?token=([A-Za-z0-9._~%-]+)")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(glob.glob(os.path.join(MAIL_DIR, "*.eml")), key=os.path.getmtime, reverse=True):
            with open(path, "rb") as f:
                text = quopri.decodestring(f.read()).decode("utf-8", "replace")
            if email in text:
                match = pattern.search(text)
                if match:
                    return match.group(1)
        time.sleep(0.3)
    raise RuntimeError(f"no confirmation e-mail to {email} in {MAIL_DIR}")


def _sign_up() -> str:
    email = f"contract-{uuid.uuid4().hex[:12]}@contract.example"
    response = requests.post(
        f"{BASE_URL}/api/auth/register",
        json={"organization_name": "Contract Test Co", "name": "Contract Admin", "email": email, "password": PASSWORD},
        timeout=30,
    )
    response.raise_for_status()
    token = _confirmation_token(email)
    response = requests.post(
        f"{BASE_URL}/api/auth/verify-email", json={"token": token, "password": PASSWORD}, timeout=30
    )
    response.raise_for_status()
    return email


def _cookie_header(response: requests.Response) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in response.cookies)


@schemathesis.auth()
class AdminSession:
    email: str | None = None

    def get(self, case, context):
        if AdminSession.email is None:
            AdminSession.email = _sign_up()
        response = requests.post(
            f"{BASE_URL}/api/auth/login", json={"email": AdminSession.email, "password": PASSWORD}, timeout=30
        )
        if response.status_code == 401:
            AdminSession.email = _sign_up()
            return self.get(case, context)
        response.raise_for_status()
        answer = response.json()
        if answer.get("mfa_required") or answer.get("mfa_enrollment_required"):
            AdminSession.email = _sign_up()
            return self.get(case, context)
        return _cookie_header(response)

    def set(self, case, data, context):
        case.headers = case.headers or {}
        # A generated Cookie header (none is documented) must not replace the session.
        case.headers["Cookie"] = data


@schemathesis.hook
def before_call(context, case, kwargs):
    """Custom field values are keyed by the organization's own fields
    (ADR 0034); the contract test's organization defines none, so the only
    valid `custom_fields` of a positive case is an empty object, and a
    positive case sorts by no custom field (a generated key is rightly
    refused with a 422 naming it).

    A page cursor is an opaque token the server issued for one list and
    sort: a valid request carries a real one. Positive cases get the cursor
    of the same list's first page (or none when it has one page); negative
    cases keep whatever was generated, which the server must refuse."""
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and isinstance(case.body, dict) and isinstance(case.body.get("custom_fields"), dict):
        case.body["custom_fields"] = {}
    query = case.query or {}
    # Likewise a generated `sort=cf.<key>` names a field it does not have.
    if positive and str(query.get("sort", "")).lstrip("-").startswith("cf."):
        query.pop("sort")
        case.query = query
    if "cursor" not in query or case.meta is None or not case.meta.generation.mode.is_positive:
        return
    params = {"limit": 1}
    if "sort" in query:
        params["sort"] = query["sort"]
    cookie = (case.headers or {}).get("Cookie", "")
    response = requests.get(
        f"{BASE_URL}{case.formatted_path}", params=params, headers={"Cookie": cookie}, timeout=30
    )
    cursor = response.json().get("next_cursor") if response.status_code == 200 else None
    if cursor:
        query["cursor"] = cursor
    else:
        query.pop("cursor")
    case.query = query
