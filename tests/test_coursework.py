"""The graded coursework (``notebooks/assignments/``, :mod:`inpaintlib.coursework`) through
otter-grader, proving that its tests can fail:

(a) every assignment builds with ``otter assign`` and its solution notebook scores full marks
    with its own autograder, every auto-graded question included (``coursework.build`` grades it
    in a fresh kernel and raises otherwise; checked again here);
(b) every unmodified student notebook, graded like a submission (``otter run``, a fresh
    kernel), scores zero on every auto-graded question;
(c) no solution code, written solution or hidden test reaches a student notebook;
(d) a plausible bug planted in the solution of every question is caught, with the message
    that names it, and costs no points in a later question that calls the buggy function (those
    are graded with the library's version of it: ``coursework.assignments.REFERENCE_HELPERS``)
    (these run in this process: ``run_cells`` + ``run_tests`` of tests/grading_in_process.py).

The assignments are built once per session into a temporary folder, two at a time, each
notebook kernel on one thread; the whole file takes about two minutes on 2 busy CPU cores.
"""

from __future__ import annotations

import csv
import json
import re
import shutil

import nbformat
import pytest

pytest.importorskip("otter")

from grading_in_process import run_cells, run_tests  # noqa: E402

from inpaintlib import coursework  # noqa: E402
from inpaintlib.coursework.assignments import REFERENCE_HELPERS  # noqa: E402

NAMES = coursework.names()

#: (assignment, question, (text in the solution, the bug), text the failure message must contain)
BUGS = [
    ("A1_haar_dwt", "q1_haar_level", ("ll = (a + b + c + d) / 2", "ll = a + b + c + d"),
     "the factor 1/2 is missing"),
    ("A1_haar_dwt", "q1_haar_level", ("torch.stack([lh, hl, hh], dim=2)", "torch.stack([hl, lh, hh], dim=2)"),
     "this is the HL band: the order is LH, HL, HH"),
    ("A1_haar_dwt", "q2_haar_pyramid", ("return ll, yh", "return ll, yh[::-1]"),
     "yh is ordered finest first"),
    ("A1_haar_dwt", "q3_wavemix_block", ("torch.cat([ll, bands.flatten(1, 2)], dim=1)",
                                         "torch.cat([ll, bands.transpose(1, 2).flatten(1, 2)], dim=1)"),
     "the sub-bands are stacked band by band"),
    ("A1_haar_dwt", "q3_wavemix_block", ("training=False, eps=1e-5)", "training=True, eps=1e-5)"),
     "the BatchNorm used the batch's statistics"),
    ("A1_haar_dwt", "q3_wavemix_block", ("ll, bands = haar_level(reduced)",
                                         "from inpaintlib.wavelets import haar_dwt\n"
                                         "    ll, (bands,) = haar_dwt(reduced)"),
     "wavemix_block uses inpaintlib.wavelets, code that does the work; the graded code must compute this "
     "itself"),
    ("A2_lama_masks", "q1_strokes",
     ("canvas = max(size, REFERENCE_SIZE)\n    scale = canvas / REFERENCE_SIZE\n"
                                     "    mask = np.zeros((canvas, canvas), np.uint8)\n    for stroke",
                                     "canvas = size\n    scale = 1.0\n    mask = np.zeros((canvas, "
                                     "canvas), np.uint8)\n    for stroke"),
     "did you forget the canvas?"),
    ("A2_lama_masks", "q2_boxes",
     ("x0 = int(rng.integers(m, canvas - m - w + 1))", "x0 = int(rng.integers(0, canvas - w + 1))"),
     "masks have hole pixels in the 4 px margin"),
    ("A2_lama_masks", "q3_lama_mask",
     ("    if preset.boxes is not None and rng.random() < preset.box_probability:\n"
                                       "        b = preset.boxes\n"
                                       "        return boxes_mask(size, rng, b.min_side, b.max_side, "
                                       "b.margin, b.min_times, b.max_times)\n"
                                       "    s = preset.strokes\n"
                                       "    return strokes_mask(",
                                       "    s, b = preset.strokes, preset.boxes\n"
                                       "    boxes = boxes_mask(size, rng, b.min_side, b.max_side, "
                                       "b.margin, b.min_times, b.max_times)\n"
                                       "    return boxes | strokes_mask("),
     "each mask is one kind, never both"),
    ("A3_loss_and_metrics", "q1_ssim_map",
     [('F.pad(t, [0, 0, half, half], mode="reflect")', "F.pad(t, [0, 0, half, half])"),
                                            ('F.pad(t, [half, half, 0, 0], mode="reflect")',
                                             "F.pad(t, [half, half, 0, 0])")],
     "pad with reflection"),
    ("A3_loss_and_metrics", "q1_ssim_map", ("    def local_mean(t):\n",
                                            "    window = column * row                           # (C, "
                                            "1, 11, 11)\n\n"
                                            "    def local_mean(t):\n"
                                            "        return F.conv2d(F.pad(t, [half] * 4, "
                                            "mode='reflect'), window, groups=c)\n\n"
                                            "    def unused(t):\n"),
     "the question asks for two 1D passes"),
    ("A3_loss_and_metrics", "q2_loss", ("return 3 * (1 - ssim) + mae", "return (1 - ssim) + 3 * mae"),
     "the weights are reversed: 3 x (1 - SSIM) + 1 x MAE"),
    ("A3_loss_and_metrics", "q3_hole_psnr",
     ("count = weight.flatten(1).sum(1)\n    mse", "count = mask.flatten(1).sum(1)\n    mse"),
     "a hole pixel has three channels"),
    ("A3_loss_and_metrics", "q4_hole_ssim",
     ("total = (gaussian_ssim_map(pred, target) * weight).flatten(1).sum(1)\n"
                                             "    return torch.where(count > 0, total / count.clamp_min(1)",
                                             "total = gaussian_ssim_map(pred, target).flatten(1).mean(1)\n"
                                             "    return torch.where(count > 0, total"),
     "average the SSIM map over the hole pixels only"),
    ("A4_training_step", "q1_optimizers", ("return torch.optim.SGD(params, lr=1e-3, momentum=0.9)",
                                           "return torch.optim.SGD(params, lr=1e-3)"),
     "SGD's default momentum is 0"),
    ("A4_training_step", "q1_optimizers", ('return "sgd" if epoch >= epochs - sgd_epochs else "adamw"',
                                           'return "sgd" if epoch > epochs - sgd_epochs else "adamw"'),
     "you switch one epoch late"),
    ("A4_training_step", "q2_train_step",
     ("    scaler.step(optimizer)\n    scaler.update()\n    return loss.item()",
                                           "    optimizer.step()\n    return loss.item()"),
     "the weights moved 256 times too far"),
    ("A4_training_step", "q2_train_step",
     ("    optimizer.zero_grad(set_to_none=True)\n    scaler.scale", "    scaler.scale"),
     "call optimizer.zero_grad(set_to_none=True) before backward"),
    ("A4_training_step", "q2_train_step",
     ("with torch.autocast(masked.device.type, dtype=amp_dtype or torch.float32, "
                                           "enabled=amp_dtype is not None):", "if True:"),
     "your step ran in float32"),
    ("A4_training_step", "q3_fit", ("if name != current:", "if True:"),
     "the optimizer was created anew every epoch"),
    ("A5_fourier_convolution", "q1_fourier_unit",
     [("z = torch.stack([spec.real, spec.imag], dim=2).reshape(n, 2 * c, h, -1)",
       "z = torch.cat([spec.real, spec.imag], dim=1)"),
      ("z = z.reshape(n, c, 2, h, -1)\n    return torch.fft.irfft2(torch.complex(z[:, :, 0], z[:, :, 1])",
       "return torch.fft.irfft2(torch.complex(z[:, :c], z[:, c:])")],
     "real and imaginary parts are interleaved per channel"),
    ("A5_fourier_convolution", "q1_fourier_unit", ('s=(h, w), norm="ortho")', 'norm="ortho")'),
     "pass s=(H, W) to irfft2"),
    ("A5_fourier_convolution", "q2_spectral_transform",
     ("F.conv2d(y + fourier_unit(y, ", "F.conv2d(fourier_unit(y, "),
     "the residual is missing"),
    ("A5_fourier_convolution", "q3_ffc", ('return F.conv2d(F.pad(x, [1, 1, 1, 1], mode="reflect"), w)',
                                          "return F.conv2d(x, w, padding=1)"),
     "the 3x3 convolutions pad with reflection"),
    ("A6_band_project", "q1_band_masks", ("height = int(rng.integers(min_height, max_height + 1))",
                                          "height = int(rng.integers(min_height, max_height))"),
     "rng.integers(low, high) excludes high"),
    ("A6_band_project", "q2_training", [("step_losses = []\nmodel.train()",
                                         'step_losses = []\ntorch.save(model.state_dict(), OUT / '
                                         '"model.pt")\nmodel.train()'),
                                        ('torch.save(model.state_dict(), OUT / "model.pt")\n(OUT', "(OUT")],
     "model.pt holds the untrained weights"),
    ("A6_band_project", "q3_evaluation", ('results[name] = {key: float(summary[key]) for key',
                                          'results[name] = {key: float(summary[key.replace("_hole", '
                                          '"")]) for key'),
     "this is the whole-image psnr"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every assignment built once (solutions graded by the build), two at a time."""
    out = tmp_path_factory.mktemp("assignments")
    return coursework.build(out=out, check=True, jobs=2, progress=False)


@pytest.fixture(scope="module")
def student_grades(built):
    """Every unmodified student notebook graded as a submission, two at a time."""
    results = coursework.grade_many([(b.student, b.autograder_zip) for b in built.values()], jobs=2)
    return dict(zip(built, results))


def auto_questions(name: str) -> list[str]:
    return [q.name for q in coursework.questions(name) if not q.manual]


def test_sources_are_listed():
    assert NAMES == ["A1_haar_dwt", "A2_lama_masks", "A3_loss_and_metrics", "A4_training_step",
                     "A5_fourier_convolution", "A6_band_project"]
    assert coursework.resolve(["A1", "A6_band_project"]) == ["A1_haar_dwt", "A6_band_project"]
    with pytest.raises(ValueError, match="unknown assignment 'A9'"):
        coursework.resolve(["A9"])


def test_sources_have_no_outputs():
    """The committed sources are not executed (no training output, no stale results)."""
    for name in NAMES:
        nb = nbformat.read(coursework.ASSIGNMENTS_DIR / f"{name}.ipynb", as_version=4)
        executed = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                    and (c.outputs or c.execution_count)]
        assert not executed, f"{name}: code cells {executed} have outputs; clear them before committing"


def test_every_question_states_its_points():
    for name in NAMES:
        nb = nbformat.read(coursework.ASSIGNMENTS_DIR / f"{name}.ipynb", as_version=4)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        for q in coursework.questions(name):
            label = "point" if q.points == 1 else "points"
            assert f"({q.points:g} {label}" in text or f"{q.points:g} {label}" in text, \
                f"{name}: question {q.name} does not state its {q.points:g} points in its prose"


def test_instructor_guide_lists_every_assignment_and_its_points():
    guide = (coursework.ASSIGNMENTS_DIR / "README.md").read_text()
    for name in NAMES:
        total = sum(q.points for q in coursework.questions(name))
        assert name in guide, f"notebooks/assignments/README.md does not mention {name}"
        row = next((line for line in guide.splitlines() if line.startswith("|") and name in line), "")
        assert f"| {total:g} |" in row, (f"the README's table row for {name} should give its {total:g} "
                                         f"points: {row!r}")


def test_nbval_does_not_collect_the_sources():
    """``make test`` runs nbval over notebooks/; the coursework sources are not tutorials
    (their cells call otter and stop on purpose) and notebooks/conftest.py leaves them out."""
    import subprocess
    import sys
    root = coursework.ASSIGNMENTS_DIR.parent.parent
    run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "notebooks"], cwd=root,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    collected = {line.split("::")[0] for line in run.stdout.splitlines() if "::" in line}
    assert any("01_dwt_token_mixing" in path for path in collected), run.stdout[-2000:]
    assert not any("assignments" in path for path in collected), sorted(collected)


def test_solutions_score_full_marks(built):
    """(a) The build graded every solution notebook in a fresh kernel; every auto-graded
    question is there with full marks."""
    for name, b in built.items():
        grades = b.solution_grades
        assert grades is not None
        assert sorted(grades.questions) == sorted(auto_questions(name)), name
        for question, g in grades.questions.items():
            assert g.full and g.possible > 0, (f"{name} {question}: {g.score} / {g.possible}\n"
                                               + "\n".join(g.failures))


def test_build_refuses_a_wrong_solution(tmp_path):
    """(a) The build's check is strict: a source whose solution fails one hidden test stops
    the build with that test's message."""
    source = nbformat.read(coursework.ASSIGNMENTS_DIR / "A1_haar_dwt.ipynb", as_version=4)
    for cell in source.cells:            # right for 1 to 3 levels, wrong from the fourth on
        cell.source = cell.source.replace("for _ in range(levels):", "for _ in range(min(levels, 3)):")
    (tmp_path / "src").mkdir()
    nbformat.write(source, tmp_path / "src" / "A1_haar_dwt.ipynb")
    with pytest.raises(coursework.AssignmentCheckError, match=r"q2_haar_pyramid: 1\.33333 / 2") as err:
        coursework.build(["A1"], out=tmp_path / "out", folder=tmp_path / "src", progress=False)
    assert "haar_pyramid(x, 4) returned 3 band tensors, expected 4" in str(err.value)


@pytest.mark.parametrize("name", NAMES)
def test_student_notebook_scores_zero(student_grades, name):
    """(b) The notebook as handed out scores nothing, on every auto-graded question."""
    grades = student_grades[name]
    assert sorted(grades.questions) == sorted(auto_questions(name))
    for question, g in grades.questions.items():
        assert g.score == 0 and g.possible > 0, f"{name} {question} scores {g.score} / {g.possible} unsolved"
        assert g.failures and all("Test case failed" in f for f in g.failures)


def _solution_and_hidden_text(name: str, public_only: bool = False) -> list[str]:
    """Distinctive lines of the source that must not reach students: solution code, written
    solutions and hidden tests (minus lines that a public test shares). ``public_only``: the
    text students may see instead (question prose, given code, public tests)."""
    nb = nbformat.read(coursework.ASSIGNMENTS_DIR / f"{name}.ipynb", as_version=4)
    secret, public, block = [], [], None
    for cell in nb.cells:
        first = cell.source.strip().splitlines()[0].strip() if cell.source.strip() else ""
        if cell.cell_type == "raw":
            block = {"# BEGIN SOLUTION": "solution", "# BEGIN TESTS": "tests"}.get(first, None
                if first.startswith("# END") else block)
            continue
        lines = [line.strip() for line in cell.source.splitlines()]
        if block == "solution" and cell.cell_type == "markdown":
            secret += [line for line in lines if len(line) > 30]
        elif cell.cell_type == "code" and block != "tests":
            inside = False
            for line in lines:
                if line.endswith("# END SOLUTION"):
                    inside = False
                if inside and len(line) >= 12:
                    secret.append(line)
                else:
                    public.append(line)
                if line.endswith("# BEGIN SOLUTION"):
                    inside = True
        elif cell.cell_type == "code" and block == "tests":
            if first.upper().startswith("# HIDDEN"):
                secret += [line for line in lines[1:] if len(line) >= 25]
            else:
                public += lines
        else:
            public.append(cell.source)                          # the prose students read
    shown = "\n".join(public)
    return [shown] if public_only else [line for line in secret if line not in shown]


@pytest.mark.parametrize("name", NAMES)
def test_student_notebook_has_no_solutions_or_hidden_tests(built, name):
    """(c) Neither the cells nor the metadata (where otter keeps the public tests) of the
    student notebook hold solution code, written solutions or hidden tests."""
    b = built[name]
    nb = nbformat.read(b.student, as_version=4)
    text = json.dumps(nb, ensure_ascii=False)
    text = text + "\n" + "\n".join(c.source for c in nb.cells)
    tests = nb.metadata["otter"]["tests"]
    text += "\n" + "\n".join(tests.values())
    secret = _solution_and_hidden_text(name)
    assert len(secret) >= 5, f"{name}: found too few solution lines to check ({secret})"
    leaked = [line for line in secret if line in text]
    assert not leaked, f"{name}: the student notebook contains {leaked[:3]}"
    assert "hidden=True" not in "\n".join(tests.values())
    catalogue = [t for t, code in tests.items() if "mistakes" in code]
    assert not catalogue, (f"{name}: public tests {catalogue} carry a catalogue of mistakes: move it to "
                           f"a hidden test")
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
    hidden_names = re.findall(r"^def (test_\w+)", "\n".join(_hidden_sources(name)), flags=re.M)
    assert hidden_names and not any(h in text for h in hidden_names)
    assert not (b.folder / "student" / "tests").exists()


def _hidden_sources(name: str) -> list[str]:
    nb = nbformat.read(coursework.ASSIGNMENTS_DIR / f"{name}.ipynb", as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"
            and c.source.lstrip().upper().startswith("# HIDDEN")]


def test_every_auto_graded_question_has_a_planted_bug():
    planted = {(a, q) for a, q, _, _ in BUGS}
    missing = [(n, q) for n in NAMES for q in auto_questions(n) if (n, q) not in planted]
    assert not missing, f"no planted bug for {missing}"


def later_questions(name: str, question: str) -> list[str]:
    """The questions of ``name`` after ``question`` whose graded function is run with the
    library's versions of earlier questions' functions (``REFERENCE_HELPERS``)."""
    qs, declared = auto_questions(name), REFERENCE_HELPERS.get(name, {})
    return [q for q in qs[qs.index(question) + 1:] if GRADED_FUNCTIONS.get((name, q)) in declared]


@pytest.mark.parametrize("name, question, replace, expected", BUGS,
                         ids=[f"{a.split('_')[0]}-{q}-{i}" for i, (a, q, _, _) in enumerate(BUGS)])
def test_planted_bug_is_caught(built, tmp_path, name, question, replace, expected):
    """(d) The solution with one plausible bug loses points on its question, the failure
    message says what the bug is, and the later questions graded with reference helpers keep
    full marks: one wrong answer costs points once."""
    import torch
    b = built[name]
    threads = torch.get_num_threads()
    later = later_questions(name, question)
    namespace, errors = run_cells(b.solution, until=(later or [question])[-1], replace=replace, cwd=tmp_path)
    assert not errors, errors
    assert torch.get_num_threads() == threads, "run_cells must leave this process's thread count alone"
    grades = run_tests(namespace, b.autograder_zip, [question, *later])
    g = grades.questions[question]
    assert g.score < g.possible, f"{name} {question}: the bug was not caught ({g.score} / {g.possible})"
    messages = grades.messages(question)
    assert expected in messages, f"{name} {question}: expected {expected!r} in\n{messages}"
    costly = {q: grades.questions[q].score for q in later if not grades.questions[q].full}
    assert not costly, f"{name}: the bug in {question} also cost points in {costly} (REFERENCE_HELPERS)"
    print(f"\n{name} {question}: {g.score:g} / {g.possible:g}\n{messages}")


# -- grading a class (issue 23) ------------------------------------------------------------
def test_a_class_batch_survives_corrupt_looping_renamed_and_missing_notebooks(built, tmp_path):
    """Each notebook is graded in its own process with a time limit: the bad ones become error
    rows that name them, the others are graded, and the CSV, the feedback files and the
    written-answers page are all written."""
    from inpaintlib.coursework import classroom
    b = built["A1_haar_dwt"]
    subs = tmp_path / "submissions"
    subs.mkdir()
    shutil.copy(b.solution, subs / "alice.ipynb")                       # a renamed, correct notebook
    (subs / "bob.ipynb").write_text("{ not a notebook")                 # corrupt
    nb = nbformat.read(b.student, as_version=4)
    answer = next(c for c in nb.cells if "otter_answer_cell" in c.metadata.get("tags", []))
    answer.source = "while True:\n    pass\n"
    nbformat.write(nb, subs / "carol.ipynb")                              # never finishes
    shutil.copy(b.student, subs / "dave.ipynb")                          # blank
    order = ["alice", "bob", "carol", "dave", "erin"]                     # erin: no file
    rows = classroom.grade_class("A1", [subs / f"{n}.ipynb" for n in order], csv_path=tmp_path / "a1.csv",
                                 feedback_dir=tmp_path / "feedback", answers_html=tmp_path / "written.html",
                                 timeout=45, out=b.folder.parent, progress=False)
    by = {r.notebook.stem: r for r in rows}
    assert by["alice"].grades.total == by["alice"].grades.possible == 9
    assert by["dave"].grades.total == 0
    assert "NotJSONError" in by["bob"].error and "stopped after 45 s" in by["carol"].error
    assert by["erin"].error == "no such file"
    table = list(csv.DictReader((tmp_path / "a1.csv").open()))
    assert [r["notebook"] for r in table] == ["possible", *(f"{n}.ipynb" for n in order)]
    assert table[0]["q1_haar_level"] == "3" and table[0]["possible"] == "9"
    assert table[1]["total"] == "9" and table[2]["error"] and table[2]["total"] == ""
    feedback = (tmp_path / "feedback" / "dave.txt").read_text()
    assert "q1_haar_level: 0 / 3" in feedback and "Traceback" not in feedback
    hidden = re.findall(r"^def (test_\w+)", "\n".join(_hidden_sources("A1_haar_dwt")), flags=re.M)
    assert not any(h in feedback for h in hidden)                         # messages, never test source
    assert "not graded: stopped after" in (tmp_path / "feedback" / "carol.txt").read_text()
    assert (tmp_path / "written.html").read_text().startswith("<!DOCTYPE html>")


def test_class_rows_are_named_by_the_path_that_tells_students_apart(tmp_path):
    """Every student submits A1_haar_dwt.ipynb: the CSV rows, the feedback files and the
    answers page name each by its folder, not by the file name they share (issue 32)."""
    from inpaintlib.coursework import classroom
    from inpaintlib.coursework.grading import Grades, QuestionGrade
    paths = [tmp_path / "alice" / "A1_haar_dwt.ipynb", tmp_path / "bob" / "A1_haar_dwt.ipynb",
             tmp_path / "carol.ipynb"]
    assert classroom.row_labels(paths) == ["alice/A1_haar_dwt.ipynb", "bob/A1_haar_dwt.ipynb", "carol.ipynb"]
    qs = [q for q in coursework.questions("A1_haar_dwt") if not q.manual]
    full = Grades({q.name: QuestionGrade(q.points, q.points) for q in qs})
    rows = [classroom.ClassRow(p, full, label=label) for p, label in zip(paths, classroom.row_labels(paths))]
    rows[1] = classroom.ClassRow(paths[1], Grades({q.name: QuestionGrade(0.0, q.points) for q in qs}),
                                 label=rows[1].label)
    table = list(csv.DictReader(classroom.write_csv(tmp_path / "a1.csv", rows, qs).open()))
    assert [(r["notebook"], r["total"]) for r in table[1:]] == [("alice/A1_haar_dwt.ipynb", "9"),
                                                                 ("bob/A1_haar_dwt.ipynb", "0"),
                                                                 ("carol.ipynb", "9")]
    for row in rows:
        classroom.write_feedback(tmp_path / "feedback", row, "A1_haar_dwt")
    bob = (tmp_path / "feedback" / "bob" / "A1_haar_dwt.txt").read_text()
    assert bob.startswith("A1_haar_dwt: bob/A1_haar_dwt.ipynb")
    assert (tmp_path / "feedback" / "alice" / "A1_haar_dwt.txt").exists()


def test_a_tampering_notebook_says_why_it_scored_zero(tmp_path):
    from inpaintlib.coursework import classroom
    from inpaintlib.coursework.grading import Grades, QuestionGrade, apply_rules
    qs = [q for q in coursework.questions("A1_haar_dwt") if not q.manual]
    graded = apply_rules(Grades({q.name: QuestionGrade(q.points, q.points) for q in qs}),
                         tampered=["checks.check_close = lambda *a, **k: None"])
    assert graded.total == 0 and "changes code it did not write" in graded.refused
    row = classroom.ClassRow(tmp_path / "mallory.ipynb", graded)
    table = list(csv.DictReader(classroom.write_csv(tmp_path / "a1.csv", [row], qs).open()))
    assert table[1]["total"] == "0" and "changes code it did not write" in table[1]["error"]
    assert not row.error                              # graded (0 points), not an error row


def test_written_answers_are_gathered_per_question(built, tmp_path):
    from inpaintlib.coursework import classroom
    b = built["A6_band_project"]
    manual = [q for q in coursework.questions("A6_band_project") if q.manual]
    solution, blank = classroom.written_answers(b.solution), classroom.written_answers(b.student)
    assert len(solution) == len(blank) == len(manual) == 2
    assert all("_Type your answer here" in text for _, text in blank)
    assert all("**Solution (a good answer).**" in text for _, text in solution)
    page = classroom.write_answers(tmp_path / "a6.html", "A6_band_project",
                                   [b.solution, b.student]).read_text()
    assert solution[0][0].split("(")[0].strip() in page and page.count("<h3>") == 4


# -- the student release (issue 23) --------------------------------------------------------
def test_student_release_holds_no_solution_and_no_hidden_test(tmp_path):
    """What students receive: the tutorials, the library, the data and the student notebooks;
    not one line of a solution, a written model answer or a hidden test, anywhere in it."""
    from inpaintlib.coursework import release
    out = release.student_release(tmp_path / "release", progress=False)
    assert sorted(p.name for p in (out / "notebooks" / "assignments").iterdir()) == sorted(
        [f"{n}.ipynb" for n in NAMES] + ["README.md"])
    assert sorted(p.name for p in (out / "tests").iterdir()) == ["nbval_sanitize.cfg"]
    assert not list(out.rglob("*.zip")) and not (out / ".ci").exists()
    assert (out / "inpaintlib" / "coursework" / "checks.py").exists()
    assert (out / "notebooks" / "08_evaluation.ipynb").exists()
    assert "assignments:" not in (out / "Makefile").read_text()           # nothing to build there
    texts = {p: p.read_text(errors="ignore") for p in out.rglob("*")
             if p.is_file()
             and p.suffix in {".py", ".ipynb", ".md", ".txt", ".cfg", ".yaml", ".toml", ".yml", ""}}
    # A line that students see anyway is no leak: one an assignment shows (an import, a seeded
    # generator), or one of the library, the published reference that the assignments
    # re-implement (tutorial 07 prints `train.train_step`; `return ll, yh` is in `wavelets`).
    library = "\n".join(p.read_text() for p in (out / "inpaintlib").rglob("*.py"))
    public = "\n".join(_solution_and_hidden_text(n, public_only=True)[0] for n in NAMES) + library
    for name in NAMES:
        secret = [s for s in _solution_and_hidden_text(name) if s not in public
                  and len(s) >= 20  # not `results = {}`
                  and not re.match(r"(from|import|except|try|else|finally)\b", s)]  # imports, bare clauses
        hidden = re.findall(r"^def (test_\w+)", "\n".join(_hidden_sources(name)), flags=re.M)
        assert len(secret) >= 5 and hidden
        for path, text in texts.items():
            leaked = [s for s in hidden + secret if s in text]
            # The tutorials and their worked solutions are course text written in the same idiom:
            # one shared line (an allocation, a loop header) is a coincidence, three are an answer.
            tolerated = (2 if path.suffix == ".ipynb" and "assignments" not in path.parts
                         and not set(leaked) & set(hidden) else 0)
            assert len(set(leaked)) <= tolerated, f"{path.relative_to(out)} leaks {name}: {leaked[:3]}"
    guide = (out / "notebooks" / "assignments" / "README.md").read_text()
    assert "Keep the file name" in guide and all(f"{n}.ipynb" in guide for n in NAMES)


# -- grading that cannot be talked into points (issue 23) ----------------------------------
#: Ways a graded function might reach code that does its work, one per question in turn:
#: the library under any alias or import style, or a package that does the same.
LIBRARY_CALLS = [
    "import inpaintlib.evaluate as ev\n    _ = ev.evaluate",
    "from inpaintlib import masks as M\n    _ = M.coverage",
    "import pytorch_wavelets\n    _ = pytorch_wavelets.DWTForward",
    "from inpaintlib.train import train_step as ts\n    _ = ts",
    "import torchmetrics.functional as tmf\n    _ = tmf.structural_similarity_index_measure",
    "from inpaintlib.studio import engine\n    _ = engine",
    "import inpaintlib\n    _ = inpaintlib.metrics.psnr",
]
GRADED_FUNCTIONS = {  # question -> the function it grades (A1-A5; A6 is a project that uses the library)
    ("A1_haar_dwt", "q1_haar_level"): "haar_level", ("A1_haar_dwt", "q2_haar_pyramid"): "haar_pyramid",
    ("A1_haar_dwt", "q3_wavemix_block"): "wavemix_block", ("A2_lama_masks", "q1_strokes"): "strokes_mask",
    ("A2_lama_masks", "q2_boxes"): "boxes_mask", ("A2_lama_masks", "q3_lama_mask"): "lama_style_mask",
    ("A3_loss_and_metrics", "q1_ssim_map"): "gaussian_ssim_map",
    ("A3_loss_and_metrics", "q2_loss"): "inpainting_loss",
    ("A3_loss_and_metrics", "q3_hole_psnr"): "hole_psnr",
    ("A3_loss_and_metrics", "q4_hole_ssim"): "hole_ssim",
    ("A4_training_step", "q1_optimizers"): "optimizer_for",
    ("A4_training_step", "q2_train_step"): "my_train_step",
    ("A4_training_step", "q3_fit"): "fit", ("A5_fourier_convolution", "q1_fourier_unit"): "fourier_unit",
    ("A5_fourier_convolution", "q2_spectral_transform"): "spectral_transform",
    ("A5_fourier_convolution", "q3_ffc"): "ffc",
}


def test_every_library_question_is_listed():
    assert sorted(GRADED_FUNCTIONS) == sorted((n, q) for n in NAMES if n != "A6_band_project"
                                              for q in auto_questions(n))


@pytest.mark.parametrize("key", sorted(GRADED_FUNCTIONS), ids=lambda k: f"{k[0][:2]}-{k[1]}")
def test_a_correct_answer_that_reaches_the_library_scores_zero(built, tmp_path, key):
    """The solution, still correct, with one look at code that does the work: the whole
    question scores 0, with a message that says why."""
    name, question = key
    fn = GRADED_FUNCTIONS[key]
    code = "\n".join(c.source for c in nbformat.read(built[name].solution, as_version=4).cells
                     if c.cell_type == "code")
    (header,) = re.findall(rf"^def {fn}\(.*\):$", code, flags=re.M)
    call = LIBRARY_CALLS[sorted(GRADED_FUNCTIONS).index(key) % len(LIBRARY_CALLS)]
    namespace, errors = run_cells(built[name].solution, until=question,
                                             replace=(header, f"{header}\n    {call}"), cwd=tmp_path)
    assert not errors, errors
    g = run_tests(namespace, built[name].autograder_zip, [question]).questions[question]
    assert g.score == 0, f"{name} {question} scored {g.score} with {call!r}"
    assert any(coursework.OWN_CODE in f for f in g.failures)


def test_a_notebook_that_disables_the_checks_scores_no_more_than_a_blank_one(built, student_grades, tmp_path):
    """No-op checking helpers and an `allclose` that is always true, and no answer: graded like
    a submission (otter, a fresh kernel), it scores 0, like the blank notebook, and is told why."""
    b = built["A1_haar_dwt"]
    nb = nbformat.read(b.student, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell(
        "import torch\nimport numpy as np\nimport inpaintlib.coursework as cw\nfrom "
        "inpaintlib.coursework import checks\n"
        "torch.allclose = lambda *a, **k: True\nnp.allclose = lambda *a, **k: True\n"
        "for name in ('check_close', 'check_own_code', 'defined', 'unpack'):\n"
        "    setattr(cw, name, lambda *a, **k: None)\n    setattr(checks, name, lambda *a, **k: None)\n"
        "cw.check_close = checks.check_close = lambda *a, **k: None"))
    nbformat.write(nb, tmp_path / "A1_haar_dwt.ipynb")
    grades = coursework.grade(tmp_path / "A1_haar_dwt.ipynb", b.autograder_zip)
    assert grades.total <= student_grades["A1_haar_dwt"].total == 0
    message = grades.messages("q1_haar_level")
    assert "changes code it did not write" in message and "torch.allclose" in message and "setattr" in message


@pytest.mark.parametrize("source, caught", [
    ("import torch\ntorch.allclose = lambda *a, **k: True", True),
    ("from inpaintlib import coursework as cw\ncw.check_close = print", True),
    ("import numpy as np\ndel np.testing.assert_allclose", True),
    ("import sys\nsys.modules['torch'] = None", True),
    ("exec('x = 1')", True),
    ("import builtins", True),
    ("import torch\nx = torch.zeros(3)\nx.data = torch.ones(3)\nmodel = torch.nn.Linear(2, "
     "2)\nmodel.weight.data[:] = 0", False),
    ("import matplotlib.pyplot as plt\nplt.rcParams['figure.figsize'] = (3, 3)", False),
    ("%matplotlib inline\nimport torch\ny = torch.ones(2)", False),
    ("def f(:\n    pass", False),                                  # does not parse: fails when it runs
])
def test_tampering_scan(source, caught):
    from inpaintlib.coursework.integrity import scan_source
    assert bool(scan_source(source)) is caught, scan_source(source)
