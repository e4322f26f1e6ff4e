#!/usr/bin/env python3
"""The HTTP load and the checks of scripts/cluster-test (Python standard library only).

    cluster_burst.py shared-state --a URL --b URL --staff-email E --staff-password P --first N
    cluster_burst.py burst --url URL --first N --count C --clients K [--kill-pid PID --kill-at F] --out FILE
    cluster_burst.py retry --url URL --results FILE
    cluster_burst.py throughput --url URL --first N --count C --clients K [--kojo-pids A,B --metrics URLS]
    cluster_burst.py drain --db URL
    cluster_burst.py check --db URL --results FILE --capacity C --mail-dir DIR... [--expire-leases]

Every application is a distinct eligible company numbered n: 法人番号 made from n (with its
check digit) and the e-mail contact{n}@example.jp, so a company's number, its e-mail and its
outbox row can be matched one to one.
"""

import argparse
import email.parser
import email.policy
import hashlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

# Sent on every burst request: nginx must replace it with the address it sees (127.0.0.1).
SPOOFED_CLIENT = "203.0.113.7"


def corporate_number(n):
    """A valid 13-digit 法人番号 made from n (as crates/bench/src/intake.rs does)."""
    base = f"{100_000_000_000 + n:012d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 2) for i, d in enumerate(reversed(base)))
    return f"{9 - total % 9}{base}"


def contact_email(n):
    return f"contact{n}@example.jp"


def application(n, course="utm"):
    """A complete, eligible application for company n (the body of crates/bench/src/intake.rs)."""
    return {
        "course": course,
        "company": {
            "name": f"株式会社テスト{n}", "name_kana": "カブシキガイシャテスト",
            "corporate_number": corporate_number(n), "sole_proprietor": False,
            "postal_code": "163-8001", "prefecture": "東京都", "address": f"新宿区西新宿2-8-{n}",
            "industry": "manufacturing", "capital_yen": 10_000_000, "employees": 25,
            "representative_name": "山田 太郎", "representative_title": "代表取締役",
        },
        "contact": {
            "name": "佐藤 花子", "name_kana": "サトウ ハナコ", "department": "総務部",
            "email": contact_email(n), "phone": "03-1234-5678",
        },
        "environment": {
            "connection_layout": "光回線→ルーター→スイッチングハブ", "free_hub_port": "yes",
            "existing_utm": False, "existing_utm_vendor": None, "policy_status": "none",
        },
        "previous_participant": False, "uses_equivalent_tokyo_subsidy": False,
        "declarations": {k: True for k in "abcdefg"},
        "privacy_policy_accepted": True,
    }


def fail(message):
    print(f"cluster-test: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


# --- HTTP -----------------------------------------------------------------------------------


class Client:
    """One keep-alive connection with a small cookie jar; no redirects followed."""

    def __init__(self, base, timeout=30):
        url = urllib.parse.urlsplit(base)
        self.host, self.port, self.timeout = url.hostname, url.port, timeout
        self.cookies = {}
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except Exception:
            self.close()
            raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                self.cookies[key.strip()] = val.strip()
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, response, data

    def form(self, path, fields):
        body = urllib.parse.urlencode(fields).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def page_csrf(html):
    found = re.search(rb'name="csrf" value="([^"]+)"', html)
    return found.group(1).decode() if found else ""


def flatten(value, prefix=""):
    """The form's field names are the JSON paths of the API body (web::form_fields)."""
    pairs = []
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            pairs += flatten(item, name + ".")
        elif item is True:
            pairs.append((name, "yes"))
        elif item is False:
            pairs.append((name, "no"))  # an unticked box, or "no" on a yes/no question
        elif item is None:
            continue
        else:
            pairs.append((name, str(item)))
    return pairs


def shared_state(args):
    """What must hold on any process: a staff session made on A is valid on B, and a cookie
    signed by A (the confirmation page after applying) verifies on B (same KOJO_SECRET_KEY)."""
    # Staff: sign in on A, then use the session on B.
    a = Client(args.a)
    status, _, html = a.request("GET", "/office/login")
    if status != 200:
        fail(f"GET /office/login on A answered {status}")
    status, response, _ = a.form(
        "/office/login",
        {"email": args.staff_email, "password": args.staff_password, "csrf": page_csrf(html)},
    )
    if status != 303 or "kojo_session" not in a.cookies:
        fail(f"sign-in on A answered {status} without a session cookie")
    b = Client(args.b)
    b.cookies = {"kojo_session": a.cookies["kojo_session"]}
    status, response, _ = b.request("GET", "/office/password")
    if status != 200:
        fail(f"a staff session made on A is not valid on B: GET /office/password answered {status} "
             f"{response.getheader('Location', '')}")
    b.cookies = {}
    status, response, _ = b.request("GET", "/office/password")
    if status != 303:
        fail(f"B answered {status} to /office/password without a session (expected a redirect to sign in)")
    print("staff session: made on A, valid on B", file=sys.stderr)

    # The public form on A (入力 → 確認 → 完了), its signed confirmation cookie read on B.
    a = Client(args.a)
    status, _, html = a.request("GET", "/apply")
    if status != 200:
        fail(f"GET /apply on A answered {status}")
    fields = flatten(application(args.first, "risk_assessment")) + [("step", "send"), ("csrf", page_csrf(html))]
    status, response, data = a.form("/apply", fields)
    if status != 303 or "kojo_done" not in a.cookies:
        fail(f"the application form on A answered {status}: {data[:300]!r}")
    b = Client(args.b)
    b.cookies = {"kojo_done": a.cookies["kojo_done"]}
    status, response, data = b.request("GET", "/apply/done")
    if status != 200:
        fail(f"the confirmation cookie signed on A was refused on B ({status} "
             f"{response.getheader('Location', '')}): is KOJO_SECRET_KEY the same on both?")
    b.cookies = {"kojo_done": a.cookies["kojo_done"][:-2] + "00"}
    status, _, _ = b.request("GET", "/apply/done")
    if status != 303:
        fail(f"B accepted a tampered confirmation cookie ({status})")
    print("signed cookie: made on A, verified on B", file=sys.stderr)


def post_application(client, n, course="utm"):
    """Posts company n; returns ("ok", record) for a 201, else (kind, detail)."""
    body = json.dumps(application(n, course)).encode()
    headers = {"Content-Type": "application/json", "X-Forwarded-For": SPOOFED_CLIENT}
    try:
        status, _, data = client.request("POST", "/api/v1/applications", body, headers)
    except (OSError, http.client.HTTPException) as error:
        return "connection", type(error).__name__
    if status == 201:
        answer = json.loads(data)
        return "ok", {
            "n": n, "reference": answer["reference"], "status": answer["status"],
            "waitlist_position": answer.get("waitlist_position"),
        }
    try:
        code = json.loads(data).get("error", "")
    except ValueError:
        code = ""
    return f"http {status}", code


def cpu_ticks():
    """(busy, total) jiffies of the whole machine."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def run_load(url, numbers, clients, on_ack=None):
    """Posts every company in `numbers` from `clients` threads, each on its own keep-alive
    connection. Returns (acknowledged, failed, seconds, machine busy share)."""
    lock = threading.Lock()
    todo = iter(numbers)
    acknowledged, failed = [], []

    def worker():
        client = Client(url)
        while True:
            with lock:
                n = next(todo, None)
            if n is None:
                break
            kind, detail = post_application(client, n)
            with lock:
                if kind == "ok":
                    detail["at"] = time.monotonic() - started
                    acknowledged.append(detail)
                    if on_ack:
                        on_ack(len(acknowledged))
                else:
                    failed.append({"n": n, "kind": kind, "detail": detail, "at": time.monotonic() - started})
        client.close()

    busy0, total0 = cpu_ticks()
    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    busy1, total1 = cpu_ticks()
    busy = (busy1 - busy0) / max(1, total1 - total0)
    return acknowledged, failed, seconds, busy


def burst(args):
    killed = {}

    def on_ack(count):
        if args.kill_pid and not killed and count >= int(args.count * args.kill_at):
            os.kill(args.kill_pid, signal.SIGKILL)
            killed.update(acknowledged=count, pid=args.kill_pid)
            print(f"kill -9 {args.kill_pid} after {count} acknowledged", file=sys.stderr)

    numbers = list(range(args.first, args.first + args.count))
    acknowledged, failed, seconds, busy = run_load(args.url, numbers, args.clients, on_ack)
    if args.kill_pid and not killed:
        fail("the burst ended before the kill")

    results = {
        "first": args.first, "count": args.count, "clients": args.clients, "seconds": seconds,
        "machine_busy": busy, "killed": killed, "acknowledged": acknowledged, "failed": failed,
        "retries": [],
    }
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    kinds = Counter(f"{f['kind']} {f['detail']}".strip() for f in failed)
    print(
        f"burst: {args.count} sent by {args.clients} clients in {seconds:.2f} s "
        f"({args.count / seconds:.0f} requests/s), {len(acknowledged)} acknowledged, "
        f"{len(failed)} failed {dict(kinds)}",
        file=sys.stderr,
    )


def retry(args):
    """Sends each request that failed once more, as its applicant would (the same company): 201
    if the first attempt was never committed, 409 if it was committed but its answer was lost."""
    results = json.loads(Path(args.results).read_text())
    client = Client(args.url)
    for failure in sorted(results["failed"], key=lambda f: f["n"]):
        kind, detail = post_application(client, failure["n"])
        results["retries"].append({"n": failure["n"], "kind": kind, "detail": detail})
    client.close()
    Path(args.results).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    outcomes = Counter(r["kind"] + (" " + r["detail"] if r["kind"] != "ok" else "") for r in results["retries"])
    print(f"retry: {dict(outcomes)}", file=sys.stderr)


def cpu_seconds(kojo_pids):
    """CPU seconds used so far by the Kojo processes, nginx, PostgreSQL and this client."""
    tick = os.sysconf("SC_CLK_TCK")
    groups = Counter()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        pid = int(stat.parent.name)
        comm = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        used = (int(fields[11]) + int(fields[12])) / tick
        if pid in kojo_pids:
            groups["kojo"] += used
        elif comm == "nginx":
            groups["nginx"] += used
        elif comm in ("postgres", "postmaster"):
            groups["postgres"] += used
    own = os.times()
    groups["client"] = own.user + own.system
    return groups


def group_commits(metrics_urls):
    """(transactions, submissions) committed by the submission writers so far, from /metrics."""
    commits = submissions = 0.0
    for url in metrics_urls:
        parts = urllib.parse.urlsplit(url)
        client = Client(f"{parts.scheme}://{parts.netloc}")
        try:
            status, _, data = client.request("GET", parts.path or "/metrics")
        finally:
            client.close()
        for line in data.decode().splitlines():
            name, _, value = line.rpartition(" ")
            if name == "kojo_submission_group_size_count":
                commits += float(value)
            elif name == "kojo_submission_group_size_sum":
                submissions += float(value)
    return commits, submissions


def throughput(args):
    kojo_pids = {int(pid) for pid in args.kojo_pids.split(",") if pid}
    metrics = [url for url in args.metrics.split(",") if url]
    groups_before = group_commits(metrics)
    before = cpu_seconds(kojo_pids)
    numbers = list(range(args.first, args.first + args.count))
    acknowledged, failed, seconds, busy = run_load(args.url, numbers, args.clients)
    after = cpu_seconds(kojo_pids)
    groups_after = group_commits(metrics)
    commits = groups_after[0] - groups_before[0]
    accepted = max(1, len(acknowledged))
    print(json.dumps({
        "requests": args.count, "clients": args.clients, "seconds": round(seconds, 3),
        "accepted": len(acknowledged), "accepted_per_second": round(len(acknowledged) / seconds, 1),
        "failed": len(failed), "machine_busy_percent": round(100 * busy, 1),
        "transactions": int(commits),
        "mean_group": round((groups_after[1] - groups_before[1]) / commits, 1) if commits else None,
        "cpu_ms_per_accepted": {
            group: round(1000 * (after[group] - before[group]) / accepted, 2)
            for group in ("kojo", "nginx", "postgres", "client")
        },
        # CPU time of everything else on the machine during the round (other work disturbs it).
        "other_cpu_seconds": round(busy * seconds * os.cpu_count()
                                   - sum(after[g] - before[g] for g in ("kojo", "nginx", "postgres", "client")), 2),
    }))
    if failed:
        fail(f"{len(failed)} requests failed without a kill: {failed[:5]}")


def drain(args):
    """Waits until the outbox has nothing due (between throughput rounds)."""
    wait_for_outbox(args.db, 120)


# --- checks ---------------------------------------------------------------------------------


def psql(db, sql):
    out = subprocess.run(
        ["psql", db, "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True, capture_output=True, text=True,
    ).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def eml_files(mail_dirs):
    """(recipient, MD5 of the text without CR) of every .eml file the mailers wrote; None for a
    file that does not parse (one cut short by kill -9)."""
    parser = email.parser.BytesParser(policy=email.policy.default)
    files = []
    for folder in mail_dirs:
        for path in sorted(Path(folder).glob("*.eml")):
            try:
                message = parser.parsebytes(path.read_bytes())
                text = message.get_content().replace("\r", "")
                files.append((str(message["To"]).strip(), hashlib.md5(text.encode()).hexdigest()))
            except Exception:
                files.append(None)
    return files


def wait_for_outbox(db, seconds):
    """Waits until no outbox message is due and unsent and the ones leased out stay the same for
    2 s (a live worker sends what it claimed within that time; a dead one never does). Returns
    those still leased: claimed by a process that died before sending them."""
    deadline = time.monotonic() + seconds
    last, steady = None, 0
    while True:
        due = int(psql(db, "SELECT count(*) FROM outbox WHERE status = 'pending' AND next_attempt_at <= now()")[0][0])
        leased = psql(db, "SELECT id, to_address, attempts, next_attempt_at FROM outbox "
                          "WHERE status = 'pending' AND next_attempt_at > now() ORDER BY id")
        steady = steady + 1 if due == 0 and leased == last else 0
        if steady >= 4:
            return leased
        if time.monotonic() > deadline:
            fail(f"{due} e-mails still due and unsent after {seconds} s")
        last = leased
        time.sleep(0.5)


def check(args):
    results = json.loads(Path(args.results).read_text())
    db, capacity = args.db, args.capacity
    problems = []
    first, count = results["first"], results["count"]
    acknowledged = results["acknowledged"]

    rows = psql(db, """
        SELECT a.reference, a.corporate_number, a.contact_email, a.status, a.holds_place,
               coalesce(a.waitlist_position, 0), a.source_ip,
               to_char(a.received_at, 'YYYY-MM-DD"T"HH24:MI:SS.US')
        FROM applications a JOIN courses c ON c.id = a.course_id
        WHERE c.code = 'utm' ORDER BY a.received_at""")
    stored = {row[0]: row for row in rows}
    by_number = Counter(row[1] for row in rows)

    # 1. Every acknowledged application is stored, as it was acknowledged.
    missing = [a["reference"] for a in acknowledged if a["reference"] not in stored]
    if missing:
        problems.append(f"{len(missing)} acknowledged applications are missing: {missing[:5]}")
    for ack in acknowledged:
        row = stored.get(ack["reference"])
        if row and (row[1] != corporate_number(ack["n"]) or row[3] != ack["status"]
                    or int(row[5]) != (ack["waitlist_position"] or 0)):
            problems.append(f"{ack['reference']} is stored as {row[1:6]}, acknowledged as {ack}")

    # 2. None lost, none twice: after the retries every company of the burst is stored once.
    expected = {corporate_number(n) for n in range(first, first + count)}
    twice = [number for number, seen in by_number.items() if seen > 1]
    absent = expected - set(by_number)
    if twice:
        problems.append(f"companies stored twice: {twice[:5]}")
    if absent:
        problems.append(f"{len(absent)} companies of the burst are not stored even after their retry")
    retried = Counter(r["kind"] + (" " + r["detail"] if r["kind"] != "ok" else "") for r in results["retries"])
    committed_unacknowledged = sum(1 for r in results["retries"] if r["kind"] == "http 409")

    # 3. Places exact: min(capacity, applications) hold one, never more than capacity, and the
    # waitlist is 1..W without gap or repeat; the course row agrees.
    course = psql(db, "SELECT capacity, places_taken, waitlist_seq FROM courses WHERE code = 'utm'")[0]
    course_capacity, places_taken, waitlist_seq = (int(x) for x in course)
    held = [row for row in rows if row[4] == "t"]
    waiting = [row for row in rows if row[4] != "t"]
    positions = sorted(int(row[5]) for row in waiting)
    if course_capacity != capacity:
        problems.append(f"the course's capacity is {course_capacity}, the test set {capacity}")
    if len(held) != min(capacity, len(rows)) or len(held) != places_taken or places_taken > capacity:
        problems.append(f"{len(held)} applications hold a place, the course counts {places_taken}, "
                        f"capacity {capacity}, applications {len(rows)}")
    if positions != list(range(1, len(waiting) + 1)) or waitlist_seq != len(waiting):
        problems.append(f"waitlist positions are not 1..{len(waiting)} (course counter {waitlist_seq})")
    if any(row[3] != "received" for row in held) or any(row[3] != "waitlisted" for row in waiting):
        problems.append("a place holder is not 'received' or a waitlisted one is not 'waitlisted'")
    # First come, first served across both processes: every holder was received before every
    # waitlisted one, and waitlist positions follow the received time.
    if held and waiting and max(row[7] for row in held) > min(row[7] for row in waiting):
        problems.append("an application received later holds a place that an earlier one did not get")
    if [int(row[5]) for row in waiting] != positions:
        problems.append("waitlist positions do not follow the received order")

    # 4. The client address is nginx's peer, not what the client claimed in X-Forwarded-For.
    addresses = Counter(row[6] for row in rows)
    if set(addresses) != {"127.0.0.1"}:
        problems.append(f"source addresses stored: {dict(addresses)} (expected only 127.0.0.1)")

    # 5. One acknowledgement e-mail per application in the outbox.
    outbox = Counter(row[0] for row in psql(db, "SELECT to_address FROM outbox"))
    emails = [row[2] for row in rows]
    not_once = [e for e in emails if outbox[e] != 1]
    if not_once:
        problems.append(f"{len(not_once)} applications do not have exactly one outbox e-mail: "
                        f"{[(e, outbox[e]) for e in not_once[:5]]}")

    # 6. Delivery: wait for the survivor's worker; messages leased by the killed process wait for
    # their lease (5 minutes) to run out, which --expire-leases brings forward.
    leased = wait_for_outbox(db, 60)
    if leased and args.expire_leases:
        print(f"outbox: {len(leased)} messages leased by the killed process; ending their lease now "
              f"(instead of waiting 5 minutes)", file=sys.stderr)
        psql(db, "UPDATE outbox SET next_attempt_at = now() WHERE status = 'pending' AND next_attempt_at > now()")
        leased_again = wait_for_outbox(db, 60)
        if leased_again:
            problems.append(f"{len(leased_again)} e-mails still pending after their lease ended")
    elif leased:
        problems.append(f"{len(leased)} e-mails pending (leased) after the run: {leased[:3]}")
    states = Counter(row[0] for row in psql(db, "SELECT status FROM outbox"))
    if set(states) != {"sent"}:
        problems.append(f"outbox states after delivery: {dict(states)}")

    # 7. Each message written once, as the outbox holds it; the one in flight when the process
    # died may be written twice, or once cut short and once whole.
    sent = {(row[0], row[1]) for row in psql(db, "SELECT to_address, md5(replace(body, chr(13), '')) "
                                                 "FROM outbox WHERE status = 'sent'")}
    files = eml_files(args.mail_dir)
    whole = Counter(f for f in files if f in sent)
    cut_short = [f for f in files if f not in sent]
    never = [to for to, _ in sent if whole[(to, _)] == 0]
    twice = [to for (to, _), seen in whole.items() if seen > 1]
    if never:
        problems.append(f"{len(never)} e-mails marked sent were not written: {never[:5]}")
    if len(twice) + len(cut_short) > (1 if results["killed"] else 0):
        problems.append(f"e-mails written more than once: {twice[:5]}; files not matching a sent e-mail "
                        f"(cut short?): {cut_short[:5]}")

    print(f"""
cluster-test summary
  sent through nginx        {count} applications, {results['clients']} clients, {results['seconds']:.2f} s, \
{count / results['seconds']:.0f} requests/s (machine {100 * results['machine_busy']:.0f} % busy)
  kill -9                   {'after %d acknowledged (pid %d)' % (results['killed']['acknowledged'], results['killed']['pid']) if results['killed'] else 'none'}
  acknowledged (201)        {len(acknowledged)}
  failed by the kill        {len(results['failed'])} {dict(Counter(f"{f['kind']} {f['detail']}".strip() for f in results['failed']))}
  their retry               {dict(retried)} (409: committed before the kill, answer lost: {committed_unacknowledged})
  stored                    {len(rows)} applications, {len(by_number)} companies
  places taken              {places_taken} of {capacity} (holders {len(held)})
  waitlisted                {len(waiting)} (positions 1..{positions[-1] if positions else 0})
  outbox                    {sum(outbox.values())} rows, {dict(states)}, leased by the dead process {len(leased)}
  .eml files                {len(files)}, {len(whole)} e-mails written whole; twice: {twice or 'none'}; \
cut short: {len(cut_short)}""", file=sys.stderr)
    if problems:
        for problem in problems:
            print(f"cluster-test: FAIL: {problem}", file=sys.stderr)
        sys.exit(1)
    print("cluster-test: every check passed", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("shared-state")
    p.add_argument("--a", required=True)
    p.add_argument("--b", required=True)
    p.add_argument("--staff-email", required=True)
    p.add_argument("--staff-password", required=True)
    p.add_argument("--first", type=int, required=True, help="company number for the form application")
    p.set_defaults(run=shared_state)
    for name, run in (("burst", burst), ("throughput", throughput)):
        p = commands.add_parser(name)
        p.add_argument("--url", required=True)
        p.add_argument("--first", type=int, default=1)
        p.add_argument("--count", type=int, required=True)
        p.add_argument("--clients", type=int, default=32)
        if name == "throughput":
            p.add_argument("--kojo-pids", default="", help="comma-separated, for the CPU accounting")
            p.add_argument("--metrics", default="", help="comma-separated /metrics URLs, for the group sizes")
        if name == "burst":
            p.add_argument("--kill-pid", type=int)
            p.add_argument("--kill-at", type=float, default=0.4, help="share of --count acknowledged before the kill")
            p.add_argument("--out", required=True)
        p.set_defaults(run=run)
    p = commands.add_parser("retry")
    p.add_argument("--url", required=True)
    p.add_argument("--results", required=True)
    p.set_defaults(run=retry)
    p = commands.add_parser("drain")
    p.add_argument("--db", required=True)
    p.set_defaults(run=drain)
    p = commands.add_parser("check")
    p.add_argument("--db", required=True)
    p.add_argument("--results", required=True)
    p.add_argument("--capacity", type=int, required=True)
    p.add_argument("--mail-dir", action="append", default=[])
    p.add_argument("--expire-leases", action="store_true")
    p.set_defaults(run=check)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
