"""An API token for a demo user, made the way a person makes one (sign in, Account → API tokens).
Usage: api_token.py BASE_URL [USERNAME] prints it; fhir_check.py imports token()."""

import re
import sys

import requests


def token(base, user="admin"):
    s = requests.Session()
    page = s.get(base + "/login").text
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    s.post(base + "/login", data={"_csrf": csrf, "username": user, "password": "demo"})
    page = s.get(base + "/account/tokens").text
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    page = s.post(base + "/account/tokens", data={"_csrf": csrf, "name": "api check"}).text
    return re.search(r'data-testid="token">([^<]+)<', page).group(1)


if __name__ == "__main__":
    print(token(sys.argv[1].rstrip("/"), sys.argv[2] if len(sys.argv) > 2 else "admin"))
