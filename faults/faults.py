#!/usr/bin/env python3
"""Fault harness: the service under faults, and proof that nothing it acknowledged is lost.

Scenarios (run by faults/run.sh, which builds the binary and finds PostgreSQL's tools):
  pg-restart  a write load on PostgreSQL; PostgreSQL crashes (pg_ctl stop -m immediate) in the
              middle and comes back; every acknowledged create and PATCH is read back through the
              API, every activity has its audit entries and change-feed entries, the service
              answered 503 problem+json (never 500, never hung) while the database was away and
              recovered without a restart.
  import-kill kill -9 of the service in the middle of a bulk import's transaction, sent with
              an Idempotency-Key: after a restart the import's rows are all there or none; a
              retry with the same key is told to wait for the claim's lease, then runs the
              import to its end once, and the key replays that answer.
  webhook-kill kill -9 while webhook deliveries are pending: after a restart every change is
              delivered (at least once) to a local receiver.
  sqlite-writers 32 concurrent writers on SQLite: no 500, no "database is locked", every
              acknowledged write read back.

Python 3.11 standard library only. Every request goes to 127.0.0.1; every loop is bounded in
count and time.
"""

import argparse
import http.client
import http.server
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HOST = "127.0.0.1"
JWT_SECRET = "fault-harness-only-secret-0123456789abcdef"
METRICS_TOKEN = "fault-harness-metrics-token"
HTTP_TIMEOUT = 30.0  # an answer slower than this is a hang
TEAM_EXTERNAL_ID = "demo-unit-fsk-bla"
DEPARTMENT_GOAL_EXTERNAL_ID = "demo-department-goal-bun-1"


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


# --- HTTP -----------------------------------------------------------------------------------


class Answer:
    def __init__(self, status, headers, body, took, error=None):
        self.status = status  # None: no answer (connection refused or reset, timeout)
        self.headers = headers
        self.body = body
        self.took = took
        self.error = error

    def json(self):
        return json.loads(self.body)

    @property
    def content_type(self):
        return self.headers.get("content-type", "")


def request(port, method, path, token=None, body=None, content_type="application/json",
            timeout=HTTP_TIMEOUT, extra_headers=None):
    headers = dict(extra_headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        headers["Content-Type"] = content_type
    started = time.monotonic()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                      data, time.monotonic() - started)
    except (OSError, http.client.HTTPException) as error:
        kind = "timeout" if isinstance(error, TimeoutError) else type(error).__name__
        return Answer(None, {}, b"", time.monotonic() - started, kind)
    finally:
        conn.close()


# --- processes ------------------------------------------------------------------------------


class Service:
    """The service binary on a port of its own, over DATABASE_URL."""

    running = []  # every one started, stopped when the harness ends however it ends

    def __init__(self, binary, port, database_url, workdir, name):
        self.binary, self.port, self.database_url = binary, port, database_url
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.process = None

    def env(self):
        env = dict(os.environ)
        env.update(DATABASE_URL=self.database_url, BIND_ADDR=f"{HOST}:{self.port}",
                   JWT_SECRET=JWT_SECRET, METRICS_TOKEN=METRICS_TOKEN,
                   RATE_LIMIT_PER_MINUTE="0", RUST_LOG=env.get("RUST_LOG", "warn"),
                   # The harness's webhook receiver listens on loopback.
                   WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8")
        return env

    def start(self, demo=False):
        args = [self.binary, "serve"] + (["--demo"] if demo else [])
        with open(self.log_path, "a") as out:
            self.process = subprocess.Popen(args, env=self.env(), stdout=out, stderr=out)
        Service.running.append(self)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            check(self.process.poll() is None, f"the service stopped at start; see {self.log_path}")
            if request(self.port, "GET", "/health/ready", timeout=2).status == 200:
                return
            time.sleep(0.2)
        raise Failure(f"the service did not become ready; see {self.log_path}")

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.kill9()

    def token(self, org="0683", role="admin"):
        out = subprocess.run([self.binary, "token", "--org", org, "--role", role],
                             env=self.env(), capture_output=True, text=True, check=True)
        return out.stdout.strip()

    def metric(self, name):
        answer = request(self.port, "GET", "/metrics", METRICS_TOKEN)
        for line in answer.body.decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
        return None


class Postgres:
    """A PostgreSQL cluster of the harness's own, in a temporary folder, that it may crash."""

    def __init__(self, bindir, port, workdir):
        self.bindir, self.port = bindir, port
        self.dir = os.path.join(workdir, "pg")
        os.makedirs(self.dir)
        # initdb refuses root: run the cluster as the postgres user.
        self.user = None
        if os.geteuid() == 0:
            self.user = "postgres"
            owner = pwd.getpwnam("postgres")
            os.chown(workdir, owner.pw_uid, owner.pw_gid)
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self.run("initdb", "-D", self.dir, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--no-sync")

    def run(self, tool, *args):
        command = [os.path.join(self.bindir, tool), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self):
        self.run("pg_ctl", "-D", self.dir, "-w", "-l", os.path.join(self.dir, "server.log"),
                 "-o", f"-p {self.port} -k {self.dir} -c listen_addresses={HOST} "
                       "-c fsync=on -c synchronous_commit=on",
                 "start")

    def crash(self):
        """Stops PostgreSQL as a crash would: no checkpoint, recovery from the WAL at start."""
        self.run("pg_ctl", "-D", self.dir, "-m", "immediate", "stop")

    def stop(self):
        try:
            self.run("pg_ctl", "-D", self.dir, "-m", "fast", "stop")
        except subprocess.CalledProcessError:
            pass

    def url(self, database):
        return f"postgres://postgres@{HOST}:{self.port}/{database}"

    def sql(self, database, query):
        out = subprocess.run([os.path.join(self.bindir, "psql"), "-h", HOST, "-p", str(self.port),
                              "-U", "postgres", "-d", database, "-At", "-v", "ON_ERROR_STOP=1",
                              "-c", query], capture_output=True, text=True, check=True)
        return out.stdout.strip()

    def create_database(self, name):
        self.sql("postgres", f"CREATE DATABASE {name}")


def sqlite_query(path, query):
    out = subprocess.run(["sqlite3", path, query], capture_output=True, text=True, check=True)
    return out.stdout.strip()


# --- the demo's team and department goal ----------------------------------------------------


def find_by_external_id(port, token, path, external_id):
    answer = request(port, "GET", f"{path}?limit=500", token)
    check(answer.status == 200, f"GET {path}: {answer.status} {answer.body[:200]!r}")
    for item in answer.json()["items"]:
        if item.get("external_id") == external_id:
            return item["id"]
    raise Failure(f"no {external_id} in {path}")


def demo_targets(service, token):
    team = find_by_external_id(service.port, token, "/api/v1/units", TEAM_EXTERNAL_ID)
    goal = find_by_external_id(service.port, token, "/api/v1/department-goals",
                               DEPARTMENT_GOAL_EXTERNAL_ID)
    return team, goal


# --- the write load -------------------------------------------------------------------------


class Load:
    """Writers creating activities and PATCHing each one created, every answer recorded."""

    def __init__(self, service, token, team, goal, prefix, writers, seconds, max_writes):
        self.service, self.token, self.team, self.goal = service, token, team, goal
        self.prefix, self.writers, self.seconds, self.max_writes = prefix, writers, seconds, max_writes
        self.creates = []  # (external_id, title, Answer, at)
        self.patches = []  # (id, title, Answer, at)
        self.lock = threading.Lock()
        self.started = None
        self.stop = threading.Event()  # set: the writers stop after their current write

    def writer(self, number):
        deadline = self.started + self.seconds
        for i in range(self.max_writes):
            if time.monotonic() >= deadline or self.stop.is_set():
                return
            external_id = f"{self.prefix}-{number}-{i}"
            title = f"Felprov {external_id}: trygghetsvandring"
            at = time.monotonic() - self.started
            created = request(self.service.port, "POST", "/api/v1/activities", self.token,
                              {"team_id": self.team, "department_goal_id": self.goal,
                               "title": title, "external_id": external_id,
                               "responsible": "Arbetslagsledaren", "due_date": "2011-06-15"})
            with self.lock:
                self.creates.append((external_id, title, created, at))
            if created.status != 201:
                time.sleep(0.05)
                continue
            id_ = created.json()["id"]
            new_title = title + " (ändrad)"
            at = time.monotonic() - self.started
            patched = request(self.service.port, "PATCH", f"/api/v1/activities/{id_}",
                              self.token, {"title": new_title, "status": "in_progress"})
            with self.lock:
                self.patches.append((id_, new_title, patched, at))

    def run(self, during=None):
        self.started = time.monotonic()
        threads = [threading.Thread(target=self.writer, args=(n,)) for n in range(self.writers)]
        for thread in threads:
            thread.start()
        if during:
            during(self)
        for thread in threads:
            thread.join()

    def answers(self):
        return [a for _, _, a, _ in self.creates] + [a for _, _, a, _ in self.patches]

    def tally(self):
        counts = {}
        for answer in self.answers():
            key = str(answer.status) if answer.status else answer.error
            counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items()))

    def check_no_500_no_hang(self):
        answers = self.answers()
        five_hundreds = [a for a in answers if a.status == 500]
        if five_hundreds:
            raise Failure(f"{len(five_hundreds)} answers were 500: {five_hundreds[0].body[:300]!r}")
        hangs = [a for a in answers if a.error == "timeout"]
        check(not hangs, f"{len(hangs)} requests got no answer within {HTTP_TIMEOUT} s")
        locked = [a for a in answers if b"database is locked" in a.body]
        check(not locked, f"{len(locked)} answers say 'database is locked'")
        for answer in answers:
            if answer.status and answer.status >= 400:
                check(answer.content_type == "application/problem+json",
                      f"a {answer.status} is {answer.content_type}: {answer.body[:200]!r}")

    def verify_through_api(self):
        """Every acknowledged create and PATCH, read back through the API."""
        patched = {id_: title for id_, title, answer, _ in self.patches if answer.status == 200}
        found = 0
        acknowledged = [(eid, title, a) for eid, title, a, _ in self.creates if a.status == 201]
        for external_id, title, answer in acknowledged:
            id_ = answer.json()["id"]
            read = request(self.service.port, "GET", f"/api/v1/activities/{id_}", self.token)
            check(read.status == 200, f"acknowledged activity {external_id} ({id_}) reads "
                                      f"{read.status}: {read.body[:200]!r}")
            record = read.json()
            check(record["external_id"] == external_id, f"{id_} has another external id")
            if id_ in patched:
                check(record["title"] == patched[id_] and record["status"] == "in_progress",
                      f"acknowledged PATCH of {id_} is not there: {record['title']!r}")
            else:
                check(record["title"] in (title, title + " (ändrad)"),
                      f"{id_} has title {record['title']!r}")
            found += 1
        return len(acknowledged), len(patched), found


# --- consistency in the database ------------------------------------------------------------

# Every activity of the load has its create's audit entry and change; every PATCH's audit entry
# and change are there as often as the version says; nothing in the audit trail or the change
# feed names an activity that is not there. Joins on aggregates, not a subquery per row: the
# import leaves 50 000 activities to check.
CONSISTENCY = {
    "activities without their create's audit entry":
        "SELECT count(*) FROM activities a LEFT JOIN (SELECT DISTINCT entity_id FROM audit_entries"
        " WHERE action = 'create') e ON e.entity_id = a.id"
        " WHERE a.external_id LIKE '{p}%' AND e.entity_id IS NULL",
    "activities without their create's change":
        "SELECT count(*) FROM activities a LEFT JOIN (SELECT DISTINCT entity_id FROM changes"
        " WHERE action = 'create') c ON c.entity_id = a.id"
        " WHERE a.external_id LIKE '{p}%' AND c.entity_id IS NULL",
    "activities whose updates lack audit entries or changes":
        "SELECT count(*) FROM activities a"
        " LEFT JOIN (SELECT entity_id, count(*) AS n FROM audit_entries WHERE action = 'update'"
        " GROUP BY entity_id) e ON e.entity_id = a.id"
        " LEFT JOIN (SELECT entity_id, count(*) AS n FROM changes WHERE action = 'update'"
        " GROUP BY entity_id) c ON c.entity_id = a.id"
        " WHERE a.external_id LIKE '{p}%'"
        " AND (coalesce(e.n, 0) <> a.version - 1 OR coalesce(c.n, 0) <> a.version - 1)",
    "audit entries of activities that are not there":
        "SELECT count(*) FROM audit_entries e LEFT JOIN activities a ON a.id = e.entity_id"
        " WHERE e.entity_type = 'activity' AND a.id IS NULL",
    "changes of activities that are not there":
        "SELECT count(*) FROM changes c LEFT JOIN activities a ON a.id = c.entity_id"
        " WHERE c.entity_type = 'activity' AND a.id IS NULL",
}


def check_consistency(query, prefix):
    for what, sql in CONSISTENCY.items():
        count = int(query(sql.format(p=prefix)))
        check(count == 0, f"{count} {what}")


# --- the scenarios --------------------------------------------------------------------------


def pg_restart(args, pg, workdir):
    database = "faults_restart"
    pg.create_database(database)
    service = Service(args.bin, args.port, pg.url(database), workdir, "pg-restart")
    service.start(demo=True)
    try:
        token = service.token()
        team, goal = demo_targets(service, token)
        # At most 10 minutes; stopped load_seconds after PostgreSQL is back.
        load = Load(service, token, team, goal, "fault-restart", writers=8,
                    seconds=600, max_writes=100_000)
        events = {}

        def fault(load):
            time.sleep(args.load_seconds)
            events["down"] = time.monotonic() - load.started
            log("PostgreSQL: crash (pg_ctl stop -m immediate)")
            pg.crash()
            time.sleep(args.down_seconds / 2)
            # What the probe says while the database is away.
            probe = request(service.port, "GET", "/health/ready")
            events["ready_while_down"] = (probe.status, probe.took)
            time.sleep(max(0, args.down_seconds / 2 - probe.took))
            log("PostgreSQL: start (recovery from the WAL)")
            pg.start()
            events["up"] = time.monotonic() - load.started
            time.sleep(args.load_seconds)
            load.stop.set()

        log(f"write load: 8 writers, {args.load_seconds} s before the crash and after the restart")
        load.run(during=fault)
        load.check_no_500_no_hang()
        down, up = events["down"], events["up"]
        window = [a for _, _, a, at in load.creates + load.patches if down <= at < up]
        unavailable = [a for a in load.answers() if a.status == 503]
        check(unavailable, "no 503 while the database was away")
        ready_status, ready_took = events["ready_while_down"]
        check(ready_status == 503,
              f"/health/ready answered {ready_status} while the database was away")
        ok_after = sorted(at + a.took for _, _, a, at in load.creates + load.patches
                          if a.status in (200, 201) and at >= up)
        check(ok_after, "no write succeeded after PostgreSQL came back")
        recovered = ok_after[0] - up
        acknowledged, patches, found = load.verify_through_api()
        check(found == acknowledged, "acknowledged creates missing")
        check_consistency(lambda q: pg.sql(database, q), "fault-restart")
        unacknowledged = [eid for eid, _, a, _ in load.creates if a.status != 201]
        present = int(pg.sql(database, "SELECT count(*) FROM activities WHERE external_id IN ("
                                       + ",".join(f"'{e}'" for e in unacknowledged) + ")")
                      ) if unacknowledged else 0
        slowest_503 = max(a.took for a in unavailable)
        return {
            "answers": load.tally(),
            "writes acknowledged (creates + PATCHes)": acknowledged + patches,
            "acknowledged creates found": f"{found} of {acknowledged}",
            "acknowledged PATCHes found": f"{patches} of {patches}",
            "unacknowledged creates present anyway": f"{present} of {len(unacknowledged)}",
            "requests sent while the database was away": len(window),
            "503 problem+json": len(unavailable),
            "slowest 503": f"{slowest_503:.1f} s",
            "/health/ready while away": f"{ready_status} in {ready_took:.1f} s",
            "database away": f"{up - down:.1f} s",
            "first write acknowledged after PostgreSQL was back": f"{recovered:.1f} s",
            "pool timeouts (metrics)": service.metric("malstyrning_db_pool_timeouts_total"),
            "half-written records": 0,
        }
    finally:
        service.stop()


def import_csv(path, rows, prefix):
    with open(path, "w") as out:
        out.write("type;external_id;team_external_id;department_goal_external_id;title;"
                  "responsible;due_date;status\n")
        for i in range(1, rows + 1):
            out.write(f"activity;{prefix}-{i};{TEAM_EXTERNAL_ID};{DEPARTMENT_GOAL_EXTERNAL_ID};"
                      f"Åtgärd {i}: trygghetsvandring;Arbetslagsledaren;"
                      f"2011-{1 + i % 12:02d}-{1 + i % 28:02d};planned\n")


def import_kill(args, pg, workdir):
    database = "faults_import"
    pg.create_database(database)
    service = Service(args.bin, args.port, pg.url(database), workdir, "import-kill")
    service.start(demo=True)
    prefix = "fault-import"
    path = os.path.join(workdir, "import.csv")
    import_csv(path, args.import_rows, prefix)
    with open(path, "rb") as f:
        body = f.read()
    count = f"SELECT count(*) FROM activities WHERE external_id LIKE '{prefix}-%'"
    try:
        token = service.token()
        result = {}

        key = {"Idempotency-Key": f"{prefix}-{int(time.time())}"}

        def send():
            result["answer"] = request(service.port, "POST", "/api/v1/import", token, body,
                                       content_type="text/csv", timeout=3600,
                                       extra_headers=key)

        log(f"importing {args.import_rows} activities ({len(body) // 1024} KiB of CSV)")
        started = time.monotonic()
        sender = threading.Thread(target=send)
        sender.start()
        # Wait until the import's transaction has been open for a while, then kill.
        open_transaction = ("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                            f"'{database}' AND xact_start < now() - interval '"
                            f"{args.kill_after} seconds'")
        deadline = time.monotonic() + 600
        while int(pg.sql(database, open_transaction)) == 0:
            check("answer" not in result, "the import ended before it could be killed: "
                                          f"{result.get('answer') and result['answer'].status}")
            check(time.monotonic() < deadline, "the import's transaction never opened")
            time.sleep(0.2)
        killed_at = time.monotonic() - started
        log(f"kill -9 of the service {killed_at:.1f} s into the import")
        service.kill9()
        sender.join()
        check(result["answer"].status is None,
              f"the import answered {result['answer'].status} before the kill")
        # PostgreSQL rolls the transaction back when the connection drops.
        time.sleep(1)
        after_kill = int(pg.sql(database, count))
        service.start()
        after_restart = int(pg.sql(database, count))
        check(after_kill in (0, args.import_rows),
              f"{after_kill} of {args.import_rows} rows after the kill: a partial import")
        check(after_restart == after_kill, "rows changed over the restart")
        check_consistency(lambda q: pg.sql(database, q), prefix)
        figures = {
            "rows imported": args.import_rows,
            "killed after": f"{killed_at:.1f} s (its transaction open {args.kill_after} s)",
            "rows after the kill": after_kill,
            "rows after the restart": after_restart,
        }
        if args.no_rerun:
            return figures
        log("the same import again with the same key: 409 until the claim's lease runs out")
        waited = time.monotonic()
        deadline = waited + 120
        while True:
            started = time.monotonic()
            again = request(service.port, "POST", "/api/v1/import", token, body,
                            content_type="text/csv", timeout=3600, extra_headers=key)
            took = time.monotonic() - started
            if again.status != 409:
                break
            check(time.monotonic() < deadline, "the killed request's claim never ran out")
            time.sleep(2)
        check(again.status == 200, f"the retried import answered {again.status}: "
                                   f"{again.body[:300]!r}")
        if after_kill == 0:
            # Neither the write nor its answer survived the kill: the retry runs it.
            check(again.headers.get("idempotency-replayed") is None, "the retry was a replay")
            check(again.json()["created"] == args.import_rows,
                  f"the retry created {again.json()['created']} rows, not {args.import_rows}")
        else:
            # Both survived: the retry gets the answer the killed request would have had.
            check(again.headers.get("idempotency-replayed") == "true",
                  "the import was kept but its answer was not")
        complete = int(pg.sql(database, count))
        check(complete == args.import_rows, f"{complete} rows after the complete import")
        check_consistency(lambda q: pg.sql(database, q), prefix)
        replay = request(service.port, "POST", "/api/v1/import", token, body,
                         content_type="text/csv", timeout=3600, extra_headers=key)
        check(replay.status == 200 and replay.headers.get("idempotency-replayed") == "true",
              f"the key did not replay its answer: {replay.status}")
        check(replay.body == again.body, "the replay differs from the answer")
        check(int(pg.sql(database, count)) == complete, "the replay wrote")
        figures["retry with the same key"] = (
            f"409 for {started - waited:.0f} s (the claim's lease), then 200: "
            f"{complete} rows created once ({took:.0f} s, {args.import_rows / took:.0f} rows/s); "
            "a third send replayed that answer")
        return figures
    finally:
        service.stop()


class Receiver:
    """A webhook receiver on loopback that answers 200 after a short pause, noting each
    delivery (at least once is allowed: repeats are counted)."""

    def __init__(self, port, pause):
        receiver = self
        self.deliveries = []  # (delivery id, entity id, action, at)
        self.lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                payload = json.loads(self.rfile.read(length))
                time.sleep(pause)
                with receiver.lock:
                    receiver.deliveries.append((self.headers.get("Malstyrning-Delivery"),
                                                payload.get("entity_id"), payload.get("action"),
                                                time.monotonic()))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_):
                pass

        self.server = http.server.ThreadingHTTPServer((HOST, port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def received(self):
        with self.lock:
            return list(self.deliveries)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def webhook_kill(args, pg, workdir):
    database = "faults_webhooks"
    pg.create_database(database)
    service = Service(args.bin, args.port, pg.url(database), workdir, "webhook-kill")
    service.start(demo=True)
    receiver = Receiver(args.port + 1, pause=0.05)
    try:
        token = service.token()
        team, goal = demo_targets(service, token)
        subscription = request(service.port, "POST", "/api/v1/webhook-subscriptions", token,
                               {"url": f"http://{HOST}:{args.port + 1}/hook",
                                "event_types": ["activity.*"],
                                "secret": "fault-harness-webhook-secret"})
        check(subscription.status == 201, f"subscribing: {subscription.status}")
        load = Load(service, token, team, goal, "fault-webhook", writers=4, seconds=60,
                    max_writes=args.webhook_writes // 4)
        log(f"{args.webhook_writes} creates (and their PATCHes), each a delivery")
        load.run()
        load.check_no_500_no_hang()
        changed = {a.json()["id"] for _, _, a, _ in load.creates if a.status == 201}
        expected = len(changed) + sum(1 for *_, a, _ in load.patches if a.status == 200)
        deadline = time.monotonic() + 120
        while len(receiver.received()) < min(20, expected):
            check(time.monotonic() < deadline, "no deliveries arrive")
            time.sleep(0.05)
        service.kill9()
        before = receiver.received()
        pending = int(pg.sql(database, "SELECT count(*) FROM webhook_deliveries "
                                       "WHERE state = 'pending'"))
        log(f"kill -9 with {len(before)} deliveries received and {pending} pending")
        check(pending > 0, "every delivery was made before the kill; nothing to prove")
        time.sleep(1)
        restarted = time.monotonic()
        service.start()
        deadline = restarted + args.webhook_wait
        while True:
            got = receiver.received()
            events = {(e, a) for _, e, a, _ in got}
            missing = [i for i in changed if (i, "create") not in events]
            if not missing and len(events) >= expected:
                break
            check(time.monotonic() < deadline,
                  f"{len(missing)} creates never delivered, {len(events)} of {expected} "
                  f"changes delivered {args.webhook_wait} s after the restart")
            time.sleep(0.5)
        took = max(at for *_, at in got) - restarted
        ids = [d for d, *_ in got]
        left = pg.sql(database, "SELECT count(*) FROM webhook_deliveries WHERE state <> "
                                "'delivered'")
        return {
            "changes acknowledged (creates + PATCHes)": expected,
            "delivered before the kill": len(before),
            "pending at the kill": pending,
            "delivered after the restart": len(got) - len(before),
            "changes delivered in all": f"{len(events)} of {expected}",
            "repeats (at least once)": len(ids) - len(set(ids)),
            "last delivery after the restart": f"{took:.1f} s",
            "deliveries not delivered in the database": int(left),
        }
    finally:
        service.stop()
        receiver.close()


def sqlite_writers(args, workdir):
    path = os.path.join(workdir, "writers.db")
    service = Service(args.bin, args.port, path, workdir, "sqlite-writers")
    service.start(demo=True)
    try:
        token = service.token()
        team, goal = demo_targets(service, token)
        load = Load(service, token, team, goal, "fault-sqlite", writers=args.writers,
                    seconds=args.load_seconds, max_writes=args.writes_per_writer)
        log(f"{args.writers} concurrent writers on SQLite for at most {args.load_seconds} s")
        started = time.monotonic()
        load.run()
        took = time.monotonic() - started
        load.check_no_500_no_hang()
        unavailable = sum(1 for a in load.answers() if a.status == 503)
        check(unavailable == 0, f"{unavailable} answers were 503")
        others = {k: v for k, v in load.tally().items() if k not in ("200", "201")}
        check(not others, f"answers other than 200/201: {others}")
        acknowledged, patches, found = load.verify_through_api()
        check(found == acknowledged, "acknowledged creates missing")
        check_consistency(lambda q: sqlite_query(path, q), "fault-sqlite")
        return {
            "writers": args.writers,
            "answers": load.tally(),
            "writes acknowledged (creates + PATCHes)": acknowledged + patches,
            "acknowledged found": f"{found + patches} of {acknowledged + patches}",
            "writes per second": f"{(acknowledged + patches) / took:.0f}",
            "500 / 503 / database is locked": "0 / 0 / 0",
        }
    finally:
        service.stop()


SCENARIOS = ["pg-restart", "import-kill", "webhook-kill", "sqlite-writers"]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", help=f"any of {', '.join(SCENARIOS)} (all)")
    parser.add_argument("--bin", required=True, help="the malstyrning binary")
    parser.add_argument("--pg-bin", required=True, help="PostgreSQL's bin folder (initdb, pg_ctl)")
    parser.add_argument("--port", type=int, default=18240, help="the service's port (+1: receiver)")
    parser.add_argument("--pg-port", type=int, default=18250)
    parser.add_argument("--load-seconds", type=float, default=10,
                        help="pg-restart: load before the crash and after the restart; "
                             "sqlite-writers: the longest the load runs")
    parser.add_argument("--down-seconds", type=float, default=8)
    parser.add_argument("--import-rows", type=int, default=50_000)
    parser.add_argument("--kill-after", type=float, default=5,
                        help="seconds the import's transaction is open before the kill")
    parser.add_argument("--no-rerun", action="store_true",
                        help="import-kill: do not send the import again to its end afterwards")
    parser.add_argument("--webhook-writes", type=int, default=200)
    parser.add_argument("--webhook-wait", type=float, default=150)
    parser.add_argument("--writers", type=int, default=32)
    parser.add_argument("--writes-per-writer", type=int, default=40)
    args = parser.parse_args()
    unknown = [s for s in args.scenarios if s not in SCENARIOS]
    if unknown:
        parser.error(f"no scenario {', '.join(unknown)}; there are {', '.join(SCENARIOS)}")
    args.scenarios = args.scenarios or SCENARIOS
    args.bin = os.path.abspath(args.bin)

    # A SIGTERM (a timeout, ^C) still stops the service and the cluster started here.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = tempfile.mkdtemp(prefix="malstyrning-faults-")
    pg = None
    results, failed = {}, []
    try:
        if any(s != "sqlite-writers" for s in args.scenarios):
            pg = Postgres(args.pg_bin, args.pg_port, workdir)
            pg.start()
        for name in args.scenarios:
            log(f"== {name}")
            started = time.monotonic()
            try:
                if name == "sqlite-writers":
                    figures = sqlite_writers(args, workdir)
                else:
                    figures = {"pg-restart": pg_restart, "import-kill": import_kill,
                               "webhook-kill": webhook_kill}[name](args, pg, workdir)
                figures["took"] = f"{time.monotonic() - started:.0f} s"
                results[name] = ("passed", figures)
            except (Failure, subprocess.CalledProcessError) as error:
                results[name] = ("FAILED", {"why": str(error)})
                failed.append(name)
            log(f"{name}: {results[name][0]}")
    finally:
        for service in Service.running:
            service.stop()
        if pg:
            pg.stop()
        if failed or os.environ.get("FAULTS_KEEP"):
            print(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print("\nSummary")
    for name, (state, figures) in results.items():
        print(f"\n{name}: {state}")
        for key, value in figures.items():
            print(f"  {key}: {value}")
    passed = len(results) - len(failed)
    print(f"\nfaults: {passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
