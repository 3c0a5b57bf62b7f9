"""The API's contract, checked by schemathesis against a live server on 127.0.0.1.

A throwaway database gets the demo data; the server (``casm runserver``, one process) answers
on a free local port; schemathesis then calls every operation of /api/v1 as each persona —
anonymous, the Ghana data officer of the demo, and an administrator — and checks that no
answer is a server error, that each status is one the OpenAPI document declares, and that
each body matches its schema. Nothing leaves the machine.

    .venv/bin/python scripts/api_contract.py                        # the whole contract
    .venv/bin/python scripts/api_contract.py --examples 3 --max-time 60   # bounded (CI)

Exits non-zero when any persona's run finds a failure.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
PERSONAS = ["anonymous", "officer.gh", "contract.admin"]
# Operations that can take a persona's own access away.
SELF_HARM = r"^/api/v1/(tokens/\{token_id\}/revoke|users/\{user_id\}(/roles/\{assignment_id\})?)$"

TOKENS = """
from casm.accounts.models import User
from casm.accounts.services import api_token_create, user_create

user_create(actor=None, username="contract.admin", email="contract.admin@example.org",
            role=User.Role.ADMINISTRATOR)
for username in ("officer.gh", "contract.admin"):
    _token, raw = api_token_create(actor=User.objects.get(username=username), name="contract")
    print("token", username, raw)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def casm(*args: str, env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "casm"), *args], env=env, check=True, text=True, cwd=ROOT, **kwargs
    )


def wait_until_up(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server stopped (exit {server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 (our own 127.0.0.1 URL)
                return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"the server did not answer {url} within {timeout:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=20, help="test cases per operation")
    parser.add_argument("--max-time", type=int, default=0, help="seconds per persona (0: none)")
    parser.add_argument("--persona", choices=PERSONAS, action="append", help="only these")
    parser.add_argument("--include-path-regex", default="", help="only the matching paths")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="casm-contract-") as var:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("CASM_", "DJANGO_"))},
            "CASM_VAR_DIR": var,
            "CASM_EMAIL_URL": "memory://",
            "CASM_LOG_LEVEL": "WARNING",
            # The contract is about answers, not rates: thousands of calls in a few minutes.
            "CASM_API_RATE": "1000000/min",
            "CASM_API_RATE_ANONYMOUS": "1000000/min",
            "CASM_EXPORT_RATE": "1000000/min",
            "PYTHONPATH": str(ROOT / "src"),  # this checkout's code, whatever is installed
        }
        casm("migrate", "--noinput", "-v", "0", env=env)
        casm("demo", env=env, stdout=subprocess.DEVNULL)
        said = casm("shell", "-c", TOKENS, env=env, capture_output=True).stdout.splitlines()
        tokens = dict(line.split()[1:] for line in said if line.startswith("token "))

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(BIN / "casm"), "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(Path(var) / "server.log", "w"),  # noqa: SIM115 (lives as long as the server)
        )
        failed = []
        try:
            wait_until_up(f"{base}/api/v1/openapi.json", server)
            for persona in options.persona or PERSONAS:
                command = [
                    str(BIN / "schemathesis"), "run", f"{base}/api/v1/openapi.json",
                    "--checks", CHECKS, "--max-examples", str(options.examples),
                    "--workers", "1", "--generation-deterministic",
                    "--no-color", "--phases", "examples,coverage,fuzzing",
                ]  # fmt: skip
                if options.max_time:
                    command += ["--max-time", str(options.max_time)]
                if options.include_path_regex:
                    command += ["--include-path-regex", options.include_path_regex]
                passes = [[]]
                if persona in tokens:
                    command += ["--header", f"Authorization: Bearer {tokens[persona]}"]
                    # Revoking the persona's own token or role, or deactivating the persona,
                    # would make the rest of its run a string of 401s: those come last.
                    passes = [
                        ["--exclude-path-regex", SELF_HARM],
                        ["--include-path-regex", SELF_HARM],
                    ]
                for number, selection in enumerate(passes, 1):
                    print(f"\n=== the API as {persona} ({number}/{len(passes)}) ===", flush=True)
                    # In the throwaway folder: schemathesis keeps its cache of failures there.
                    if subprocess.run(command + selection, cwd=var, check=False).returncode:
                        failed.append(persona)
        finally:
            server.terminate()
            server.wait(timeout=30)
            log = (Path(var) / "server.log").read_text(errors="replace")
            if "Traceback" in log:
                print("\n=== server log (tracebacks) ===\n" + log[-20000:])
    if failed:
        print(f"\nthe API contract fails as: {', '.join(sorted(set(failed)))}")
        return 1
    print("\nthe API keeps its contract as every persona")
    return 0


if __name__ == "__main__":
    sys.exit(main())
