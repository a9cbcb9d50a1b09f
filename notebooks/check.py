"""Executes every notebook in a fresh evcxr kernel and compares its outputs
with the committed ones.

    python notebooks/check.py            # fail on any cell error or changed output
    python notebooks/check.py --update   # write the fresh outputs into the notebooks
    python notebooks/check.py --numbers  # only: numbers quoted in prose match the outputs

The crate is deterministic, so any difference other than a timing means the
committed notebook is stale. Timings ("time 0.43 sec", "0.104 sec per epoch")
are masked before comparing. Needs nbclient and the `rust` kernel
(`evcxr_jupyter --install`); `.ci/notebooks.sh` sets both up.
"""

import copy
import difflib
import pathlib
import re
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = pathlib.Path(__file__).resolve().parent
TIMING = [
    (re.compile(r"time \d+(\.\d+)? sec"), "time <t> sec"),
    (re.compile(r"\d+(\.\d+)? sec per epoch"), "<t> sec per epoch"),
    (re.compile(r"\d+(\.\d+)? ?(ms|s) per epoch"), "<t> per epoch"),
]


def mask(text):
    for pattern, replacement in TIMING:
        text = pattern.sub(replacement, text)
    return text


def outputs_of(nb):
    """Each code cell's outputs as comparable text."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        parts = []
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                parts.append(f"[{out.name}] {out.text}")
            elif out.output_type in ("execute_result", "display_data"):
                for mime, data in sorted(out.data.items()):
                    text = data if isinstance(data, str) else "".join(data)
                    parts.append(f"[{mime}] {text}")
            elif out.output_type == "error":
                parts.append(f"[error] {out.ename}: {out.evalue}")
        cells.append(mask("".join(parts)))
    return cells


# Numbers the prose may quote without an output showing them: the section's settings and
# the figures it printed (its concise RNN ended at 1.02), not results of our runs.
CONSTANTS = {"0.01", "0.001", "0.9", "0.999", "1.02"}
NUMBER = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")
NOT_PROSE = re.compile(r"`[^`]*`|\$\$.*?\$\$|\$[^$]*\$", re.S)


def quoted_numbers(nb):
    """Decimal numbers in the markdown cells that no output of the notebook shows.

    A number quoted with k decimals must equal, rounded to k decimals, some number printed
    by a code cell (or be one of CONSTANTS), so prose cannot drift from the run it quotes."""
    printed = set()
    for text in outputs_of(nb):
        for m in re.finditer(r"-?\d+\.\d+", text):
            printed.add(float(m.group(0)))
    problems = []
    for k, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for m in NUMBER.finditer(NOT_PROSE.sub(" ", cell.source)):
            quoted = m.group(0)
            digits = len(quoted.split(".")[1])
            if quoted in CONSTANTS:
                continue
            if not any(f"{p:.{digits}f}" == quoted for p in printed):
                problems.append(f"markdown cell {k} quotes {quoted}, which no output of the notebook shows")
    return problems


def run(path, update):
    committed = nbformat.read(path, as_version=4)
    fresh = copy.deepcopy(committed)
    start = time.time()
    client = NotebookClient(
        fresh,
        kernel_name="rust",
        timeout=1800,
        startup_timeout=120,
        record_timing=False,
        resources={"metadata": {"path": str(HERE)}},
    )
    try:
        client.execute()
    except CellExecutionError as e:
        # The kernel's message (a compile error's span and note) is in the failed cell's
        # traceback, coloured for a terminal: show it plainly.
        details = "\n".join(
            re.sub(r"\x1b\[[0-9;]*m", "", line)
            for cell in fresh.cells
            for output in cell.get("outputs", [])
            if output.get("output_type") == "error"
            for line in output.get("traceback", [])
        )
        print(f"{path.name}: a cell failed:\n{e}\n{e.ename}: {e.evalue}\n{details}")
        return False
    seconds = time.time() - start
    print(f"{path.name}: executed in {seconds:.0f} s")
    errors = [c for c in fresh.cells if any(o.output_type == "error" for o in c.get("outputs", []))]
    if errors:
        print(f"{path.name}: {len(errors)} cell(s) failed")
        return False
    if update:
        for cell in fresh.cells:
            if cell.cell_type == "code":
                cell.execution_count = None
                for out in cell.get("outputs", []):
                    if "execution_count" in out:
                        out["execution_count"] = None
        nbformat.write(fresh, path)
        return report_numbers(path, fresh)
    old, new = outputs_of(committed), outputs_of(fresh)
    same = True
    for k, (a, b) in enumerate(zip(old, new)):
        if a != b:
            same = False
            print(f"{path.name}: code cell {k} differs from the committed output:")
            diff = difflib.unified_diff(a.splitlines(), b.splitlines(), "committed", "fresh", lineterm="")
            print("\n".join(list(diff)[:40]))
    if len(old) != len(new):
        same = False
    return report_numbers(path, fresh) and same


def report_numbers(path, nb):
    problems = quoted_numbers(nb)
    for p in problems:
        print(f"{path.name}: {p}")
    return not problems


def run_twice(path, update):
    """evcxr forwards a cell's output asynchronously, and a cell's only line has
    been seen not to reach the notebook. A notebook that differs is therefore
    run once more, and fails only if it differs again."""
    if run(path, update):
        return True
    print(f"{path.name}: running it once more")
    return run(path, update)


def main():
    update = "--update" in sys.argv
    names = [a for a in sys.argv[1:] if not a.startswith("--")]
    paths = [HERE / n for n in names] if names else sorted(HERE.glob("*.ipynb"))
    if "--numbers" in sys.argv:
        ok = [report_numbers(p, nbformat.read(p, as_version=4)) for p in paths]
        if not all(ok):
            sys.exit(1)
        print(f"{len(paths)} notebooks: every quoted number is in an output")
        return
    results = [run_twice(p, update) for p in paths]
    if not all(results):
        sys.exit(1)
    print(f"{len(paths)} passed, 0 failed")


if __name__ == "__main__":
    main()
