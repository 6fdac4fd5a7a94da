"""No secret lives in the repository: the files git holds carry no keys, tokens, passwords or databases,
and the app's signing key comes from the environment or from a file it makes in the instance folder.

The scan is deliberately plain — a few patterns anyone can read below — so a hit is easy to explain and
a false alarm easy to fix (reword the line, or add the path to ALLOWED with a reason).
"""
from __future__ import annotations

import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "demo1234"  # the demo accounts' published password (README, seed)

# Files that must never be committed, by name.
FORBIDDEN_NAMES = [
    (re.compile(r"(^|/)\.env(\.[^/]*)?$"), "an environment file"),
    (re.compile(r"\.(sqlite3?|db)$"), "a database file"),
    (re.compile(r"\.(pem|key|p12|pfx|jks|keystore)$"), "a key or certificate store"),
    (re.compile(r"(^|/)(id_rsa|id_dsa|id_ecdsa|id_ed25519)$"), "an SSH private key"),
    (re.compile(r"(^|/)secret_key$"), "the app's generated signing key"),
]
ALLOWED_NAMES = {".env.example"}

# Text that looks like a secret, anywhere.
SECRET_TEXT = [
    (re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key id"),
    (re.compile(r"aws_secret_access_key\s*[=:]\s*\S{20,}", re.I), "an AWS secret key"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"), "a GitHub token"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"), "a Slack token"),
    (re.compile(r"\b[sr]k_live_[A-Za-z0-9]{16,}\b"), "a Stripe live key"),
    (re.compile(r"://[^/\s:@'\"]+:[^/\s@'\"]{3,}@(?!127\.0\.0\.1|localhost)"), "a URL with a password"),
]
# A password, key or token written as a literal value, outside tests/ (whose values are made up).
ASSIGNED = re.compile(r"""(?ix)\b(\w*(?:password|passwd|pwd|secret|secret_key|api_?key|token))\b
                          ["']?\s*[:=]\s*["']([^"'\s]{6,})["']""")
HARMLESS_VALUES = re.compile(r"(?i)^(demo1234|changeme|example|x+|test|secret|password)$|^\$|^%\(|^<|\{|^env:")


def tracked_files() -> list[str]:
    """What git holds or would add: committed files and new files that are not ignored."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode()
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


def text_of(name: str) -> str | None:
    data = (ROOT / name).read_bytes()
    if b"\0" in data[:8000]:
        return None  # binary
    return data.decode("utf-8", errors="replace")


def findings() -> list[str]:
    found = []
    for name in tracked_files():
        base = name.rsplit("/", 1)[-1]
        found += [f"{name}: {what}" for pattern, what in FORBIDDEN_NAMES
                  if pattern.search(name) and base not in ALLOWED_NAMES]
        text = None if name == "tests/test_secrets.py" else text_of(name)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            found += [f"{name}:{number}: {what}" for pattern, what in SECRET_TEXT if pattern.search(line)]
            if not name.startswith("tests/"):
                found += [f"{name}:{number}: a literal {m.group(1)}" for m in ASSIGNED.finditer(line)
                          if not HARMLESS_VALUES.search(m.group(2))]
    return found


def test_the_repository_holds_no_secrets():
    assert len(tracked_files()) > 50  # the scan sees the repository
    assert findings() == []


def test_the_scan_finds_what_it_looks_for(tmp_path, monkeypatch):
    """Planted examples are found, and the harmless look-alikes of this project are not."""
    planted = {
        "deploy/.env": "POOL_SECRET_KEY=abc\n",
        "backup/pool.sqlite": "",
        "notes.txt": "-----BEGIN OPENSSH PRIVATE KEY-----\n",
        "pool/settings.py": 'SMTP_PASSWORD = "hunter2hunter2"\nDB = "postgresql://pool:s3cretpw@db.example.se/pool"\n',
        "web/aws.py": 'KEY = "AKIAABCDEFGHIJKLMNOP"\n',
        "seed/accounts.py": f'password="{DEMO_PASSWORD}"\nurl = "postgresql+psycopg://postgres@127.0.0.1:5432/test"\n'
                            'password = os.environ["POOL_SMTP_PASSWORD"]\n',
    }
    for name, text in planted.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert sorted(findings()) == [
        "backup/pool.sqlite: a database file",
        "deploy/.env: an environment file",
        "notes.txt:1: a private key",
        "pool/settings.py:1: a literal SMTP_PASSWORD",
        "pool/settings.py:2: a URL with a password",
        "web/aws.py:1: an AWS access key id",
    ]


# ------------------------------------------------------------------------------ the signing key
@pytest.fixture
def instance(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("POOL_INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("POOL_SECRET_KEY", raising=False)
    return tmp_path


def app_key(**config) -> str:
    from web import create_app
    app = create_app({"DATABASE_URL": "sqlite://", **config})
    app.extensions["pool_sessions"].kw["bind"].dispose()
    return app.config["SECRET_KEY"]


def test_the_signing_key_comes_from_the_environment(instance, monkeypatch):
    monkeypatch.setenv("POOL_SECRET_KEY", "from-the-environment")
    assert app_key() == "from-the-environment"
    assert not (instance / "secret_key").exists()


def test_without_one_the_key_is_made_once_in_the_instance_folder(instance):
    first = app_key()
    path = instance / "secret_key"
    assert re.fullmatch(r"[0-9a-f]{64}", first) and path.read_text().strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # readable by the service's user only
    assert app_key() == first  # sessions survive a restart


def test_a_configured_key_leaves_no_file_behind(instance):
    assert app_key(SECRET_KEY="configured") == "configured"
    assert not (instance / "secret_key").exists()
