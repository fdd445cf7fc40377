#!/usr/bin/env python3
"""A real TAXII 2.1 client (the `taxii2-client` package from PyPI) walking the portal's TAXII
server, for tests/api/taxii.rs: discovery, the API root, every collection, every page of each
collection's objects and manifest. Prints what it found as JSON on stdout.

    client.py BASE_URL TOKEN PER_PAGE [ADDED_AFTER]

The token is sent as a Bearer token; the discovery is read a second time with HTTP Basic
(the token as the password) to show that clients offering only Basic work too.
"""
import json
import sys

import requests
from taxii2client.v21 import Server, as_pages


class Bearer(requests.auth.AuthBase):
    def __init__(self, token):
        self.token = token

    def __call__(self, r):
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


def walk(collection, per_page, added_after):
    filters = {"added_after": added_after} if added_after else {}
    objects, pages = [], 0
    for envelope in as_pages(collection.get_objects, per_request=per_page, **filters):
        pages += 1
        objects.extend(envelope.get("objects", []))
    manifest = []
    for envelope in as_pages(collection.get_manifest, per_request=per_page, **filters):
        manifest.extend(envelope.get("objects", []))
    return {
        "id": collection.id,
        "title": collection.title,
        "can_read": collection.can_read,
        "can_write": collection.can_write,
        "pages": pages,
        "objects": objects,
        "manifest": manifest,
    }


def main():
    base, token, per_page = sys.argv[1], sys.argv[2], int(sys.argv[3])
    added_after = sys.argv[4] if len(sys.argv) > 4 else None
    server = Server(f"{base}/taxii2/", auth=Bearer(token))
    basic = Server(f"{base}/taxii2/", user="taxii", password=token)
    roots = server.api_roots
    out = {
        "title": server.title,
        "basic_title": basic.title,
        "default": server.default.url if server.default else None,
        "api_roots": [],
    }
    for root in roots:
        out["api_roots"].append(
            {
                "url": root.url,
                "title": root.title,
                "versions": root.versions,
                "collections": [walk(c, per_page, added_after) for c in root.collections],
            }
        )
    # The API root through Basic authentication as well.
    out["basic_collections"] = [c.id for c in basic.api_roots[0].collections]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
