"""Benchmarks for the targets in DESIGN.md, measured side by side in one run.

    .venv/bin/python bench/run.py [--runs 21] [--events 100000] [--against OTHER/.venv/bin/claude]
                                  [--skip-scale] [--only-https [--latency MS]]

Start-up figures are printed as multiples of curl making the same request and of `python -c
pass`. --against times another install interleaved with this one (say, a worktree of the commit
before a change): every start-up figure, and `stream` on the long answer, side by side. The
start-up table names the launcher each claude is run through (this install's script, or
`python -m claude_cli` where none is installed), and times this install through the others
too: pip's and uv's entry-point wrappers, and `python -m claude_cli` (README, "Design", "Our own launcher").

Prints figures and ratios; record them in bench/RESULTS.md. Nothing here asserts: machines are
noisy, so the numbers are for people. Everything runs against the local emulator (over TLS for
the https row: --only-https runs that row alone; it needs the openssl command). --latency MS
gives that row a name that takes MS ms to resolve, as against the real API: see `named`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson

from claude_cli.emulator.script import Reply
from claude_cli.emulator.server import Emulator

KEY = "sk-bench"
CLAUDE = [sys.executable, "-m", "claude_cli"]
if shutil.which("claude", path=str(Path(sys.executable).parent)):
    CLAUDE = [str(Path(sys.executable).parent / "claude")]

# The wrappers installers write for a [project.scripts] entry point `claude = claude_cli.main:main`,
# after their first line (`#!` and the interpreter): pip's (distlib's template, pip 23 to 26)
# and uv's (0.13). The project installs its own launcher instead (cli/bin/claude).
PIP_WRAPPER = """# -*- coding: utf-8 -*-
import re
import sys
from claude_cli.main import main
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit(main())
"""
UV_WRAPPER = """# -*- coding: utf-8 -*-
import sys
from claude_cli.main import main
if __name__ == "__main__":
    if sys.argv[0].endswith("-script.pyw"):
        sys.argv[0] = sys.argv[0][:-11]
    elif sys.argv[0].endswith(".exe"):
        sys.argv[0] = sys.argv[0][:-4]
    sys.exit(main())
"""


def launcher(cmd: list[str]) -> str:
    """What `cmd` runs claude through, in words (the start-up table's header)."""
    if cmd[1:] == ["-m", "claude_cli"]:
        return "python -m claude_cli"
    text = Path(cmd[0]).read_bytes()[:4096].decode(errors="replace")
    if "re.sub(" in text:
        return "pip's entry-point wrapper, which imports re"
    if "-script.pyw" in text:
        return "uv's entry-point wrapper"
    if "from claude_cli.main import main" in text:
        return "the project's launcher, cli/bin/claude"
    return "an unknown program"


def alternative_launchers(where: Path) -> dict[str, list[str]]:
    """This install run through the launchers it does not use: each wrapper a file named claude
    (argv[0] as installed) whose first line is this interpreter, and `python -m claude_cli`."""
    made: dict[str, list[str]] = {}
    for name, text in (("pip's entry-point wrapper", PIP_WRAPPER), ("uv's entry-point wrapper", UV_WRAPPER)):
        script = where / name.split("'")[0] / "claude"
        script.parent.mkdir()
        script.write_text(f"#!{sys.executable}\n{text}")
        script.chmod(0o755)
        made[name] = [str(script)]
    if CLAUDE[1:] != ["-m", "claude_cli"]:
        made["python -m claude_cli"] = [sys.executable, "-m", "claude_cli"]
    return made


def wall(
    cmd: list[str] | str, env: dict[str, str], stdin: bytes = b"", shell: bool = False
) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one run of cmd."""
    took, _, rss = run_once(cmd, env, stdin, shell)
    return took, rss


def run_once(
    cmd: list[str] | str, env: dict[str, str], stdin: bytes = b"", shell: bool = False
) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system, from wait4) and peak RSS (KiB) of one run of cmd.
    On a shared machine CPU time moves less than wall time with the other processes' load."""
    start = time.perf_counter()
    p = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, shell=shell
    )
    assert p.stdin is not None
    p.stdin.write(stdin)
    p.stdin.close()
    _, status, usage = os.wait4(p.pid, 0)
    took = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read() if p.stderr else b""
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {cmd}\n{err.decode()}")
    return took, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


# Peak memory is read by a small middle process: a child forked straight from this (large) bench
# process starts with this process's resident size as its high-water mark, which exec keeps.
_PEAK = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)"
)


def peak_rss(cmd: list[str], env: dict[str, str], stdin: bytes = b"") -> float:
    """Peak resident memory (MiB) of one run of cmd."""
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, *cmd], input=stdin, stdout=subprocess.DEVNULL, capture_output=False,
        stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {cmd}\n{done.stderr.decode()}")
    return int(done.stderr.split()[-1]) / 1024


def median_of(runs: int, fn) -> float:
    return statistics.median(fn() for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--against", help="another claude executable to time beside this one")
    parser.add_argument("--skip-scale", action="store_true", help="skip the scale section (issue 20)")
    parser.add_argument("--only-https", action="store_true", help="only the https start-up row (issue 32)")
    parser.add_argument("--latency", type=float, help="with --only-https: the name resolved in this many ms")
    args = parser.parse_args()
    if args.only_https:
        if args.latency is None:
            https(args.runs, args.against)
        elif NETNS not in os.environ:
            sys.exit(named(sys.argv))
        else:
            with slow_dns(args.latency / 1000):
                https(args.runs, args.against, host=SLOW_NAME, latency=args.latency)
        return

    with Emulator(api_key=KEY, context_window=None) as emu:  # the scale bench sends 30 MB
        env = {
            **bench_environ(),
            "ANTHROPIC_BASE_URL": emu.url,
            "ANTHROPIC_API_KEY": KEY,
            "NO_COLOR": "1",
            "CLAUDE_CONFIG": os.devnull + ".none",
        }
        today, version = time.strftime("%Y-%m-%d"), sys.version.split()[0]
        print(f"# claude bench, {today}, python {version}, {os.cpu_count()} cores")

        # 1. echo hi | claude ask  vs  curl making the same streaming request
        body = {
            "model": "claude-sonnet-5-5",
            "max_tokens": 8192,
            "messages": [{"role": "user", "content": "hi"}],
            "stream": True,
        }
        with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as f:
            f.write(orjson.dumps(body))
        curl = [
            "curl",
            "-sSN",
            "-X",
            "POST",
            f"{emu.url}/v1/messages",
            "-H",
            f"x-api-key: {KEY}",
            "-H",
            "anthropic-version: 2023-06-01",
            "-H",
            "content-type: application/json",
            "--data-binary",
            f"@{f.name}",
        ]
        env["CLAUDE_HOME"] = tempfile.mkdtemp(prefix="claude-bench-")
        startup(args.runs, env, curl, args.against)
        https(args.runs, args.against)

        # 2. claude stream on a long stream: events/s and peak memory (and --against's, interleaved)
        streams = {"this": CLAUDE, **({"before": [args.against]} if args.against else {})}
        results: dict[str, list[tuple[float, int]]] = {who: [] for who in streams}
        for _ in range(5):
            for who, claude in streams.items():
                emu.enqueue(Reply("many", count=args.events))
                results[who].append(wall([*claude, "stream", "go"], env))
        events = args.events + 7
        for who in streams:
            best = min(r[0] for r in results[who])
            med = statistics.median(r[0] for r in results[who])
            rss = max(r[1] for r in results[who])
            print(
                f"claude stream {events} events ({who})  best {best:6.2f} s median {med:6.2f} s "
                f"= {events / best:9.0f} events/s (target: >= 50000)  "
                f"peak RSS {rss / 1024:5.1f} MB (target: < 60 MB)"
            )
        for _ in range(3):
            emu.enqueue(Reply("many", count=args.events))
        results = [wall([*CLAUDE, "ask", "go"], env) for _ in range(3)]
        best = min(r[0] for r in results)
        print(
            f"claude ask (text) same    best {best:6.2f} s  = {events / best:9.0f} events/s  "
            f"peak RSS {max(r[1] for r in results) / 1024:5.1f} MB"
        )

        # 3. first text byte: server write -> claude's stdout (CLOCK_MONOTONIC is shared across processes)
        gaps = []
        for _ in range(args.runs):
            emu.enqueue(
                Reply("trickle", content=[{"type": "text", "text": "first second third"}], delay=0.02)
            )
            p = subprocess.Popen(
                [*CLAUDE, "ask", "go"], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env
            )
            assert p.stdout is not None
            p.stdout.read(1)
            got = time.monotonic()
            p.communicate()
            gaps.append(got - emu.first_text_sent[-1])
        print(
            f"first text byte to stdout median {statistics.median(gaps) * 1000:6.2f} ms  "
            f"max {max(gaps) * 1000:6.2f} ms (target: under 5 ms)"
        )

        if not args.skip_scale:
            scale(emu, env, curl, args.against)


# -- start-up (issue 32) -------------------------------------------------------------------------

# What each start-up figure is, its command line, its stdin, and its target as a multiple of curl.
STARTUP = (
    ("echo hi | claude ask --no-log", ["ask", "--no-log"], b"hi\n", 5),
    ("echo hi | claude ask (logged)", ["ask"], b"hi\n", 6),
    ("claude stream hi --no-log", ["stream", "--no-log", "hi"], b"", None),
    ("claude --help", ["--help"], b"", 3),
    ("claude ask --help", ["ask", "--help"], b"", None),
    ("claude completion show bash", ["completion", "show", "bash"], b"", None),
)
# The rows also timed through the other launchers (alternative_launchers), each a row of its own.
THROUGH_OTHERS = ("echo hi | claude ask --no-log", "claude --help")


def startup(runs: int, env: dict[str, str], curl: list[str], against: str | None) -> None:
    """Each start-up figure as a multiple of curl making the same request and of `python -c pass`
    (the interpreter's floor), this install beside `against` (another claude, say a worktree of
    the commit before a change), every command interleaved so all see the same machine state.
    Wall time first (what the targets are about), then CPU time (user + system), which a loaded
    machine moves less."""
    claudes = {"this": CLAUDE, **({"before": [against]} if against else {})}
    others = alternative_launchers(Path(tempfile.mkdtemp(prefix="claude-bench-launchers-")))
    times: dict[tuple[str, str], list[float]] = {}
    cpu: dict[tuple[str, str], list[float]] = {}

    def timed(key: tuple[str, str], cmd: list[str], stdin: bytes = b"") -> None:
        took, used, _ = run_once(cmd, env, stdin)
        times.setdefault(key, []).append(took)
        cpu.setdefault(key, []).append(used)

    for _ in range(runs):
        timed(("curl", ""), curl)
        timed(("pass", ""), [sys.executable, "-c", "pass"])
        for who, claude in claudes.items():
            for label, argv, stdin, _ in STARTUP:
                timed((who, label), [*claude, *argv], stdin)
        for name, other in others.items():
            for label, argv, stdin, _ in STARTUP:
                if label in THROUGH_OTHERS:
                    timed(("this", f"{label}, {name}"), [*other, *argv], stdin)
    for title, table in (("wall", times), ("CPU", cpu)):
        curl_med = statistics.median(table["curl", ""])
        pass_med = statistics.median(table["pass", ""])
        print(f"start-up {title} time, median of {runs} interleaved runs (ms; x curl; x python -c pass)")
        through = (f"{who}: {' '.join(claude)} ({launcher(claude)})" for who, claude in claudes.items())
        print("  " + "; ".join(through))
        print(f"  {'curl, the same streaming request':40s}  {curl_med * 1000:7.1f}")
        print(f"  {'python -c pass':40s}  {pass_med * 1000:7.1f}  {pass_med / curl_med:5.2f}x curl")
        for label, _, _, target in STARTUP:
            row = f"  {label:40s}"
            for who in claudes:
                med = statistics.median(table[who, label])
                row += f"  {who} {med * 1000:6.1f} = {med / curl_med:5.2f}x curl {med / pass_med:5.2f}x pass"
            print(row + (f"  (target: within {target}x curl)" if target and title == "wall" else ""))
            for name in others if label in THROUGH_OTHERS else ():
                med = statistics.median(table["this", f"{label}, {name}"])
                print(
                    f"  {'  the same, ' + name:40s}  this {med * 1000:6.1f} = {med / curl_med:5.2f}x curl "
                    f"{med / pass_med:5.2f}x pass"
                )


def bench_environ() -> dict[str, str]:
    """The caller's environment, less PYTHONDONTWRITEBYTECODE: with it, a checkout whose modules
    were never compiled compiles them on every run (tens of ms), which no user's install does."""
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


# -- start-up over https: the trust store (issue 32, api/tls.py) ---------------------------------


def tls_files(where: Path) -> tuple[Path, Path, Path, Path]:
    """A CA, a server certificate it signed for 127.0.0.1 and its key, made with the openssl
    command, and a directory holding the CA hashed by `openssl rehash` (as update-ca-certificates
    hashes /etc/ssl/certs): ca.pem, server.pem, server.key, certs/."""

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=where, check=True, capture_output=True)

    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=claude bench CA",
            "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (where / "ext.cnf").write_text(
        f"subjectAltName=IP:127.0.0.1,DNS:{SLOW_NAME}\nextendedKeyUsage=serverAuth\n"
        "basicConstraints=critical,CA:FALSE\n"
    )
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")  # fmt: skip
    (where / "certs").mkdir()
    shutil.copy(where / "ca.pem", where / "certs" / "ca.pem")
    openssl("rehash", "certs")
    return where / "ca.pem", where / "server.pem", where / "server.key", where / "certs"


def https(runs: int, against: str | None, host: str = "127.0.0.1", latency: float = 0.0) -> None:
    """`echo hi | claude ask --no-log` against the emulator over TLS, trusting a hashed directory
    (SSL_CERT_DIR) that holds the bench's CA, SSL_CERT_FILE unset: OpenSSL's defaults, as on a
    stock Debian. Before api/tls.py, ssl.create_default_context() read the default file (Debian's
    bundle, ~140 certificates) whole on every call, as against the real API; now the directory
    alone is looked up. Beside curl on the same request two ways: --capath DIR (curl reads its
    default bundle too, as it does against the real API) and --cacert CA (one certificate read)."""
    import ssl

    where = Path(tempfile.mkdtemp(prefix="claude-bench-tls-"))
    ca, cert, key, certs = tls_files(where)
    with Emulator(api_key=KEY) as emu:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        emu.httpd.socket = context.wrap_socket(emu.httpd.socket, server_side=True)
        url = emu.url.replace("http://", "https://").replace("127.0.0.1", host)
        env = {
            **{k: v for k, v in bench_environ().items() if k not in ("SSL_CERT_FILE", "CURL_CA_BUNDLE")},
            "SSL_CERT_DIR": str(certs),
            "ANTHROPIC_BASE_URL": url,
            "ANTHROPIC_API_KEY": KEY,
            "NO_COLOR": "1",
            "CLAUDE_CONFIG": os.devnull + ".none",
            "CLAUDE_HOME": tempfile.mkdtemp(prefix="claude-bench-"),
        }
        body = where / "body.json"
        body.write_bytes(orjson.dumps({
            "model": "claude-sonnet-5-5", "max_tokens": 8192, "messages": [{"role": "user", "content": "hi"}],
            "stream": True,
        }))  # fmt: skip
        curl = ["curl", "-sSN", "-X", "POST", f"{url}/v1/messages", "-H", f"x-api-key: {KEY}",
                "-H", "anthropic-version: 2023-06-01", "-H", "content-type: application/json",
                "--data-binary", f"@{body}"]  # fmt: skip
        rows: dict[str, tuple[list[str], bytes]] = {
            "curl --capath DIR (+ its bundle)": ([*curl, "--capath", str(certs)], b""),
            "curl --cacert CA (1 certificate)": ([*curl, "--cacert", str(ca)], b""),
            "python -c pass": ([sys.executable, "-c", "pass"], b""),
            "echo hi | claude ask --no-log (this)": ([*CLAUDE, "ask", "--no-log"], b"hi\n"),
        }
        if against:
            rows["echo hi | claude ask --no-log (before)"] = ([against, "ask", "--no-log"], b"hi\n")
        times: dict[str, list[float]] = {label: [] for label in rows}
        cpu: dict[str, list[float]] = {label: [] for label in rows}
        for _ in range(runs):
            for label, (cmd, stdin) in rows.items():
                took, used, _ = run_once(cmd, env, stdin)
                times[label].append(took)
                cpu[label].append(used)
    base = "curl --capath DIR (+ its bundle)"
    title = "start-up over https (TLS on loopback, trusting a hashed SSL_CERT_DIR)"
    if latency:
        title += f", {host} resolved in {latency:g} ms"
    print(f"{title}, median of {runs} interleaved runs (ms; x curl --capath)")
    before = f"; before: {against} ({launcher([against])})" if against else ""
    print(f"  this: {' '.join(CLAUDE)} ({launcher(CLAUDE)}){before}")
    for label in rows:
        wall_ms, cpu_ms = statistics.median(times[label]) * 1000, statistics.median(cpu[label]) * 1000
        ratio = statistics.median(times[label]) / statistics.median(times[base])
        cpu_ratio = statistics.median(cpu[label]) / statistics.median(cpu[base])
        row = f"wall {wall_ms:6.1f} = {ratio:5.2f}x   CPU {cpu_ms:6.1f} = {cpu_ratio:5.2f}x"
        print(f"  {label:40s}  {row}")


# -- the https row with a slow name (--latency): what a DNS lookup costs against the real API --------

SLOW_NAME = "api.bench.test"  # the certificate names it too (tls_files)
NETNS = "CLAUDE_BENCH_NETNS"  # set inside the namespace `named` runs the bench in


def named(argv: list[str]) -> int:
    """Run this bench again in a network and mount namespace of its own (`unshare -rnm`, no root
    needed where user namespaces are allowed): there loopback is up and /etc/resolv.conf names
    127.0.0.1, where `slow_dns` answers. Name resolution (getaddrinfo, for curl and for claude
    alike) then takes the latency asked for, with the GIL released, as a lookup does against
    the real API; the machine's own network and resolver are untouched."""
    resolv = Path(tempfile.mkdtemp(prefix="claude-bench-dns-")) / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:5 attempts:1\n")
    script = 'ip link set lo up && mount --bind "$0" /etc/resolv.conf && exec "$@"'
    return subprocess.call(
        ["unshare", "-rnm", "sh", "-c", script, str(resolv), sys.executable, *argv],
        env={**os.environ, NETNS: "1"},
    )


@contextmanager
def slow_dns(delay: float) -> Iterator[None]:
    """A DNS server on 127.0.0.1:53 answering SLOW_NAME's A query with 127.0.0.1 (and its AAAA
    query with no address) `delay` seconds after each query; any other name does not exist."""
    import socket
    import threading

    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 53))

    def answer(query: bytes) -> bytes:
        end = query.index(b"\0", 12) + 5  # the question: the name's labels, its type and class
        labels, qtype = query[12 : end - 4], query[end - 4 : end - 2]
        name = b".".join(labels[i + 1 : i + 1 + labels[i]] for i in _label_starts(labels)).decode()
        known = name.lower() == SLOW_NAME
        address = qtype == b"\0\1" and known
        flags = b"\x81\x80" if known else b"\x81\x83"  # a response, recursion; NXDOMAIN if unknown
        head = query[:2] + flags + b"\0\1" + (b"\0\1" if address else b"\0\0") + b"\0\0\0\0"
        record = b"\xc0\x0c\0\1\0\1\0\0\0\0\0\4\x7f\0\0\1" if address else b""  # A 127.0.0.1, TTL 0
        return head + query[12:end] + record

    def serve() -> None:
        while True:
            try:
                query, peer = server.recvfrom(512)
            except OSError:
                return
            threading.Timer(delay, server.sendto, (answer(query), peer)).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield
    finally:
        server.close()


def _label_starts(labels: bytes) -> Iterator[int]:
    i = 0
    while i < len(labels) and labels[i]:
        yield i
        i += labels[i] + 1


# -- costs that must grow with the work, not faster (DESIGN.md targets, issue 20) ----------------


def long_answer(deltas: int) -> bytes:
    """An SSE stream of one text block made of `deltas` deltas of 8 characters."""
    head = (
        b'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_bench","type":"message",'
        b'"role":"assistant","model":"claude-sonnet-5-5","content":[],"stop_reason":null,'
        b'"stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}}\n\n'
        b'event: content_block_start\ndata: {"type":"content_block_start","index":0,'
        b'"content_block":{"type":"text","text":""}}\n\n'
    )
    delta = (
        b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
        b'"delta":{"type":"text_delta","text":"abcdefg "}}\n\n'
    )
    tail = (
        b'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n'
        b'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn",'
        b'"stop_sequence":null},"usage":{"output_tokens":%d}}\n\n'
        b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
    ) % deltas
    return head + delta * deltas + tail


def best_of(n: int, emu: Emulator, body: bytes, cmd: list[str] | str, env: dict[str, str]) -> float:
    """Best wall time of n runs of cmd, each answered with the SSE stream `body`, written about one
    event at a time as the API does."""
    times = []
    for _ in range(n):
        emu.enqueue(Reply.sse(body, chunk=len(long_answer(1)) - len(long_answer(0))))
        times.append(wall(cmd, env, b"", shell=isinstance(cmd, str))[0])
    return min(times)


def scale(emu: Emulator, env: dict[str, str], curl: list[str], against: str | None = None) -> None:
    """Long answers, a big prompt, a long conversation, a big log: each against its linear bound.

    With `against` (another claude), its `stream` on the long answer is timed beside ours.
    """
    import shlex

    from claude_cli.store.log import Store

    # 1. A long answer: claude stream / ask against curl | cat on the same bytes, and at 2x the length.
    piped = " ".join(shlex.quote(a) for a in curl) + " | cat > /dev/null"
    took: dict[tuple[str, int], float] = {}
    for deltas in (100_000, 200_000):
        body = long_answer(deltas)
        took["curl", deltas] = best_of(3, emu, body, piped, env)
        took["stream", deltas] = best_of(3, emu, body, [*CLAUDE, "stream", "--no-log", "go"], env)
        took["ask", deltas] = best_of(3, emu, body, [*CLAUDE, "ask", "go"], env)
        if against:
            took["other", deltas] = best_of(1, emu, body, [against, "stream", "--no-log", "go"], env)
    labels = {"stream": "claude stream", "ask": "claude ask   ", "other": "--against stream"}
    for what in [w for w in labels if (w, 100_000) in took]:
        one, two = took[what, 100_000], took[what, 200_000]
        print(
            f"{labels[what]} 100,000 x 8 chars  best {one:5.2f} s = {one / took['curl', 100_000]:5.2f}x "
            f"curl|cat ({took['curl', 100_000]:.2f} s; target within 3x); 2x the answer: "
            f"{two / one:4.2f}x the time (target <= 2.2x)"
        )

    # 2. A 30 MB prompt: peak memory with the log on and off.
    prompt = (b"lorem ipsum dolor sit amet " * 40 + b"\n") * 29_000  # 31 MB of words
    rss = {}
    for label, extra in (("log on", []), ("--no-log", ["--no-log"])):
        emu.enqueue(Reply.text("ok"))
        rss[label] = peak_rss([*CLAUDE, "ask", *extra, "summarise"], env, prompt)
    mib = len(prompt) / 2**20
    print(
        f"30 MB prompt: peak RSS log on {rss['log on']:6.1f} MB = {rss['log on'] / rss['--no-log']:4.2f}x "
        f"--no-log (target <= 1.5x); --no-log {rss['--no-log']:6.1f} MB = 24 MiB + "
        f"{(rss['--no-log'] - 24) / mib:4.2f}x the input (target <= 3x)"
    )

    # 3. A 30-turn conversation adding 100 KB of new text a turn: the log's size.
    home = tempfile.mkdtemp(prefix="claude-bench-log-")
    conv_env = {**env, "CLAUDE_HOME": home}
    new_text = 0
    for turn in range(30):
        text = (f"turn {turn}: " + "".join(f"line {turn}.{i} of new text\n" for i in range(4500))).encode()
        emu.enqueue(Reply.text(f"answer {turn}: " + "new words in the answer " * 80))
        wall([*CLAUDE, "ask", *(["-c"] if turn else []), "go on"], conv_env, text)
        new_text += len(text) + 14 + 24 * 80
    import sqlite3

    db = sqlite3.connect(Path(home) / "claude.db")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    size = (Path(home) / "claude.db").stat().st_size
    print(
        f"30-turn conversation, {new_text / 30 / 1000:.0f} KB new text a turn: log {size / 1e6:5.2f} MB = "
        f"{size / new_text:4.2f}x the new text (target <= 3x)"
    )

    # 4. claude log list over 10,000 conversations against a log with one.
    lists = {}
    for count in (1, 10_000):
        home = tempfile.mkdtemp(prefix="claude-bench-list-")
        store = Store(Path(home) / "claude.db")
        answer = {"role": "assistant", "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn"}
        for i in range(count):
            request = {"model": "claude-sonnet-5-5", "max_tokens": 10}
            request["messages"] = [{"role": "user", "content": f"question {i}"}]
            store.record(None, request, answer)
        store.close()
        list_env = {**env, "CLAUDE_HOME": home}
        lists[count] = median_of(21, lambda list_env=list_env: wall([*CLAUDE, "log", "list"], list_env)[0])
    print(
        f"claude log list: 10,000 conversations {lists[10_000] * 1000:6.1f} ms, one {lists[1] * 1000:6.1f} ms"
        f" = {lists[10_000] / lists[1]:4.2f}x (target within 1.1x)"
    )


if __name__ == "__main__":
    main()
