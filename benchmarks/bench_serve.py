"""Benchmark the reward server: throughput and p50/p99 latency under concurrent clients.

(a) The MiniLM reward model (the ``reward_model`` reward, ``rm:DIR``) behind ``rewardlab serve``
    with dynamic batching, against the same reward behind an unbatched FastAPI endpoint that
    scores one request at a time (the OpenRLHF ``serve_rm`` style). Target: >= 3x the throughput
    at no worse p99.
(b) A verifier spec (the ``math`` verifier on real GSM8K solutions) behind ``rewardlab serve``,
    against the same one-request-at-a-time endpoint.

Both servers run as separate processes, one after the other (never at the same time), get the
same requests (OpenRLHF's ``/get_reward`` shape, one query per request, as many trainer workers
send them) from ``--concurrency`` concurrent clients, and are warmed up first.

The reward model is ``--model DIR`` when given, else the trained model at
``/work/notes/models/bt-hh-minilm`` when it exists, else a MiniLM reward model with an untrained
head written on the fly (same network, same cost; the scores are not meaningful, the timing is).

Usage::

    .venv/bin/python benchmarks/bench_serve.py              # full run
    .venv/bin/python benchmarks/bench_serve.py --quick      # a short run
    .venv/bin/python benchmarks/bench_serve.py --record     # append the figures to benchmarks/RESULTS.md
"""

import argparse
import asyncio
import gzip
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = Path(os.environ.get("REWARDLAB_SHARED_DATA", REPO.parent / "shared" / "data"))
TRAINED = Path("/work/notes/models/bt-hh-minilm")
PYTHON = sys.executable


# ---- the peer: an unbatched one-request-at-a-time FastAPI endpoint ------------------------------
def run_peer(spec_ref: str, port: int, params: dict[str, Any] | None = None) -> None:
    """OpenRLHF-style reward server: each request is scored on its own, one at a time."""
    import uvicorn
    from fastapi import FastAPI, Request

    from rewardlab.core.spec import resolve
    from rewardlab.integrations.openrlhf import samples_from_openrlhf

    spec = resolve(spec_ref, params=params or None)
    spec.score_batch([{"prompt": "warm-up", "completion": "warm-up"}])  # load the model before serving
    app = FastAPI()
    lock = asyncio.Lock()

    @app.get("/readyz")
    async def readyz() -> dict[str, bool]:
        return {"ready": True}

    @app.post("/get_reward")
    async def get_reward(request: Request) -> dict[str, Any]:
        data = await request.json()
        samples = samples_from_openrlhf(data["query"], data.get("prompts"), data.get("labels"))
        async with lock:  # one request at a time, no batching across requests
            results = await asyncio.to_thread(spec.score_batch, samples)
        rewards = [r.score for r in results]
        return {"rewards": rewards, "scores": rewards, "extra_logs": {}}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


# ---- load generation ------------------------------------------------------------------------------
@dataclass
class Figures:
    name: str
    requests: int
    seconds: float
    latencies: list[float]
    failures: int

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def pct(self, q: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))] * 1000.0

    @property
    def p50(self) -> float:
        return self.pct(0.50)

    @property
    def p99(self) -> float:
        return self.pct(0.99)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(cmd: list[str], port: int, timeout_s: float = 300.0) -> subprocess.Popen[bytes]:
    import httpx

    env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise TimeoutError("server not ready")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


async def load(url: str, payloads: list[dict[str, Any]], concurrency: int, name: str) -> Figures:
    import httpx

    latencies: list[float] = []
    failures = 0
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for p in payloads:
        queue.put_nowait(p)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=600, limits=limits) as http:
        for p in payloads[: min(16, len(payloads))]:  # warm-up, not measured
            await http.post(url, json=p)

        async def worker() -> None:
            nonlocal failures
            while not queue.empty():
                payload = queue.get_nowait()
                t0 = time.perf_counter()
                r = await http.post(url, json=payload)
                latencies.append(time.perf_counter() - t0)
                body = r.json() if r.status_code == 200 else {}
                if r.status_code != 200 or any(x is None for x in body.get("rewards", [None])):
                    failures += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return Figures(name, len(payloads), seconds, latencies, failures)


def measure(
    spec_ref: str,
    payloads: list[dict[str, Any]],
    concurrency: int,
    serve_args: list[str],
    params: dict[str, Any] | None = None,
) -> tuple[Figures, Figures]:
    port = free_port()
    proc = start(
        [
            PYTHON,
            "-m",
            "rewardlab",
            "serve",
            "-r",
            spec_ref,
            "--port",
            str(port),
            "--cache",
            "off",
            "--log-level",
            "warning",
            *[arg for k, v in (params or {}).items() for arg in ("-p", f"{k}={v}")],
            *serve_args,
        ],
        port,
    )
    try:
        ours = asyncio.run(load(f"http://127.0.0.1:{port}/get_reward", payloads, concurrency, "rewardlab serve"))
    finally:
        stop(proc)
    port = free_port()
    peer_cmd = [PYTHON, str(Path(__file__).resolve()), "--peer-server", spec_ref, "--port", str(port)]
    proc = start([*peer_cmd, "--params", json.dumps(params or {})], port)
    try:
        peer = asyncio.run(load(f"http://127.0.0.1:{port}/get_reward", payloads, concurrency, "unbatched endpoint"))
    finally:
        stop(proc)
    return ours, peer


# ---- workloads ---------------------------------------------------------------------------------------
def read_gz(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def hh_payloads(n: int) -> list[dict[str, Any]]:
    rows = read_gz(DATA / "hh_harmless_dev.jsonl.gz")
    out = []
    for i in range(n):
        row = rows[i % len(rows)]
        prompt = "".join(f"{m['role'].title()}: {m['content']}\n\n" for m in row["prompt"]) + "Assistant:"
        response = " " + (row["chosen"] if i % 2 == 0 else row["rejected"])
        out.append({"query": [prompt + response], "prompts": [prompt], "labels": [None]})
    return out


def gsm8k_payloads(n: int) -> list[dict[str, Any]]:
    rows = read_gz(DATA / "gsm8k_solutions.jsonl.gz")
    out = []
    for i in range(n):
        row = rows[i % len(rows)]
        prompt = f"Question: {row['question']}\nAnswer: "
        out.append({"query": [prompt + row["solution"]], "prompts": [prompt], "labels": [row["reference_answer"]]})
    return out


def model_ceiling(spec_ref: str, payloads: list[dict[str, Any]], params: dict[str, Any] | None = None) -> str:
    """How much faster the reward itself is on a batch than one sample at a time, in this process:
    the most any batching server can gain on this machine."""
    from rewardlab.core.spec import resolve
    from rewardlab.integrations.openrlhf import samples_from_openrlhf

    spec = resolve(spec_ref, params=params or None)
    samples = [samples_from_openrlhf(p["query"], p["prompts"], p["labels"])[0] for p in payloads[:64]]
    spec.score_batch(samples[:2])
    t0 = time.perf_counter()
    spec.score_batch(samples)
    batched = (time.perf_counter() - t0) / len(samples)
    t0 = time.perf_counter()
    for sample in samples[:32]:
        spec.score_batch([sample])
    single = (time.perf_counter() - t0) / 32
    return (
        f"the reward alone, in process: {batched * 1000:.0f} ms/sample on a batch of {len(samples)}, "
        f"{single * 1000:.0f} ms/sample one at a time (ceiling of any batching server here: {single / batched:.2f}x)"
    )


def reward_model_dir(arg: str | None, workdir: Path) -> tuple[Path, str]:
    if arg:
        return Path(arg), f"trained reward model {arg}"
    from rewardlab.models.bt.checkpoint import CONFIG_FILE, create_reward_model

    if (TRAINED / CONFIG_FILE).is_file():
        return TRAINED, f"trained reward model {TRAINED}"

    folder = create_reward_model(workdir / "minilm-rm", backbone="minilm")
    return folder, "MiniLM reward model with an untrained head (same network and cost as a trained one)"


# ---- reporting ---------------------------------------------------------------------------------------
def table(ours: Figures, peer: Figures) -> str:
    lines = [
        "| server | requests | req/s | p50 ms | p99 ms | failed |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for f in (ours, peer):
        lines.append(f"| {f.name} | {f.requests} | {f.throughput:.1f} | {f.p50:.0f} | {f.p99:.0f} | {f.failures} |")
    lines.append(
        f"\nthroughput ratio {ours.throughput / peer.throughput:.2f}x; "
        f"p99 ratio (peer / rewardlab) {peer.p99 / ours.p99:.2f}x"
    )
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return (
        f"{os.cpu_count()} cores ({cpu}), no GPU, Python {platform.python_version()}; "
        f"load average at the end {load} (other jobs share the machine when it is above the core count)"
    )


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="A short run.")
    ap.add_argument("--record", action="store_true", help="Append the figures to benchmarks/RESULTS.md.")
    ap.add_argument(
        "--model", help="Reward-model folder (default: the trained one if present, else an untrained head)."
    )
    ap.add_argument("--requests", type=int, help="Requests per server for (a) (default 512, quick 160).")
    ap.add_argument("--concurrency", type=int, default=64, help="Concurrent clients.")
    ap.add_argument("--max-batch-size", type=int, default=64, help="rewardlab serve --max-batch-size for (a).")
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads of the reward model in both servers (default 1: on a shared CPU, OpenMP barriers "
        "across busy cores make every op of a multi-threaded forward pass many times slower).",
    )
    ap.add_argument("--peer-server", metavar="SPEC", help=argparse.SUPPRESS)
    ap.add_argument("--params", default="{}", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.peer_server:
        run_peer(args.peer_server, args.port, json.loads(args.params))
        return 0
    if not DATA.exists():
        print(f"shared data not found at {DATA}", file=sys.stderr)
        return 1
    n_rm = args.requests or (160 if args.quick else 512)
    n_math = 400 if args.quick else 2000
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("REWARDLAB_HOME", str(Path(tmp) / "home"))
        folder, which = reward_model_dir(args.model, Path(tmp))
        print(
            f"(a) reward model: {which}; {n_rm} requests of 1 query, {args.concurrency} concurrent clients", flush=True
        )
        rm_ours, rm_peer = measure(
            f"rm:{folder}",
            hh_payloads(n_rm),
            args.concurrency,
            ["--max-batch-size", str(args.max_batch_size), "--max-delay-ms", "10"],
            {"threads": args.threads},
        )
        print(table(rm_ours, rm_peer), flush=True)
        ceiling = model_ceiling(f"rm:{folder}", hh_payloads(64), {"threads": args.threads})
        print(ceiling, flush=True)
        print(
            f"\n(b) math verifier on GSM8K solutions; {n_math} requests of 1 query, "
            f"{args.concurrency} concurrent clients",
            flush=True,
        )
        v_ours, v_peer = measure("math", gsm8k_payloads(n_math), args.concurrency, [])
        print(table(v_ours, v_peer), flush=True)
    ok = rm_ours.throughput >= 3 * rm_peer.throughput and rm_ours.p99 <= rm_peer.p99
    print(f"\ntarget (a) >= 3x throughput at no worse p99: {'met' if ok else 'NOT met'}")
    if args.record:
        command = "python benchmarks/bench_serve.py" + (" --quick" if args.quick else "") + " --record"
        section = (
            f"\n## bench_serve: reward server, dynamic batching vs one request at a time "
            f"({time.strftime('%Y-%m-%d')})\n\n"
            f"Command: `{command}`  \nMachine: {machine()}  \n"
            f"Load: {args.concurrency} concurrent clients, one query per request (OpenRLHF `/get_reward`), "
            "each server in its own process, measured one after the other, after a warm-up.\n\n"
            f"(a) {which} (`rm:DIR -p threads={args.threads}`), "
            f"`rewardlab serve --max-batch-size {args.max_batch_size} --max-delay-ms 10` "
            f"vs an unbatched FastAPI endpoint, {n_rm} requests:\n\n{table(rm_ours, rm_peer)}\n\n{ceiling}.\n\n"
            f"(b) `math` verifier on GSM8K solutions, {n_math} requests:\n\n{table(v_ours, v_peer)}\n\n"
            f"Target (a) >= 3x throughput at no worse p99: {'met' if ok else 'not met'}.\n"
        )
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
            fh.write(section)
        print("recorded in benchmarks/RESULTS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
