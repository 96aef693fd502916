"""A merchant's ePayment flow with the Python standard library only (urllib, json).

The base URL is the real one, built in: https://apitest.vipps.no. Pointed at the Vipps Devkit
emulator by DNS and a trusted CA (docs/any-language.md), it runs unchanged:

    export SSL_CERT_FILE=.vipps-devkit/tls/ca-bundle.pem      # from: vipps-devkit trust
    vipps-devkit env > .env && set -a && . ./.env && set +a   # the test merchant's keys
    VIPPS_DEVKIT_APPROVE=1 python3 vipps_payment.py

Access token -> create a payment -> the user approves -> capture. On the real test environment the
user approves in the Vipps MT app; with VIPPS_DEVKIT_APPROVE=1 the emulator's simulated app does.
"""
import json
import os
import time
import urllib.error
import urllib.request
import uuid

BASE_URL = "https://apitest.vipps.no"

CLIENT_ID = os.environ["VIPPS_CLIENT_ID"]
CLIENT_SECRET = os.environ["VIPPS_CLIENT_SECRET"]
SUBSCRIPTION_KEY = os.environ["VIPPS_SUBSCRIPTION_KEY"]
MSN = os.environ["VIPPS_MERCHANT_SERIAL_NUMBER"]


def call(method, path, headers=None, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE_URL + path, data=data, method=method)
    request.add_header("Ocp-Apim-Subscription-Key", SUBSCRIPTION_KEY)
    request.add_header("Merchant-Serial-Number", MSN)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{method} {path}: {error.code} {error.read().decode()}")
    return json.loads(text) if text else None


def main():
    token = call("POST", "/accesstoken/get", {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    reference = f"python-{uuid.uuid4().hex[:12]}"
    amount = {"currency": "NOK", "value": 4900}

    created = call("POST", "/epayment/v1/payments", {**auth, "Idempotency-Key": reference}, {
        "amount": amount,
        "paymentMethod": {"type": "WALLET"},
        "reference": reference,
        "userFlow": "WEB_REDIRECT",
        "returnUrl": "https://shop.example/thanks",
        "paymentDescription": "Python example",
    })
    print(f"created {reference}: the user approves at {created['redirectUrl']}")

    if os.environ.get("VIPPS_DEVKIT_APPROVE") == "1":
        call("POST", f"/devkit/v1/payments/{reference}/approve", body={})

    deadline = time.time() + 120
    while True:
        state = call("GET", f"/epayment/v1/payments/{reference}", auth)["state"]
        if state == "AUTHORIZED":
            break
        if state in ("ABORTED", "EXPIRED", "TERMINATED") or time.time() > deadline:
            raise SystemExit(f"{reference} was not approved: {state}")
        time.sleep(1)

    captured = call("POST", f"/epayment/v1/payments/{reference}/capture", {**auth, "Idempotency-Key": f"{reference}-capture"}, {
        "modificationAmount": amount,
    })
    value = captured["aggregate"]["capturedAmount"]["value"]
    print(f"captured {reference} {value} {amount['currency']}")


if __name__ == "__main__":
    main()
