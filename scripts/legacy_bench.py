"""The legacy import benchmark (``scripts/bench-legacy``; docs/legacy.md, "Speed and memory").

Generates an export of N rows (every user type, every legacy hash shape, dirty identity and
contact fields, the registration-time spellings legacy exports use), creates a fresh PostgreSQL
database, imports the file twice with the real ``idp legacy import`` (a subprocess per run, so
the peak RSS measured is the import's own) and prints rows/s and peak RSS of the first run and
of the re-run; then the migration dashboard's queries on the imported table
(``scripts/bench_dashboard.py``). The database is dropped at the end unless ``--keep``.

Passwords are not verified by the import, so a handful of precomputed hashes (``HASHES``) is
reused across the rows: computing a million bcrypt hashes would take hours.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time

PW = "OldPass#2019"
COLUMNS = (
    "legacy_id",
    "type",
    "name",
    "registered_at",
    "password_hash",
    "password_salt",
    "password_scheme",
    "id_type",
    "id_number",
    "uscc",
    "filed_uscc",
    "mobile",
    "email",
    "province",
    "city",
    "county",
    "street",
    "postal_code",
    "designated",
)
TYPES = ("natural", "自然人", "legal", "法人", "agency", "代理机构", "simple", "简易用户")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
TIMES = (
    "{y}-{m:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}",
    "{y}/{m}/{d} {h}:{mi:02d}:{s:02d}",
    "{y}-{m:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}.0",
    "{y}年{m}月{d}日",
    "{y}-{m:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}+08:00",
)


def hashes() -> list[tuple[str, str, str, str]]:
    """(scheme, password_hash, password_salt, password_scheme cell): one of every scheme the
    import knows (docs/legacy.md "Password schemes"), declared or left to the shape. The one
    list to extend when a new legacy scheme is supported."""
    from passlib import hash as ph

    salt, gbk = "s@lt-盐", "密码" + PW
    return [
        ("md5", hashlib.md5(PW.encode()).hexdigest(), "", ""),
        ("md5-upper", hashlib.md5(PW.encode()).hexdigest().upper(), "", "md5;case=upper"),
        ("sha1", hashlib.sha1(PW.encode()).hexdigest(), "", ""),
        ("sha256", hashlib.sha256(PW.encode()).hexdigest(), "", ""),
        ("sha512", hashlib.sha512(PW.encode()).hexdigest(), "", "sha512"),
        ("sha1-prefix", hashlib.sha1((salt + PW).encode()).hexdigest(), salt, "sha1;salt=prefix"),
        ("sha1-suffix", hashlib.sha1((PW + salt).encode()).hexdigest(), salt, "sha1;salt=suffix"),
        (
            "sha256-prefix",
            hashlib.sha256((salt + PW).encode()).hexdigest(),
            salt,
            "sha256;salt=prefix",
        ),
        (
            "md5-template",
            hashlib.md5(f"{salt}:{PW}".encode()).hexdigest(),
            salt,
            "md5;salt={salt}:{password}",
        ),
        ("md5-gbk", hashlib.md5(gbk.encode("gbk")).hexdigest(), "", "md5;encoding=gbk"),
        ("salted-undeclared", hashlib.md5((salt + PW).encode()).hexdigest(), salt, ""),  # ambiguous
        ("md5_crypt", ph.md5_crypt.hash(PW), "", ""),
        ("bcrypt", ph.bcrypt.using(rounds=10).hash(PW), "", "bcrypt"),
        ("pbkdf2_sha256", ph.pbkdf2_sha256.hash(PW), "", ""),
        ("django_pbkdf2_sha256", ph.django_pbkdf2_sha256.hash(PW), "", "pbkdf2"),
    ]


def _resident_id(n: int) -> str:
    from idp.domain.identity.documents import resident_id_check_char

    first = f"1101{n % 100:02d}{1950 + n % 50}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return first + resident_id_check_char(first)


def _uscc(n: int) -> str:
    from idp.domain.identity.identifiers import gb11714_check, gb32100_check

    body = f"{n % 100_000_000:08d}"
    code = "91110000" + body + gb11714_check(body)
    return code + gb32100_check(code)


def row(n: int, shapes: list) -> dict:
    """Row ``n`` of the export; every type, shape and kind of dirt recurs at its own period."""
    kind = TYPES[n % len(TYPES)]
    english = (
        kind
        if kind.isascii()
        else {"自然人": "natural", "法人": "legal", "代理机构": "agency", "简易用户": "simple"}[
            kind
        ]
    )
    _, password_hash, salt, scheme = shapes[n % len(shapes)]
    y, m, d = 2005 + n % 20, 1 + n % 12, 1 + n % 28
    when = TIMES[n % len(TIMES)].format(y=y, m=m, d=d, h=n % 24, mi=n % 60, s=(n * 7) % 60)
    person = SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)] + GIVEN[n // 7 % len(GIVEN)]
    out = {
        "legacy_id": f"User{n:07d}" if n % 3 else f"u{n}@legacy",
        "type": kind,
        "registered_at": when if n % 97 else str(1100000000 + n),
        "password_hash": password_hash,
        "password_salt": salt,
        "password_scheme": scheme,
    }
    if english in ("natural", "simple"):
        out["name"] = person
        number = _resident_id(n)
        if n % 50 == 7:
            number = number[:17] + ("0" if number[17] != "0" else "1")  # wrong check char
        elif n % 100 == 13:
            number = number[:6] + number[8:17]  # first-generation 15 digits
        out.update(id_type="resident_id" if n % 2 else "居民身份证", id_number=number)
    else:
        out["name"] = person + ("商标代理有限公司" if english == "agency" else "科技有限公司")
        out["uscc"] = _uscc(n) if n % 40 != 11 else "91110000ABCDEFGHIJ"
        if english == "agency":
            out["filed_uscc"] = _uscc(n)
    out["mobile"] = f"1{3 + n % 7}{n % 1_000_000_000:09d}" if n % 30 != 5 else "12345"
    if n % 4 == 0:
        out["email"] = f"user{n}@example.com" if n % 60 else "not-an-email"
    if n % 5 == 0:
        out.update(
            province="北京市",
            city="北京市",
            county="海淀区",
            street=f"学院路{n % 300}号",
            postal_code="100083",
        )
    out["designated"] = ("1", "0", "", "是")[n % 4]
    return out


def generate(path: str, rows: int) -> None:
    shapes = hashes()
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, COLUMNS)
        writer.writeheader()
        for n in range(rows):
            writer.writerow(row(n, shapes))


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the import's worker processes)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as fh:
                    todo.extend(int(child) for child in fh.read().split())
        except OSError:
            pass
    return found


def _memory(pid: int) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) in KiB of the process tree: PSS shares the pages the forked
    workers share with their parent, so its sum is the memory the import really holds."""
    rss = pss = 0
    for each in _tree(pid):
        try:
            with open(f"/proc/{each}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith(("Rss:", "Pss:")):
                        value = int(line.split()[1])
                        rss, pss = (rss + value, pss) if line[0] == "R" else (rss, pss + value)
        except OSError:
            pass
    return rss, pss


def run_import(path: str, env: dict, log: str, args: list[str]) -> dict:
    """Seconds, CPU seconds (the import and its workers; the database server not counted), peak
    RSS of its largest process (``ru_maxrss``), peak RSS and PSS summed over its processes
    (sampled every 0.5 s) and the summary line of one ``idp legacy import`` subprocess."""
    # BENCH_LEGACY_IDP: another command to time instead (e.g. an older checkout's idp)
    idp = os.environ.get("BENCH_LEGACY_IDP") or os.path.join(os.path.dirname(sys.executable), "idp")
    peak = [0, 0]
    started = time.perf_counter()
    with open(log, "w") as err, tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(
            [*idp.split(), "legacy", "import", path, *args],
            env=env,
            stdout=out,
            stderr=err,
            text=True,
        )
        while proc.poll() is None:  # not reaped yet: wait4 below gets its rusage
            rss, pss = _memory(proc.pid)
            peak = [max(peak[0], rss), max(peak[1], pss)]
            time.sleep(0.5)
            if os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
                break
        _, status, usage = os.wait4(proc.pid, 0)
        out.seek(0)
        summary = out.read().strip()
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench-legacy: the import failed (exit {status}); see {log}")
    return dict(
        seconds=seconds,
        cpu=usage.ru_utime + usage.ru_stime,
        maxrss=usage.ru_maxrss,
        rss=peak[0],
        pss=peak[1],
        summary=summary,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432"),
    )
    parser.add_argument("--database", default="idp_bench_legacy")
    parser.add_argument("--keep", action="store_true", help="keep the database and the files")
    args, args.import_args = parser.parse_known_args()  # the rest goes to idp legacy import
    from sqlalchemy import create_engine, text

    admin = create_engine(args.pg_url + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{args.database}"'))
    work = tempfile.mkdtemp(prefix="idp-bench-legacy-")
    env = {
        **os.environ,
        "IDP_ENV": "development",
        "IDP_DATABASE_URL": f"{args.pg_url}/{args.database}",
    }
    try:
        subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), "idp"), "db", "upgrade"],
            env=env,
            check=True,
            capture_output=True,
        )
        path = os.path.join(work, "export.csv")
        started = time.perf_counter()
        generate(path, args.rows)
        print(
            f"generated {args.rows} rows ({os.path.getsize(path) / 2**20:.0f} MiB) in "
            f"{time.perf_counter() - started:.0f} s; {os.cpu_count()} cores; load average "
            f"{os.getloadavg()[0]:.1f}; idp legacy import {' '.join(args.import_args)}",
            flush=True,
        )
        for label in ("first run", "re-run"):
            m = run_import(path, env, os.path.join(work, f"{label}.log"), args.import_args)
            found = re.search(r"读取 (\d+)", m["summary"])
            read = int(found.group(1)) if found else 0
            print(
                f"{label:9}: {read / m['seconds']:7,.0f} rows/s {m['seconds']:6.1f} s "
                f"(CPU {m['cpu']:5.1f} s)  peak RSS {m['maxrss'] / 1024:4.0f} MiB, all "
                f"processes RSS {m['rss'] / 1024:4.0f} MiB PSS {m['pss'] / 1024:4.0f} MiB"
                f"\n           {m['summary']}",
                flush=True,
            )
        dashboard = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_dashboard.py")
        subprocess.run(
            [sys.executable, dashboard, "--database-url", env["IDP_DATABASE_URL"]],
            env=env,
            check=True,
        )
    finally:
        if args.keep:
            print(f"kept database {args.database} and {work}")
        else:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
            for name in os.listdir(work):
                os.remove(os.path.join(work, name))
            os.rmdir(work)
        admin.dispose()


if __name__ == "__main__":
    main()
