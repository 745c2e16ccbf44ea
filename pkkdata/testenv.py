"""pytest plugin loaded before Django starts (see pytest.ini): test runs are development runs, so
DEBUG defaults to on (a random SECRET_KEY kept out of the repository, no HTTPS redirect). Django's
test runner still runs the tests themselves with DEBUG off.

Background downloads run inline (deterministic, inside the test's transaction) and write to a
directory of this run, removed at its end, never to the checkout's var/unduhan."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("EXPORT_INLINE", "1")
if "EXPORT_DIR" not in os.environ:
    _export_dir = tempfile.mkdtemp(prefix="pkk-unduhan-")
    os.environ["EXPORT_DIR"] = _export_dir
    atexit.register(shutil.rmtree, _export_dir, ignore_errors=True)
