"""quill_api: bench/score-invoices --pipeline's client of the running service.

Only urllib.  Logs in (registering the account first when the login is
refused and the register succeeds), uploads every record's document
through the gateway as a raw body (POST /api/ocr/jobs?filename=NAME[&lang=L]),
then polls each job (GET /api/ocr/jobs/{id}) until it is done or failed or
the whole run's --timeout has passed, and reads the invoice it names
(GET /api/invoices/{invoice_id}).  All uploads go first, so the workers
run in parallel and the wall time per page is the service's throughput.

A document of one page goes up as its image.  One with further pages,
NAME.p2.png, NAME.p3.png ..., goes up as one multi-page TIFF, NAME.tif,
made by bench/pages-tiff beside this file (QUILL_PAGES_TIFF names another):
the worker reads its pages one after the other and the extractor all their
words.  Without the tool (make bench/pages-tiff) page 1 goes up alone, with
a note.
"""
import json
import os
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".tif": "image/tiff", ".tiff": "image/tiff"}
# built on demand beside this file, as the other bench tools; a build
# outside the source tree says where its own is
PAGES_TIFF = os.environ.get("QUILL_PAGES_TIFF") or \
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "pages-tiff")


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
    """The document's page 1: NAME.png, NAME.jpg, NAME.tif ..., or None."""
    for ext in IMAGE_TYPES:
        p = os.path.join(datadir, name + ext)
        if os.path.exists(p):
            return p
    return None


def document_pages(datadir, name):
    """The document's page images in order: page 1, then NAME.p2.png, NAME.p3.png ... while they exist."""
    first = first_page(datadir, name)
    if first is None:
        return []
    pages = [first]
    while os.path.exists(os.path.join(datadir, f"{name}.p{len(pages) + 1}.png")):
        pages.append(os.path.join(datadir, f"{name}.p{len(pages) + 1}.png"))
    return pages


def pages_tiff(pages, out):
    """Writes the page images as one TIFF, out, with bench/pages-tiff: None, or why it could not."""
    if not os.access(PAGES_TIFF, os.X_OK):
        return f"{PAGES_TIFF} is not built: make bench/pages-tiff"
    try:
        r = subprocess.run([PAGES_TIFF, out] + pages, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"{PAGES_TIFF}: {e}"
    if r.returncode != 0:
        return r.stderr.strip().replace("\n", "; ") or f"{PAGES_TIFF} exited {r.returncode}"
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
    notes, jobs, npages = [], {}, {}
    start = time.monotonic()
    # a document's TIFF is read into memory as it goes up: none outlives the loop
    with tempfile.TemporaryDirectory(prefix="score-invoices.") as tmp:
        for name, _ in truth:
            pages = document_pages(a.datadir, name)
            if not pages:
                notes.append(f"{name}: no image")
                continue
            path = pages[0]
            if len(pages) > 1:
                path = os.path.join(tmp, name + ".tif")
                why = pages_tiff(pages, path)
                if why:
                    rest = "page 2" if len(pages) == 2 else f"pages 2-{len(pages)}"
                    notes.append(f"{name}: page 1 only uploaded ({why}; fields on {rest} will be missed)")
                    path, pages = pages[0], pages[:1]
            jid, err = upload(client, path, a.lang)
            if err:
                notes.append(err)
            else:
                jobs[name], npages[name] = jid, len(pages)
    last = wait_jobs(client, jobs, start + a.timeout)
    wall = time.monotonic() - start
    preds, ocr_ms, ocr_pages, not_done = {}, 0, 0, 0
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
            # a job's OCR time is its document's, all pages
            ocr_ms += js["ocr_ms"]
            ocr_pages += npages[name]
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
    pages = sum(npages.values())
    timing = {"pages": pages, "documents": len(jobs), "wall_s": wall,
              "wall_s_per_page": wall / pages if pages else 0.0,
              "ocr_ms_mean": ocr_ms / ocr_pages if ocr_pages else 0.0,
              "not_done": not_done, "lang": a.lang, "notes": notes}
    return preds, timing
