#!/usr/bin/env python3
"""An independent check of a Veto checkpoint, written from docs/LEDGER.md alone.

Verifies the newest checkpoint entry of a ledger file: its C2SP signed-note Ed25519
signature with the given public key, and that its root is the RFC 6962 root of the
ledger's first N entries (leaf input = raw hash || raw signature). Needs Python 3 and the
`cryptography` package. Usage: check_checkpoint.py LEDGER.jsonl PUBLIC_KEY.pem
"""
import base64
import hashlib
import json
import sys

from cryptography.hazmat.primitives import serialization


def sha256(data):
    return hashlib.sha256(data).digest()


def root(leaves, lo, hi):
    if hi - lo == 1:
        return leaves[lo]
    k = 1
    while k * 2 < hi - lo:
        k *= 2
    return sha256(b"\x01" + root(leaves, lo, lo + k) + root(leaves, lo + k, hi))


def main(ledger, key_file):
    key = serialization.load_pem_public_key(open(key_file, "rb").read())
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    leaves, note = [], None
    for line in open(ledger, encoding="utf-8"):
        entry = json.loads(line)
        leaves.append(sha256(b"\x00" + bytes.fromhex(entry["hash"])
                             + base64.b64decode(entry["sig"])))
        if entry["entry"]["kind"] == "checkpoint":
            note = entry["entry"]["data"]["note"]
    text, signatures = note.split("\n\n", 1)
    text += "\n"
    origin, size, root_b64 = text.split("\n")[:3]
    name, signature = signatures.rstrip("\n")[len("\u2014 "):].rsplit(" ", 1)
    signature = base64.b64decode(signature)
    assert name == origin, "signature by another name"
    assert signature[:4] == sha256(name.encode() + b"\n\x01" + raw)[:4], "another key"
    key.verify(signature[4:], text.encode())  # raises InvalidSignature
    assert base64.b64decode(root_b64) == root(leaves, 0, int(size)), "root differs"
    print(f"OK: {origin} checkpoint of {size} entries, signature and root verified")


if __name__ == "__main__":
    sys.setrecursionlimit(10000)
    main(sys.argv[1], sys.argv[2])
