"""Re-encoding large uploads: time and peak memory of `backend.imaging.sanitize()` per kind of photo.

Each run is a fresh subprocess that imports the module, then re-encodes one file; its peak memory is the child's
high-water mark (Linux `VmHWM`, reset through /proc/self/clear_refs after the imports) minus its resident size after
the imports, so the upload's bytes count. Figures are printed as absolute numbers (wall and CPU time: a busy machine
inflates the wall time, hardly the CPU time) and as ratios against the floor measured in the same run: re-encoding a
1 MP JPEG. The previous version of `backend/imaging.py` in git (the newest commit whose file differs from the working
copy, or `--old REV`) runs on the same files for a before/after comparison. Budget: 1.5 s and 200 MB per upload.

    .venv/bin/python bench/photo_reencode.py [--runs 3] [--old REV]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image
from pillow_heif import register_heif_opener

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "backend" / "imaging.py"
BUDGET_S, BUDGET_MB = 1.5, 200.0

CHILD = """
import importlib.util, json, re, sys, time
spec = importlib.util.spec_from_file_location("imaging_under_test", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = mod
spec.loader.exec_module(mod)
def kib(key):
    with open("/proc/self/status") as f:
        return int(re.search(key + r":\\s+(\\d+)", f.read()).group(1))
base = kib("VmRSS")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak (VmHWM) starts again from here
t0, cpu0 = time.perf_counter(), time.process_time()
with open(sys.argv[2], "rb") as f:
    data = f.read()
try:
    clean = mod.sanitize(data)
    result = {"size": [clean.width, clean.height], "out_kb": len(clean.jpeg) // 1024}
except ValueError as exc:
    result = {"refused": type(exc).__name__}
seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
print(json.dumps({**result, "seconds": seconds, "cpu": cpu, "mb": (kib("VmHWM") - base) / 1024}))
"""


def photo_like(size: tuple[int, int]) -> Image.Image:
    """Smooth colour gradients with grain, so the JPEG does not compress trivially (a few bits a pixel)."""
    ramp = Image.linear_gradient("L")
    channels = [
        Image.blend(
            ramp.rotate(angle).resize(size, Image.Resampling.BILINEAR),
            Image.effect_noise(size, 12),
            0.25,
        )
        for angle in (0, 90, 180)
    ]
    return Image.merge("RGB", channels)


INPUTS = (
    ("floor: 1 MP JPEG", "jpeg"),
    ("36 MP 1-bit PNG", "png"),
    ("36 MP palette PNG (transparent)", "png"),
    ("24 MP JPEG", "jpeg"),
    ("48 MP JPEG", "jpeg"),
    ("48 MP progressive JPEG", "jpeg"),
    ("64 MP JPEG (10000x6400, drafted)", "jpeg"),
    ("24 MP RGBA PNG", "png"),
    ("24 MP HEIC (two flat colours)", "heif"),
)


def make_inputs(folder: Path) -> None:
    """The INPUTS, written into `folder` as 0.jpeg, 1.png, …"""
    names = [name for name, _ in INPUTS]

    def save(name: str, img: Image.Image, fmt: str, **params: object) -> None:
        img.save(folder / f"{names.index(name)}.{fmt.lower()}", fmt, **params)

    save("floor: 1 MP JPEG", photo_like((1224, 816)), "JPEG", quality=90)
    size36 = (7360, 4912)
    ramp = Image.linear_gradient("L").resize(size36, Image.Resampling.BILINEAR)
    grain = Image.effect_noise(size36, 60)
    # a dithered scan: black-and-white, ~36 MP, a few MB
    save("36 MP 1-bit PNG", Image.blend(ramp, grain, 0.3).convert("1"), "PNG")
    bands = Image.eval(ramp, lambda v: v // 8 * 8)  # flat colour bands, compresses like a chart
    palette = Image.frombytes("P", size36, bands.tobytes())
    palette.putpalette([c for i in range(256) for c in (i, 255 - i, (i * 7) % 256)])
    save("36 MP palette PNG (transparent)", palette, "PNG", transparency=0)
    save("24 MP JPEG", photo_like((6000, 4000)), "JPEG", quality=90)
    photo48 = photo_like((8000, 6000))
    save("48 MP JPEG", photo48, "JPEG", quality=90)
    save("48 MP progressive JPEG", photo48, "JPEG", quality=90, progressive=True)
    save("64 MP JPEG (10000x6400, drafted)", photo_like((10000, 6400)), "JPEG", quality=88)
    flat = Image.eval(Image.linear_gradient("L").resize((6000, 4000)), lambda v: v // 4 * 4)
    rgba = Image.merge("RGBA", (flat, flat.rotate(180), flat, flat.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    save("24 MP RGBA PNG", rgba, "PNG")
    register_heif_opener()  # x265 takes minutes over a grainy 24 MP picture: flat colours (memory counts, not time)
    halves = Image.new("RGB", (6000, 4000), (200, 30, 30))
    halves.paste((30, 30, 200), (0, 2000, 6000, 4000))
    save("24 MP HEIC (two flat colours)", halves, "HEIF", quality=30)


def previous_module(rev: str | None, folder: Path) -> Path | None:
    """The older imaging.py written to `folder`: `rev`'s, or the newest committed one that differs."""
    current = MODULE.read_bytes()
    revs = (
        [rev]
        if rev
        else subprocess.run(
            ["git", "log", "--format=%H", "--", "backend/imaging.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    )
    for r in revs:
        shown = subprocess.run(["git", "show", f"{r}:backend/imaging.py"], cwd=ROOT, capture_output=True, check=False)
        if shown.returncode == 0 and (rev or shown.stdout != current):
            path = folder / f"imaging_{r[:10]}.py"
            path.write_bytes(shown.stdout)
            return path
    return None


def run_once(module: Path, file: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(module), str(file)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if out.returncode != 0:
        return {"failed": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"}
    return dict(json.loads(out.stdout))


def summary(results: list[dict]) -> dict:
    """The median wall and CPU time and the largest peak of the runs."""
    failed = [r for r in results if "failed" in r]
    if failed:
        return failed[0]
    best = dict(results[0])
    best["seconds"] = statistics.median(r["seconds"] for r in results)
    best["cpu"] = statistics.median(r["cpu"] for r in results)
    best["mb"] = max(r["mb"] for r in results)
    return best


def line(label: str, r: dict, floor: dict) -> str:
    if "failed" in r:
        return f"  {label:4s} FAILED: {r['failed'][:100]}"
    what = f"refused ({r['refused']})" if "refused" in r else f"-> {r['size'][0]}x{r['size'][1]} {r['out_kb']:>5} kB"
    verdict = "within budget" if r["seconds"] <= BUDGET_S and r["mb"] <= BUDGET_MB else "OVER BUDGET"
    return (
        f"  {label:4s} wall {r['seconds']:5.2f} s  cpu {r['cpu']:5.2f} s ({r['cpu'] / floor['cpu']:5.1f}x floor)  "
        f"peak +{r['mb']:6.1f} MB ({r['mb'] / max(floor['mb'], 1.0):5.1f}x floor)  {what}  {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--old", help="git revision of backend/imaging.py to compare with")
    parser.add_argument("--make-inputs", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_inputs:
        make_inputs(Path(args.make_inputs))
        return
    with tempfile.TemporaryDirectory(prefix="photo-bench-") as tmp:
        folder = Path(tmp)
        # made in a child, so that the process starting every measured one stays small
        subprocess.run([sys.executable, __file__, "--make-inputs", tmp], check=True)
        files = {name: folder / f"{i}.{fmt}" for i, (name, fmt) in enumerate(INPUTS)}
        old = previous_module(args.old, folder)
        modules = {"new": MODULE, **({"old": old} if old else {})}
        print(
            f"sanitize() in a fresh process per run, new and old taking turns; median of {args.runs} runs"
            f" (peak: the largest); budget {BUDGET_S} s and {BUDGET_MB:.0f} MB per upload"
        )
        print("old = " + (old.name.removeprefix("imaging_").removesuffix(".py") if old else "(none found)"))
        floors: dict[str, dict] = {}
        for name, path in files.items():
            runs: dict[str, list[dict]] = {label: [] for label in modules}
            for _ in range(args.runs):
                for label, module in modules.items():
                    runs[label].append(run_once(module, path))
            print(f"{name}, {path.stat().st_size / 2**20:.1f} MB")
            for label, results in runs.items():
                result = summary(results)
                floors.setdefault(label, result)  # the first input is the floor
                print(line(label, result, floors[label]))


if __name__ == "__main__":
    main()
