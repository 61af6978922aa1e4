"""Outside judge for carelog's FHIR R4 API: every resource type and search bundle a demo server
serves is parsed with the fhir.resources 6.4.0 models (R4 4.0.1, pydantic 1), which refuse unknown
elements and malformed values. Usage: fhir_check.py BASE_URL (a running demo practice)."""

import sys

import requests
from api_token import token
from fhir.resources import construct_fhir_element

BASE = sys.argv[1].rstrip("/")
FHIR = BASE + "/fhir/R4"
checked = {}


HEADERS = {"Authorization": "Bearer " + token(BASE)}


def parse(path):
    """GETs a FHIR path and parses it with the R4 models; returns the JSON."""
    r = requests.get(FHIR + path, headers=HEADERS)
    if r.status_code != 200:
        sys.exit(f"fhir check: {path} answered {r.status_code}: {r.text[:300]}")
    body = r.json()
    construct_fhir_element(body["resourceType"], body)
    kind = body["resourceType"]
    if kind == "Bundle":
        for entry in body.get("entry", []):
            resource = entry["resource"]
            construct_fhir_element(resource["resourceType"], resource)
            checked[resource["resourceType"]] = checked.get(resource["resourceType"], 0) + 1
    checked[kind] = checked.get(kind, 0) + 1
    return body


def next_link(bundle):
    for link in bundle.get("link", []):
        if link["relation"] == "next":
            return link["url"][len(FHIR):]
    return None


parse("/metadata")
path, pages = "/Patient?_count=100", 0
patients = []
while path and pages < 5:
    bundle = parse(path)
    patients += [e["resource"]["id"] for e in bundle.get("entry", [])]
    path, pages = next_link(bundle), pages + 1
for pid in patients[:10]:
    parse(f"/Patient/{pid}")
    for kind in ["CareTeam", "Task", "Condition", "Consent", "CarePlan"]:
        bundle = parse(f"/{kind}?patient=Patient/{pid}&_count=20")
        for entry in bundle.get("entry", [])[:2]:
            parse(f"/{kind}/{entry['resource']['id']}")
people = parse("/Practitioner?_count=200")
ids = [e["resource"]["id"] for e in people.get("entry", [])]
for pid in [i for i in ids if not i.startswith("provider-")][:2] + [i for i in ids if i.startswith("provider-")][:2]:
    parse(f"/Practitioner/{pid}")
parse("/Task?patient=Patient/%s&status=completed&period=ge2000-01-01" % patients[0])
parse("/Patient?family=a&_count=5")

# The judge is awake: a Patient with a malformed birth date is refused.
try:
    construct_fhir_element("Patient", {"resourceType": "Patient", "birthDate": "not a date"})
    sys.exit("fhir check: fhir.resources accepted a malformed birthDate")
except Exception:
    pass

for kind in ["CapabilityStatement", "Bundle", "Patient", "Practitioner", "CareTeam", "Task", "Condition", "Consent", "CarePlan"]:
    if not checked.get(kind):
        sys.exit(f"fhir check: no {kind} was served")
print("fhir check: parsed with fhir.resources 6.4.0:", ", ".join(f"{k} {v}" for k, v in sorted(checked.items())))
