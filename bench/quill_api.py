"""quill_api: bench/score-invoices --pipeline's client of the running service.

Only urllib.  Logs in (registering the account first when the login is
refused and the register succeeds), uploads every record's image through
the gateway as a raw body (POST /api/ocr/jobs?filename=NAME[&lang=L]),
then polls each job (GET /api/ocr/jobs/{id}) until it is done or failed or
the whole run's --timeout has passed, and reads the invoice it names
(GET /api/invoices/{invoice_id}).  All uploads go first, so the workers
run in parallel and the wall time per page is the service's throughput.
"""
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".tif": "image/tiff", ".tiff": "image/tiff"}


class Client:
    def __init__(self, base, token=None, user=None, password=None):
        self.base = base.rstrip("/")
        self.token, self.user, self.password = token, user, password

    def request(self, method, path, body=None, ctype=None, retry_auth=True):
        """(status, parsed JSON or None).  A 429 waits its Retry-After; a 401 logs in again once."""
        for _ in range(20):
            req = urllib.request.Request(self.base + path, data=body, method=method)
            if ctype:
                req.add_header("Content-Type", ctype)
            if self.token:
                req.add_header("Authorization", "Bearer " + self.token)
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    status, raw = r.status, r.read()
            except urllib.error.HTTPError as e:
                status, raw = e.code, e.read()
                if status == 429:
                    time.sleep(min(float(e.headers.get("Retry-After") or 1), 10))
                    continue
                if status == 401 and retry_auth and self.password:
                    self.login()
                    retry_auth = False
                    continue
            try:
                return status, json.loads(raw) if raw else None
            except ValueError:
                return status, None
        return 429, None

    def login(self):
        """A token for --user/--password, registering the account when it does not exist."""
        creds = json.dumps({"email": self.user, "password": self.password}).encode()
        self.token = None
        st, js = self.request("POST", "/api/auth/login", creds, "application/json", False)
        if st == 401:
            rst, rjs = self.request("POST", "/api/auth/register", creds, "application/json", False)
            if rst not in (201, 409):
                raise SystemExit(f"score-invoices: register {self.user}: HTTP {rst} {rjs}")
            st, js = self.request("POST", "/api/auth/login", creds, "application/json", False)
        if st != 200 or not js or "access_token" not in js:
            raise SystemExit(f"score-invoices: login {self.user}: HTTP {st} {js}")
        self.token = js["access_token"]


def first_page(datadir, name):
    """The image to upload: NAME.png or NAME.jpg (page 1 only when NAME.p2.png exists)."""
    for ext in IMAGE_TYPES:
        p = os.path.join(datadir, name + ext)
        if os.path.exists(p):
            return p
    return None


def upload(client, path, lang):
    q = {"filename": os.path.basename(path)}
    if lang:
        q["lang"] = lang
    with open(path, "rb") as f:
        body = f.read()
    ctype = IMAGE_TYPES[os.path.splitext(path)[1].lower()]
    st, js = client.request("POST", "/api/ocr/jobs?" + urllib.parse.urlencode(q), body, ctype)
    if st not in (200, 202) or not js or "id" not in js:
        return None, f"upload {os.path.basename(path)}: HTTP {st} {js}"
    return js["id"], None


def wait_jobs(client, jobs, deadline):
    """jobs: {name: job_id}.  {name: the job's last JSON}, once all are finished or time is up."""
    last, pending = {}, dict(jobs)
    while pending and time.monotonic() < deadline:
        for name, jid in list(pending.items()):
            st, js = client.request("GET", "/api/ocr/jobs/" + jid)
            if st == 200 and js:
                last[name] = js
                if js.get("status") in ("done", "failed"):
                    del pending[name]
        if pending:
            time.sleep(0.5)
    return last


def run_pipeline(a, truth):
    """({name: Invoice or None}, timing) for the records of truth, through the service."""
    client = Client(a.gateway, a.token, a.user, a.password)
    if not a.token:
        client.login()
    notes, jobs = [], {}
    start = time.monotonic()
    for name, _ in truth:
        path = first_page(a.datadir, name)
        if path is None:
            notes.append(f"{name}: no image")
            continue
        if os.path.exists(os.path.join(a.datadir, name + ".p2.png")):
            notes.append(f"{name}: page 1 only uploaded (fields on page 2 will be missed)")
        jid, err = upload(client, path, a.lang)
        if err:
            notes.append(err)
        else:
            jobs[name] = jid
    last = wait_jobs(client, jobs, start + a.timeout)
    wall = time.monotonic() - start
    preds, ocr_ms, not_done = {}, [], 0
    for name, _ in truth:
        js = last.get(name)
        preds[name] = None
        if js is None or js.get("status") != "done":
            not_done += name in jobs
            if name in jobs:
                notes.append(f"{name}: job {jobs[name]} {js.get('status') if js else 'unread'}"
                             f"{': ' + js['error'] if js and js.get('error') else ''}")
            continue
        if js.get("ocr_ms") is not None:
            ocr_ms.append(js["ocr_ms"])
        if not js.get("invoice_id"):
            notes.append(f"{name}: job done without invoice_id")
            continue
        st, inv = client.request("GET", "/api/invoices/" + js["invoice_id"])
        if st != 200 or not isinstance(inv, dict):
            notes.append(f"{name}: invoice {js['invoice_id']}: HTTP {st}")
            continue
        preds[name] = inv
    if a.save:
        os.makedirs(a.save, exist_ok=True)
        for name, inv in preds.items():
            if inv is not None:
                with open(os.path.join(a.save, name + ".json"), "w", encoding="utf-8") as f:
                    json.dump(inv, f, ensure_ascii=False, indent=1)
    pages = len(jobs)
    timing = {"pages": pages, "wall_s": wall, "wall_s_per_page": wall / pages if pages else 0.0,
              "ocr_ms_mean": sum(ocr_ms) / len(ocr_ms) if ocr_ms else 0.0,
              "not_done": not_done, "lang": a.lang, "notes": notes}
    return preds, timing
