"""The build check: the package `sam build` makes, imported and invoked the way Lambda runs it.

`cfp buildcheck` runs `sam build` twice from the template: once as it is (arm64, the artifact a deploy
uploads; its unzipped sizes are reported) and once with the layer's wheels for this machine's processor
(``LAYER_PLATFORM``, the only difference), so that this machine can load them. Then, for each function, a
fresh Python 3.12 started with ``-I -S`` (no site-packages, no user paths, no ``PYTHON*`` variables) gets
only what Lambda puts on ``sys.path``: the function's directory, the layer's ``python/`` and a stand-in for
the runtime's own boto3 (``infra/lambda-runtime.txt``), and the function's environment from the template,
pointed at a moto server holding the template's resources. It imports the handler and sends it its sample
event from ``events/``: the API's sample creates a submission, the validator's checks a PDF uploaded to
that submission's slot (with pikepdf and pdfium from the built layer), the queue samples speak of it. One
more interpreter imports every module of the ``cfp`` package from the layer and shows that Pillow and
lxml, which the layer leaves out, are neither there nor needed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cfp_tools.template import Template, default_template_path

ROOT = default_template_path().parent
# The sample events' submission, replaced by the one the API's sample creates.
SAMPLE_SUBMISSION = "k7m2q9x4pa"
# The modules the layer leaves out (pikepdf's image and XMP helpers need them; cfp never calls those).
LEFT_OUT = ("PIL", "lxml")
_MARK = "CFP-PROBE "

# Run by the fresh interpreter: argv is the sys.path entries (JSON), the handler, the event file or "".
PROBE = """
import importlib, json, sys, time
paths, handler, event_file = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
sys.path[:0] = paths
start = time.perf_counter()
if handler == "--every-cfp-module":
    import importlib.util, pkgutil
    import cfp
    names = [m.name for m in pkgutil.walk_packages(cfp.__path__, "cfp.")]
    for name in names:
        importlib.import_module(name)
    left_out = json.loads(sys.argv[4])
    result = {"modules": len(names), "present": [n for n in left_out if importlib.util.find_spec(n)],
              "loaded": [n for n in left_out if n in sys.modules]}
else:
    module_name, _, attribute = handler.rpartition(".")
    module = importlib.import_module(module_name)
    imported_ms = (time.perf_counter() - start) * 1000
    class Context:
        function_name = "buildcheck"
        memory_limit_in_mb = 512
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:buildcheck"
        aws_request_id = "buildcheck-1"
        def get_remaining_time_in_millis(self):
            return 300_000
    result = None
    if event_file:
        with open(event_file) as file:
            result = getattr(module, attribute)(json.load(file), Context())
roots = tuple(paths) + (sys.base_prefix,)
outside = sorted(
    name for name, module in list(sys.modules.items())
    if getattr(module, "__file__", None) and not str(module.__file__).startswith(roots)
)
print("%s%s" % (sys.argv[5], json.dumps({"result": result, "outside": outside}, default=str)))
"""


class BuildCheckError(RuntimeError):
    """The artifact could not be built, or a handler failed from it."""


@dataclass(frozen=True)
class Tools:
    sam: str
    python312: str


def find_python312(given: str | None = None) -> str | None:
    """The first Python 3.12 that runs: the one given, ``python3.12`` on the PATH, a pyenv install."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [given] if given else [shutil.which("python3.12")]
    candidates += [str(path) for path in sorted(pyenv_root.glob("versions/3.12*/bin/python3.12"))]
    for candidate in candidates:
        if candidate is None:
            continue
        # A pyenv shim exists on the PATH even where it cannot run; ask the interpreter itself.
        ran = subprocess.run(  # noqa: S603 - an interpreter's version, nothing else
            [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
            capture_output=True,
            text=True,
            check=False,
        )
        if ran.stdout.strip() == "True":
            return candidate
    return None


def find_tools(sam: str | None, python312: str | None) -> Tools:
    """SAM and a Python 3.12, from the options, the PATH or pyenv."""
    python = find_python312(python312)
    if python is None:
        raise BuildCheckError("no Python 3.12 runs here: put python3.12 on the PATH or pass --python312")
    sam_path = sam or shutil.which("sam")
    if sam_path is None:
        raise BuildCheckError("no sam: install aws-sam-cli (README, Deploying) or pass --sam")
    return Tools(sam=sam_path, python312=python)


def sam_build(tools: Tools, build_dir: Path, layer_platform: str | None = None) -> None:
    """`sam build` of the template into ``build_dir``, with ``python3.12`` first on the PATH as SAM needs."""
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    env["PATH"] = os.pathsep.join([str(Path(tools.python312).parent), env.get("PATH", "")])
    if layer_platform:
        env["LAYER_PLATFORM"] = layer_platform
    command = [tools.sam, "build", "--template-file", str(ROOT / "template.yaml")]
    command += ["--build-dir", str(build_dir)]
    command += ["--cache-dir", str(build_dir.with_name(build_dir.name + "-cache")), "--cached"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BuildCheckError(f"sam build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def unzipped_size(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())


def runtime_stand_in(tools: Tools, work: Path) -> Path:
    """boto3 and its dependencies at the pinned versions, installed apart, as the runtime holds them."""
    lock = ROOT / "infra" / "lambda-runtime.txt"
    target = work / "runtime"
    stamp = target / ".lock"
    if stamp.exists() and stamp.read_text() == lock.read_text():
        return target
    shutil.rmtree(target, ignore_errors=True)
    command = [tools.python312, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps"]
    command += ["--target", str(target), "--requirement", str(lock)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BuildCheckError(f"installing the runtime's boto3 failed:\n{done.stderr[-3000:]}")
    stamp.write_text(lock.read_text())
    return target


def probe(
    tools: Tools, paths: Sequence[Path], handler: str, env: dict[str, str], event: Any = None
) -> dict[str, Any]:
    """Run the probe in a fresh ``python3.12 -I -S`` with only ``paths`` added to its ``sys.path``."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(event, file)
    try:
        arguments = [json.dumps([str(path) for path in paths]), handler, file.name if event else ""]
        arguments += [json.dumps(LEFT_OUT), _MARK]
        command = [tools.python312, "-I", "-S", "-c", PROBE, *arguments]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    finally:
        os.unlink(file.name)
    lines = [line for line in done.stdout.splitlines() if line.startswith(_MARK)]
    if done.returncode != 0 or not lines:
        raise BuildCheckError(f"{handler} failed from the artifact:\n{done.stderr[-4000:]}")
    answer: dict[str, Any] = json.loads(lines[-1][len(_MARK) :])
    return answer


def host_platform() -> str | None:
    """The layer platform this machine can load, when it is not the template's arm64."""
    machine = platform.machine().lower()
    return None if machine in {"aarch64", "arm64"} else machine


def artifact_paths(build_dir: Path, logical_id: str, runtime: Path) -> list[Path]:
    """What Lambda puts on sys.path: /var/task, the layer's python/ under /opt, the runtime's libraries."""
    return [build_dir / logical_id, build_dir / "SharedLayer" / "python", runtime]


class SampleRun:
    """The template's resources in a moto server, and each function's sample sent from the artifact."""

    def __init__(self, tools: Tools, build_dir: Path, runtime: Path) -> None:
        import logging

        from moto.server import ThreadedMotoServer

        from cfp_tools.local.functions import Endpoints
        from cfp_tools.local.resources import Resources, physical_name
        from cfp_tools.template import arn

        self.tools, self.build_dir, self.runtime = tools, build_dir, runtime
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoints = Endpoints(aws=f"http://{host}:{port}", s3=f"http://{host}:{port}")
        # The template's own deadlines may have passed; the check needs an open call, and a final deadline
        # after the call's (the settings refuse one before it).
        opened = datetime.now(UTC) + timedelta(days=30)
        deadline, final = (
            instant.strftime("%Y-%m-%dT%H:%M:%SZ") for instant in (opened, opened + timedelta(days=30))
        )
        self.template = Template(ROOT / "template.yaml", {"Deadline": deadline, "FinalDeadline": final})
        self.resources = Resources(self.template, self.endpoints.aws, 3000, lambda line: None)
        for logical_id in self.template.creation_order():
            if self.template.resources[logical_id]["Type"] == "AWS::Serverless::Function":
                name = physical_name(logical_id)
                self.resources.remember(logical_id, name, Arn=arn("lambda", f"function:{name}"))
            else:
                self.resources.create(logical_id)
        self.resources.create_ses_identities()

    def close(self) -> None:
        self.server.stop()

    def environment(self, logical_id: str) -> dict[str, str]:
        from cfp_tools.local.functions import lambda_environment

        env = lambda_environment(self.template.function(logical_id), logical_id, self.endpoints)
        env.pop("PYTHONPATH")  # sys.path is the probe's to set, exactly
        return env

    def invoke(self, logical_id: str, event: Any) -> dict[str, Any]:
        function = self.template.function(logical_id)
        paths = artifact_paths(self.build_dir, logical_id, self.runtime)
        answer = probe(self.tools, paths, function.handler, self.environment(logical_id), event)
        if answer["outside"]:
            outside = ", ".join(answer["outside"])
            raise BuildCheckError(f"{logical_id} loaded modules from outside the artifact: {outside}")
        return answer

    def every_cfp_module(self) -> dict[str, Any]:
        paths = [self.build_dir / "SharedLayer" / "python", self.runtime]
        return probe(self.tools, paths, "--every-cfp-module", self.environment("ApiFunction"))["result"]  # type: ignore[no-any-return]

    def samples(self) -> dict[str, str]:
        """Send each function its sample; what each answered, in a line. Raises on the first failure."""
        said: dict[str, str] = {}
        created = self.invoke("ApiFunction", _sample(sample_path(self.template, "ApiFunction")))["result"]
        if created.get("statusCode") != 201:
            raise BuildCheckError(f"ApiFunction answered its sample with {created}")
        body = json.loads(created["body"])
        said["ApiFunction"] = f"201, submission {body['id']} created"
        uploaded = self._upload(body["upload"]["fields"]["key"])
        functions = [name for name, _ in self.template.resources_of_type("AWS::Serverless::Function")]
        # The validator first, so the queue samples that follow speak of a judged upload.
        for logical_id in sorted(
            set(functions) - {"ApiFunction"}, key=lambda name: name != "ValidatorFunction"
        ):
            event = _sample(sample_path(self.template, logical_id), body["id"])
            if logical_id == "ValidatorFunction":
                event = _upload_event(event, uploaded)
            answer = self.invoke(logical_id, event)["result"]
            failures = (answer or {}).get("batchItemFailures", []) if isinstance(answer, dict) else []
            if failures and logical_id == "ValidatorFunction":
                raise BuildCheckError(f"ValidatorFunction could not check the sample upload: {answer}")
            said[logical_id] = f"{len(failures)} failed record(s)" if "Records" in event else "done"
        return said

    def _upload(self, key: str) -> dict[str, Any]:
        from cfp_tools.pdfs import make_abstract

        s3 = self.resources.client("s3")
        bucket = self.template.resolver.physical_ids["UploadsBucket"]
        data = make_abstract(2)
        put = s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType="application/pdf")
        return {"bucket": bucket, "key": key, "size": len(data), "eTag": put["ETag"].strip('"'), **put}


def sample_path(template: Template, logical_id: str) -> Path:
    """The one sample event of a function: ``events/<its code folder's name>-*.json``."""
    folder = template.function(logical_id).code_dir.name
    found = sorted((ROOT / "events").glob(f"{folder}-*.json"))
    if len(found) != 1:
        raise BuildCheckError(
            f"{logical_id} needs exactly one sample event events/{folder}-*.json, not {found}"
        )
    return found[0]


def _sample(path: Path, submission: str | None = None) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text.replace(SAMPLE_SUBMISSION, submission) if submission else text)


def _upload_event(event: dict[str, Any], uploaded: dict[str, Any]) -> dict[str, Any]:
    """The validator's sample, speaking of the object really uploaded."""
    [message] = event["Records"]
    body = json.loads(message["body"])
    [record] = body["Records"]
    record["eventTime"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    record["s3"]["bucket"].update(name=uploaded["bucket"], arn=f"arn:aws:s3:::{uploaded['bucket']}")
    record["s3"]["object"].update(
        key=uploaded["key"], size=uploaded["size"], eTag=uploaded["eTag"], versionId=uploaded["VersionId"]
    )
    message["body"] = json.dumps(body)
    return event


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cfp buildcheck", description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", type=Path, default=ROOT / ".aws-sam" / "check")
    parser.add_argument("--sam", help="the sam command (default: sam on the PATH)")
    parser.add_argument("--python312", help="a Python 3.12 interpreter (default: python3.12 on the PATH)")
    args = parser.parse_args(argv)
    try:
        tools = find_tools(args.sam, args.python312)
        deployed = args.build_dir / "arm64"
        sam_build(tools, deployed)
        print("unzipped size of the deployment artifact (arm64, as sam build made it):")
        for directory in sorted(path for path in deployed.iterdir() if path.is_dir()):
            print(f"  {directory.name:<20} {unzipped_size(directory) / 1024:>9,.1f} KiB")
        host = host_platform()
        loadable = deployed
        if host:
            loadable = args.build_dir / host
            sam_build(tools, loadable, layer_platform=host)
        run = SampleRun(tools, loadable, runtime_stand_in(tools, args.build_dir))
        try:
            every = run.every_cfp_module()
            if every["present"] or every["loaded"]:
                raise BuildCheckError(f"the layer holds or loads what it should leave out: {every}")
            without = ", ".join(LEFT_OUT)
            print(f"every cfp module ({every['modules']}) imports from the layer, without {without}")
            for logical_id, said in run.samples().items():
                print(f"  {logical_id:<20} its sample from the artifact: {said}")
        finally:
            run.close()
    except BuildCheckError as error:
        print(f"build check FAILED: {error}", file=sys.stderr)
        return 1
    print("build check passed")
    return 0
