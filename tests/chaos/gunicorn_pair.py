"""The fault checks against two real gunicorn processes (``scripts/chaos --gunicorn``).

A fresh PostgreSQL database (migrated, ``idp demo seed``) and a random Redis prefix; instances A
and B run ``gunicorn idp.wsgi:app`` (1 worker, 4 threads), each reaching PostgreSQL and Redis
through its own cuttable proxy (``tests/faults.py``). The checks use the client credentials
grant of the demo ``bench`` client (a token row committed per request):

- a COMMIT of A cut before it reaches PostgreSQL, and after (its answer lost): 503 JSON;
- A's database and Redis connections cut after every twentieth of a token request's bytes,
  either way: each answer is 200 or a 503 with its JSON body, never a 500 or an empty answer;
- A's database refused, then in a partition (no answer): token requests 503 within 5 s,
  discovery still 200 at once; B serves throughout; A serves again once the proxy passes.

Prints one line per check and exits 1 if any failed. Not collected by pytest (no ``test_``).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from faults import Proxy  # noqa: E402

BIN = Path(sys.executable).parent
PG_URL = os.environ.get("IDP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("IDP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BASIC = "Basic " + base64.b64encode(b"bench:bench-secret").decode()
failures: list[str] = []


def check(name: str, ok: bool, detail: object = "") -> None:
    print(f"{'ok  ' if ok else 'FAIL'} {name} {detail if not ok else ''}".rstrip(), flush=True)
    if not ok:
        failures.append(name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def through(url: str, proxy: Proxy) -> str:
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(False)


class Gunicorn:
    def __init__(self, name: str, env: dict[str, str], database_url: str, logdir: Path):
        pg, rd = make_url(database_url), make_url(REDIS_URL)
        self.name = name
        self.db = Proxy(pg.host or "127.0.0.1", pg.port or 5432)
        self.redis = Proxy(rd.host or "127.0.0.1", rd.port or 6379)
        self.base = f"http://127.0.0.1:{free_port()}"
        env = dict(
            env,
            IDP_DATABASE_URL=through(database_url, self.db),
            IDP_STORE_URL=through(REDIS_URL, self.redis),
        )
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--bind", self.base[len("http://") :], "--workers", "1"]
            + ["--threads", "4", "--log-level", "warning", "idp.wsgi:app"],
            env=env,
            stdout=open(logdir / f"{name}.log", "w"),  # noqa: SIM115 (closed with the process)
            stderr=subprocess.STDOUT,
        )
        for _ in range(150):
            if self.get("/.well-known/openid-configuration")[0] == 200:
                return
            time.sleep(0.2)
        raise SystemExit(f"instance {name} did not start (see {logdir / name}.log)")

    def get(self, path: str) -> tuple[object, bytes, float]:
        return self._open(urllib.request.Request(self.base + path))

    def token(self) -> tuple[object, bytes, float]:
        data = b"grant_type=client_credentials"
        return self._open(
            urllib.request.Request(
                self.base + "/token", data=data, headers={"Authorization": BASIC}
            )
        )

    def authorize(self) -> tuple[object, bytes, float]:
        """An authorization request (parked in Redis), followed to the login page."""
        query = urllib.parse.urlencode(
            {
                "response_type": "code",
                "client_id": "bench",
                "redirect_uri": "http://127.0.0.1:9/cb",
                "scope": "openid",
                "state": "s",
                "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                "code_challenge_method": "S256",
            }
        )
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        return self._open(urllib.request.Request(self.base + "/authorize?" + query), browser)

    @staticmethod
    def _open(req, opener=None) -> tuple[object, bytes, float]:
        started = time.monotonic()
        try:
            with (opener or urllib.request.build_opener()).open(req, timeout=30) as r:
                return r.status, r.read(), time.monotonic() - started
        except urllib.error.HTTPError as e:
            return e.code, e.read(), time.monotonic() - started
        except OSError as e:
            return "no answer", repr(e).encode(), time.monotonic() - started

    def heal(self) -> None:
        for proxy in (self.db, self.redis):
            proxy.disarm()
            proxy.passing()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(15)
        self.db.close()
        self.redis.close()


def clean_503(answer) -> bool:
    status, body, _ = answer
    if status == 503 and body.lstrip().startswith(b"<!doctype html>"):
        return "服务暂时不可用".encode() in body
    try:
        return status == 503 and json.loads(body)["error"] == "temporarily_unavailable"
    except ValueError:
        return False


def main() -> int:
    name = f"idp_chaos_{secrets.token_hex(4)}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = PG_URL.rsplit("/", 1)[0] + "/" + name
    prefix = f"idp-chaos-{secrets.token_hex(4)}:"
    logdir = Path(os.environ.get("TMPDIR", "/tmp")) / name
    logdir.mkdir()
    env = dict(
        os.environ,
        IDP_ENV="development",
        IDP_ISSUER="http://127.0.0.1:5000",
        IDP_DATABASE_URL=database_url,
        IDP_STORE_URL=REDIS_URL,
        IDP_STORE_PREFIX=prefix,
        IDP_DATABASE_CONNECT_TIMEOUT="2",
        IDP_DATABASE_POOL_TIMEOUT="2",
    )
    for command in (["db", "upgrade"], ["demo", "seed"]):
        subprocess.run([str(BIN / "idp"), *command], env=env, check=True, capture_output=True)
    pair: list[Gunicorn] = []
    try:
        pair = [Gunicorn(n, env, database_url, logdir) for n in ("A", "B")]
        a, b = pair
        check("A and B issue tokens", a.token()[0] == 200 and b.token()[0] == 200)
        for deliver, what in ((False, "before it reached PostgreSQL"), (True, "its answer lost")):
            cut = a.db.cut(pattern=b"COMMIT", deliver=deliver)
            answer = a.token()
            check(f"A's COMMIT cut {what}: 503 JSON", cut.wait(3) and clean_503(answer), answer)
        for proxy_name, request in (("db", a.token), ("db", a.authorize), ("redis", a.authorize)):
            proxy = getattr(a, proxy_name)
            before = dict(proxy.forwarded)
            first = request()
            assert first[0] == 200, first
            for way in ("up", "down"):
                total = proxy.forwarded[way] - before[way]
                odd = []
                for after in range(1, total + 1, max(1, total // 20)):
                    proxy.cut(after_bytes=after, direction=way)
                    answer = request()
                    proxy.disarm()
                    if answer[0] != 200 and not clean_503(answer):
                        odd.append((after, answer))
                where = f"{request.__name__} with A's {proxy_name} cut at every 20th of {total}"
                check(f"{where} bytes {way}: 200/503", not odd, odd)
        a.db.refusing()
        a.db.reset()
        answer = a.token()
        check("A's database refused: 503 JSON", clean_503(answer), answer)
        check("B serves meanwhile", b.token()[0] == 200)
        a.db.blackhole()
        a.db.reset()
        answer = a.token()
        check(
            "A's database partitioned: 503 within 5 s", clean_503(answer) and answer[2] < 5, answer
        )
        discovery = a.get("/.well-known/openid-configuration")
        check("discovery answers at once", discovery[0] == 200 and discovery[2] < 1, discovery[:1])
        check("B serves meanwhile", b.token()[0] == 200)
        a.heal()
        check("A serves again", a.token()[0] == 200)
    finally:
        for instance in pair:
            instance.stop()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    if failures:
        print(f"{len(failures)} failed; gunicorn logs in {logdir}", flush=True)
        return 1
    shutil.rmtree(logdir, ignore_errors=True)
    print("all passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
