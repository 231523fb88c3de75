"""The results cache: one signed result per submission content, so a re-run (or a resumed batch) regrades nothing.

A result is stored under the SHA-256 of the submission's bytes, the grader version and its autograder zip,
with an HMAC made with a secret kept beside the cache (readable by the grader only). Only the grading process
writes here (the sandbox cannot see the folder); on reuse the signature, the key and the scores (known
questions, 0 <= score <= points) are checked, and anything that does not verify is simply graded again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

GRADER_VERSION = "5"  # bump when grading semantics change: old results are then regraded
GRADER_FAILURE = "error: grader: "  # as bertcourse/outputs.py: such a result is never stored


def content_key(data: bytes, zip_hash: str) -> str:
    digest = hashlib.sha256(data)
    digest.update(f"|{GRADER_VERSION}|{zip_hash}".encode())
    return digest.hexdigest()[:40]


def atomic_write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, mode)
    os.replace(tmp, path)


class ResultsCache:
    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        secret_file = folder / ".secret"
        if not secret_file.exists():
            atomic_write(secret_file, secrets.token_hex(32), mode=0o600)
        self._secret = bytes.fromhex(secret_file.read_text().strip())

    def _mac(self, key: str, body: str) -> str:
        return hmac.new(self._secret, f"{key}\n{body}".encode(), hashlib.sha256).hexdigest()

    def put(self, key: str, result: dict) -> None:
        if str(result.get("status", "")).startswith(GRADER_FAILURE):  # the grader's fault: graded again next run
            return
        body = json.dumps(result, sort_keys=True)
        atomic_write(self.folder / f"{key}.json", json.dumps({"key": key, "result": body, "mac": self._mac(key, body)}))

    def get(self, key: str, questions: dict[str, float] | None) -> dict | None:
        """The stored result for `key`, or None if there is none or it does not verify."""
        try:
            stored = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            body = stored["result"]
            if stored.get("key") != key or not hmac.compare_digest(stored.get("mac", ""), self._mac(key, body)):
                return None
            result = json.loads(body)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if str(result.get("status", "")).startswith(GRADER_FAILURE):
            return None
        if questions is not None and result.get("status") == "ok":
            scores = result.get("questions", {})
            if set(scores) - set(questions) or any(not 0 <= float(v) <= questions[q] for q, v in scores.items()):
                return None
        return result
