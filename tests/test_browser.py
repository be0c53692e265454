"""JupyterLab and formgrader in a real browser: headless Chromium (Debian's) driven by Playwright.

One `jupyter lab` per module, on a free loopback port with a token, over a temporary course with two
autograded submissions. Screenshots go to each test's tmp_path (and, for the README, to the folder
named by BROWSER_SCREENSHOTS when it is set). Without Chromium or Playwright the tests are skipped
with the reason; `make browser-test` installs Chromium and runs them.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from autograder.student.settings import solutions_dir
SOLUTIONS = solutions_dir()
from autograder.grader.subprocess_env import venv_env

ROOT = Path(__file__).resolve().parents[1]
A = "00_mnist"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
TOKEN = "browser-test-token"
EXPECTED = {"alice": "4", "bob": "3"}  # the reference update(), and the catalogue's no-weight-decay mistake


def _missing() -> str:
    """What the browser tests lack on this machine, or '' when they can run."""
    if not Path(CHROMIUM).is_file():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -r requirements.lock)"
    return ""


pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(bool(_missing()), reason=f"browser tests skipped: {_missing()}; "
                                 "run `make browser-test` to install Chromium and run them")]


def _free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _nbgrader(args: list[str], env: dict[str, str]) -> None:
    """Run one nbgrader command from the repository root; fail with its output if it fails."""
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"Expected `nbgrader {' '.join(args)}` to succeed; got:\n{proc.stderr[-3000:]}"


def _with_answer(release: Path, answer: str) -> dict:
    """The released notebook with `update` filled in."""
    nb = json.loads(release.read_text())
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "update")
    cell["source"] = answer
    return nb


def _answers() -> dict[str, str]:
    """alice: the reference solution region; bob: the catalogue's update without weight decay."""
    import inspect
    from tests.catalogue.mnist_cases import update_no_wd
    nb = json.loads((SOLUTIONS / A / f"{A}.ipynb").read_text())
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "update")
    good = "\n".join(ln for ln in "".join(cell["source"]).splitlines() if "### " not in ln)
    return {"alice": good, "bob": inspect.getsource(update_no_wd).replace("def update_no_wd(", "def update(")}


def _student_notebook(release: Path, answer: str, dest: Path) -> Path:
    """A student's notebook: setup cell, imports, wd, their update() and the self-check (no training)."""
    nb = _with_answer(release, answer)
    keep = [c for c in nb["cells"] if c["cell_type"] == "code" and (
        "setup_notebook" in "".join(c["source"]) or "import torch.nn.functional" in "".join(c["source"])
        or "".join(c["source"]).startswith("wd =") or c["metadata"].get("nbgrader", {}).get("grade_id") == "update"
        or 'self_check("update"' in "".join(c["source"]))]
    nb["cells"] = keep
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(nb, indent=1))
    return dest


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A temporary course with two autograded submissions, and `jupyter lab` serving it; yields its URL."""
    tmp = tmp_path_factory.mktemp("lab")
    course, release, home = tmp / "course", tmp / "release", tmp / "home"
    for d in (course, home, tmp / "exchange"):
        d.mkdir()
    env = {k: v for k, v in venv_env().items() if not k.startswith(("JUPYTER_", "COURSE_"))}
    env |= {"HOME": str(home), "COURSE_ROOT": str(course), "COURSE_ID": "mlp-course-browser",
            "COURSE_EXCHANGE": str(tmp / "exchange"), "MPLBACKEND": "Agg"}
    # No "Jupyter news?" pop-up over the pages (and their screenshots): the question is answered in the settings.
    settings = home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    roster = tmp / "students.csv"
    roster.write_text("id,first_name,last_name,email\nalice,Alice,Archer,\nbob,Bob,Baker,\n")
    _nbgrader(["db", "student", "import", str(roster)], env)
    _nbgrader(["generate_assignment", A, "--force", f"--CourseDirectory.release_directory={release}"], env)
    answers = _answers()
    for student, answer in answers.items():
        dest = course / "submitted" / student / A / f"{A}.ipynb"
        dest.parent.mkdir(parents=True)
        dest.write_text(json.dumps(_with_answer(release / A / f"{A}.ipynb", answer), indent=1))
    _nbgrader(["autograde", A], env)
    _student_notebook(release / A / f"{A}.ipynb", answers["bob"], course / "student" / f"{A}.ipynb")
    port = _free_port()
    log = (tmp / "lab.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
                             f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                             f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={course}",
                             *(["--allow-root"] if os.geteuid() == 0 else [])],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url, proc, tmp / "lab.log")
        yield {"url": url, "course": course, "tmp": tmp}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _wait_for(url: str, proc: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    """Wait until the server answers /api/status with the token; fail with its log if it exits or stalls."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"Expected jupyter lab to start; it exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"Expected jupyter lab to answer within {seconds:.0f} s; log:\n{log.read_text()[-3000:]}")


@pytest.fixture
def page(lab, tmp_path):
    """A fresh headless Chromium page; a screenshot of it is saved to tmp_path at teardown."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        pg = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.console_errors = errors
        try:
            yield pg
        finally:
            pg.screenshot(path=str(tmp_path / "last.png"))
            browser.close()


def _shot(page, tmp_path: Path, name: str) -> Path:
    """Save a screenshot to the test's folder, and to BROWSER_SCREENSHOTS when that is set."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path))
    if os.environ.get("BROWSER_SCREENSHOTS"):
        Path(os.environ["BROWSER_SCREENSHOTS"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(os.environ["BROWSER_SCREENSHOTS"]) / path.name)
    return path


def _open_formgrader(page, lab):
    """Open JupyterLab and, through its Nbgrader menu, the formgrader tab; return the formgrader frame."""
    page.goto(f"{lab['url']}/lab?token={TOKEN}")
    page.get_by_role("menuitem", name="Nbgrader").click(timeout=60_000)
    page.get_by_role("menuitem", name="Formgrader", exact=True).click()
    frame = page.frame_locator("iframe[src*='formgrader']")
    frame.locator("tr", has_text=A).first.wait_for(timeout=60_000)  # the frame has loaded its first page
    _dismiss_news(page)
    return frame


def _dismiss_news(page) -> None:
    """Answer JupyterLab's first-run news question (asked once per home folder) so it hides nothing."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    try:
        page.get_by_role("button", name="No", exact=True).click(timeout=3_000)
    except PlaywrightTimeout:
        pass


def test_formgrader_lists_the_assignments_and_the_submissions(page, lab, tmp_path):
    from autograder.grader.pipeline import assignments
    try:
        frame = _open_formgrader(page, lab)
    except Exception:
        _shot(page, tmp_path, "formgrader-missing")
        csp = [e for e in page.console_errors if "frame-ancestors" in e or "Content Security Policy" in e]
        pytest.fail(f"Expected formgrader's iframe to list {A}; got nothing. "
                    f"Content-Security-Policy errors: {csp or 'none'} (nbgrader issue #1870).")
    row = frame.locator("tr", has_text=A).first
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    listed = [c.strip() for c in frame.locator("tbody tr td:first-child").all_inner_texts()]
    _shot(page, tmp_path, "formgrader")
    assert set(assignments()) <= set(listed), f"Expected formgrader to list {assignments()}; got {listed}."
    assert "2" in cells, f"Expected the submission count 2 in {A}'s row after autograde; got the cells {cells}."


def test_formgrader_opens_a_students_score(page, lab, tmp_path):
    frame = _open_formgrader(page, lab)
    frame.get_by_role("link", name="Manage Students").click(timeout=60_000)
    frame.locator("tr", has_text="bob").get_by_role("link", name="Baker, Bob").click(timeout=30_000)
    row = frame.locator("tr", has_text=A).first
    row.wait_for(timeout=30_000)
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    _shot(page, tmp_path, "formgrader-student")
    assert any(c.startswith(f"{EXPECTED['bob']} / 4") for c in cells), \
        f"Expected bob's score {EXPECTED['bob']} / 4 for {A} in formgrader; got the cells {cells}."


def test_student_runs_the_setup_cell_and_a_self_check(page, lab, tmp_path):
    page.goto(f"{lab['url']}/lab/tree/student/{A}.ipynb?token={TOKEN}")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
    _dismiss_news(page)
    page.get_by_text("| Idle").first.wait_for(timeout=120_000)  # the kernel has started
    cells = page.locator(".jp-Notebook .jp-Cell")
    cells.first.locator(".jp-InputPrompt").click()
    for _ in range(cells.count()):  # a student running the notebook cell by cell
        page.keyboard.press("Shift+Enter")
        page.wait_for_timeout(300)
    outputs = page.locator(".jp-Notebook .jp-OutputArea-output")
    setup = page.locator(".jp-OutputArea-output", has_text="device: cpu")
    setup.first.wait_for(timeout=120_000)
    report = page.locator(".jp-OutputArea-output", has_text="update:")
    report.first.wait_for(timeout=120_000)
    report.first.scroll_into_view_if_needed()
    _shot(page, tmp_path, "student-self-check")
    text = "\n".join(outputs.all_inner_texts())
    assert "device: cpu" in text or "device: cuda" in text, f"Expected the setup cell to print the device; got {text[:500]}"
    assert "left out the weight decay" in text and "3 / 4 points" in text, \
        f"Expected the self-check to name the missing weight decay and 3 / 4 points; the page shows:\n{text[-1500:]}"


@pytest.fixture(scope="module")
def class_report(tmp_path_factory) -> Path:
    """The class report of a small demo class (two students share the forgotten .T), graded once."""
    from autograder.demo import DEMO_ASSIGNMENT, DEMO_LIMITS, make_class
    from autograder.grader.pipeline import grade_submissions
    base = tmp_path_factory.mktemp("report")
    made = {p.stem: p for p in make_class(base / "demo")}
    (base / "class").mkdir()
    for student in ("correct", "missing_transpose", "missing_transpose_matmul", "f_linear", "corrupted_json"):
        shutil.copyfile(made[student], base / "class" / f"{student}.ipynb")
    grade_submissions([DEMO_ASSIGNMENT], base / "class", base / "out", limits=DEMO_LIMITS, progress=False)
    return base / "out" / "report.html"


def test_the_class_report_renders_and_its_feedback_links_resolve(class_report, tmp_path):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        try:
            page.goto(class_report.as_uri())
            assert page.locator("h2#ranking").is_visible(), "Expected the course-wide ranking on the page."
            row = page.locator("table").first.locator("tr", has_text="linear.missing_t").first.inner_text()
            assert row.strip().startswith("2") and "missing_transpose_matmul" in row, \
                f"Expected the forgotten .T counted for two students in the ranking; got {row!r}."
            widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
            assert widths and all(w > 0 for w in widths), f"Expected every histogram to render; got widths {widths}."
            _shot(page, tmp_path, "class_report")
            links = page.eval_on_selector_all("a[href^='feedback/']", "as => as.map(a => a.href)")
            assert len(links) >= 4, f"Expected links to the students' feedback; got {links}."
            for href in dict.fromkeys(links):
                page.goto(href)
                assert "linear_randn" in page.content(), f"Expected {href} to open a feedback page."
        finally:
            browser.close()
