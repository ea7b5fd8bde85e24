"""`python -m claude_cli.emulator`: the emulator in the foreground, for other programs."""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
from pathlib import Path

import orjson

from .platforms import PLATFORMS, service_account
from .rules import ApiProblem
from .script import SCRIPT_HELP, Reply, parse
from .server import Emulator


def main(argv: list[str] | None = None) -> None:
    """Run the emulator in the foreground: `python -m claude_cli.emulator --port 8765`."""
    parser = argparse.ArgumentParser(
        prog="python -m claude_cli.emulator",
        description="A local stand-in for the Messages API: real HTTP on a loopback port, real SSE framing.",
        epilog=SCRIPT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added before every answer")
    parser.add_argument("--api-key", default=None, help="require this x-api-key")
    parser.add_argument(
        "--rate-limit", default=None, help="N/SECONDS: answer 429 beyond N message requests per window"
    )
    parser.add_argument("--batch-seconds", type=float, default=0.2, help="how long a batch stays in progress")
    parser.add_argument(
        "--script",
        metavar="FILE",
        default=None,
        help="a JSON list of replies for the next /v1/messages requests, in order (see below)",
    )
    parser.add_argument(
        "--platform",
        choices=PLATFORMS,
        default=None,
        help="print what a shell exports to reach this cloud platform's wire here (every platform's is "
        "served, platforms.py): the key 'emulator' (Bedrock and AWS API keys, the Foundry key) or SigV4 "
        "of the right shape; for vertex a service-account file, written to a temporary directory, "
        "whose token_uri is this emulator",
    )
    args = parser.parse_args(argv)
    replies = _script(args.script) if args.script else []
    limit = None
    if args.rate_limit:
        count, _, window = args.rate_limit.partition("/")
        limit = (int(count), float(window or 1))
    try:
        emu = Emulator(
            args.host,
            args.port,
            api_key=args.api_key,
            latency=args.latency,
            rate_limit=limit,
            batch_seconds=args.batch_seconds,
        )
    except OSError as exc:  # the port is taken, the host is not this machine's
        raise SystemExit(
            f"claude emulator: cannot listen on {args.host}:{args.port}: {exc.strerror}"
        ) from None
    emu.enqueue(*replies)
    scratch = None
    # `kill` ends it as Ctrl-C does: through the finally below (the Vertex key file is removed).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        exports = []
        if args.platform:
            credentials = None
            if args.platform == "vertex":  # google-auth needs a key file to fetch a token with
                scratch = Path(tempfile.mkdtemp(prefix="claude-emulator-"))
                credentials = _key_file(scratch / "service-account.json", emu.accounts["vertex"].token_uri)
            exports = emu.accounts[args.platform].exports(credentials)
        print(f"claude emulator listening on {emu.url}", flush=True)
        if exports:
            print(f"# to send `claude --platform {args.platform}` (or the SDK's client) here:", flush=True)
            for line in exports:
                print(line, flush=True)
            print(f"# then: claude ask --platform {args.platform} hi", flush=True)
        emu.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emu.httpd.server_close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _key_file(path: Path, token_uri: str) -> Path:
    """The Vertex service-account file; one line on stderr and exit 2 without cryptography."""
    try:
        return service_account(path, token_uri)
    except ImportError:
        print(
            "claude emulator: --platform vertex writes a service-account key, which needs the "
            "cryptography package: pip install 'claude-cli[vertex]' (google-auth brings it)",
            file=sys.stderr,
        )
        raise SystemExit(2) from None


def _script(path: str) -> list[Reply]:
    """The replies of a --script file; one line on stderr and exit 2 when it cannot be used."""
    try:
        return parse(orjson.loads(Path(path).read_bytes()))
    except OSError as exc:
        problem = exc.strerror or str(exc)
    except orjson.JSONDecodeError as exc:
        problem = f"not valid JSON: {exc}"
    except ApiProblem as exc:
        problem = exc.message
    print(f"claude emulator: --script {path}: {problem}", file=sys.stderr)
    raise SystemExit(2)
