"""Load test of the Telegram bot through the Bot API emulator in ../shared/telegram-emulator.

Starts the emulator and `bouncedesk telegram`, lets N users (default 50) write at the same
moment (questions, pasted error lines, forwarded bounces, in Japanese and English), waits until
every one of them has an answer, and prints latency numbers. Then uploads a bounce (.eml) a few
times, one after the other, and prints how long the answer took (target: under 1 s).

    .venv/bin/python benchmarks/load_telegram.py [--users 50] [--uploads 10] [--keep-logs DIR]

Latency = time from the user's message entering the emulator to the bot's first answer
message (typing indicators do not count) as the emulator recorded it.
"""

from __future__ import annotations

import argparse
import base64
import importlib.util
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
EMULATOR_DIR = REPO.parent / "shared" / "telegram-emulator"
UPLOAD = REPO / "tests" / "fixtures" / "telegram" / "userunknown-postfix.eml"
TOKEN = "123456789:AAE2E-load-test-token-not-real"

MESSAGES = [
    ("en", "What is MAILER-DAEMON?"),
    ("ja", "メールが戻ってきました。どうすればいいですか？"),
    ("en", "550 5.1.1 <user{n}@example.net>: Recipient address rejected: User unknown"),
    ("ja", "552 5.2.2 <box{n}@example.jp>: Mailbox full"),
    ("en", "Why did my mail bounce?"),
    ("ja", "添付ファイルが大きすぎると言われました"),
    (
        "en",
        "Hi. This is the qmail-send program at mx.example.org.\n<q{n}@example.org>:\n"
        "Sorry, no mailbox here by that name. (#5.1.1)",
    ),
    ("ja", "迷惑メールと判定されて届かないようです"),
]


def load_runner() -> ModuleType:
    spec = importlib.util.spec_from_file_location("telegram_e2e", EMULATOR_DIR / "telegram_e2e.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {EMULATOR_DIR / 'telegram_e2e.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["telegram_e2e"] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def bot_command() -> list[str]:
    script = REPO / ".venv" / "bin" / "bouncedesk"
    return [str(script), "telegram"] if script.exists() else [sys.executable, "-m", "bot", "telegram"]


def seconds(t: float) -> float:
    """The emulator stamps records in milliseconds."""
    return t / 1000.0 if t > 1e11 else t


def first_answers(history: list[dict[str, Any]], since: dict[int, float]) -> dict[int, float]:
    """chat id -> time of the bot's first text message after `since[chat]`."""
    out: dict[int, float] = {}
    for rec in history:
        m = rec.get("message") or {}
        if "chat_id" not in m or "chat" in m or not (m.get("text") or m.get("caption")):
            continue
        try:
            chat = int(m["chat_id"])
        except (TypeError, ValueError):
            continue
        t = seconds(float(rec.get("time", 0)))
        if chat in since and t >= since[chat] - 0.05 and (chat not in out or t < out[chat]):
            out[chat] = t
    return out


def user(n: int, lang: str) -> tuple[dict[str, Any], dict[str, Any]]:
    uid = 50_000 + n
    frm = {"id": uid, "is_bot": False, "first_name": f"User{n}", "language_code": lang}
    chat = {"id": uid, "type": "private", "first_name": f"User{n}"}
    return frm, chat


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--uploads", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for all answers")
    ap.add_argument("--keep-logs", metavar="DIR", help="keep emulator and bot logs here")
    args = ap.parse_args()

    if not (EMULATOR_DIR / "emulator.js").is_file() or not shutil.which("node"):
        print(f"needs {EMULATOR_DIR} and Node.js", file=sys.stderr)
        return 2
    runner = load_runner()
    work = Path(args.keep_logs) if args.keep_logs else Path(tempfile.mkdtemp(prefix="bouncedesk-load-"))
    work.mkdir(parents=True, exist_ok=True)
    emulator = runner.Emulator(EMULATOR_DIR, work / "emulator.log", "LoadTestBot", install=True)
    bot: subprocess.Popen[bytes] | None = None
    try:
        users = [user(n, MESSAGES[n % len(MESSAGES)][0]) for n in range(args.users)]
        for _, chat in users:
            emulator.post("/x/registerChat", {"chat": chat})
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOUNCEDESK_")}
        env.update(
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_URL": emulator.info["api_url"],
                "TELEGRAM_FILE_API_URL": emulator.info["file_api_url"],
                "BOUNCEDESK_DATA_DIR": str(work / "data"),
                "PYTHONUNBUFFERED": "1",
            }
        )
        log = (work / "bot.log").open("wb")
        started = time.perf_counter()
        bot = subprocess.Popen(
            bot_command(), cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        while not emulator.state().get("polls", {}).get(TOKEN):
            if bot.poll() is not None or time.perf_counter() - started > 60:
                print(f"bot did not start; see {work / 'bot.log'}", file=sys.stderr)
                return 1
            time.sleep(0.05)
        print(f"bot polling after {time.perf_counter() - started:.2f} s")

        # ---- N users at once
        sent_at: dict[int, float] = {}
        barrier = threading.Barrier(args.users)

        def write(n: int) -> None:
            frm, chat = users[n]
            text = MESSAGES[n % len(MESSAGES)][1].format(n=n)
            barrier.wait()
            sent_at[chat["id"]] = time.time()
            emulator.post(
                "/sendMessage",
                {"botToken": TOKEN, "date": int(time.time()), "from": frm, "chat": chat, "text": text},
            )

        threads = [threading.Thread(target=write, args=(n,)) for n in range(args.users)]
        t0 = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        answers: dict[int, float] = {}
        while time.time() - t0 < args.timeout:
            answers = first_answers(emulator.history(TOKEN), sent_at)
            if len(answers) >= args.users:
                break
            time.sleep(0.1)
        wall = max(answers.values(), default=t0) - t0
        lat = [answers[c] - sent_at[c] for c in answers]
        print(
            f"{args.users} users writing at once: {len(answers)}/{args.users} answered, "
            f"all within {wall:.2f} s"
        )
        if lat:
            print(
                f"  latency  p50 {statistics.median(lat) * 1000:.0f} ms"
                f"  p90 {percentile(lat, 90) * 1000:.0f} ms"
                f"  max {max(lat) * 1000:.0f} ms  mean {statistics.fmean(lat) * 1000:.0f} ms"
            )

        # ---- uploads, one at a time
        data = UPLOAD.read_bytes()
        frm, chat = user(9999, "ja")
        emulator.post("/x/registerChat", {"chat": chat})
        up: list[float] = []
        for _ in range(args.uploads):
            doc = emulator.post(
                "/x/uploadFile",
                {
                    "file_name": UPLOAD.name,
                    "mime_type": "message/rfc822",
                    "content_base64": base64.b64encode(data).decode(),
                },
            )
            since = {chat["id"]: time.time()}
            emulator.post(
                "/sendMessage",
                {"botToken": TOKEN, "date": int(time.time()), "from": frm, "chat": chat, "document": doc},
            )
            got: dict[int, float] = {}
            end = time.time() + 30
            while time.time() < end and not got:
                time.sleep(0.02)
                got = first_answers(emulator.history(TOKEN), since)
            if got:
                up.append(got[chat["id"]] - since[chat["id"]])
            time.sleep(0.3)  # let the rest of the answer arrive before the next upload
        if up:
            print(
                f"uploaded bounce ({len(data)} bytes .eml), {len(up)}/{args.uploads} answered: "
                f"p50 {statistics.median(up) * 1000:.0f} ms  max {max(up) * 1000:.0f} ms (target < 1000 ms)"
            )
        ok = len(answers) == args.users and len(up) == args.uploads
        print("result:", "all answered" if ok else "SOME UNANSWERED")
        return 0 if ok else 1
    finally:
        if bot is not None and bot.poll() is None:
            os.killpg(bot.pid, signal.SIGINT)
            try:
                bot.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(bot.pid, signal.SIGKILL)
        emulator.close()
        if not args.keep_logs:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
