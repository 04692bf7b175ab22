"""`make eval`: the project's pipeline and Rasa's default pipeline, trained on the same data, on the
held-out NLU set and the vignettes, side by side. Writes reports/eval.md, reports/eval_errors.md,
reports/eval_confusion.png and reports/eval_confidence.png.

Usage: python -m evaluation.quality MODEL BASELINE_MODEL
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Dict, List

import yaml
from rasa.utils.log_utils import configure_structlog
from tqdm import tqdm

from bot import REPO_ROOT
from bot.triage.reply_audit import find_unsafe_phrases
from evaluation.metrics import (
    count_symptoms,
    intent_of,
    intent_report,
    symptoms_in,
    triage_figures,
    triaged_urgency,
)
from evaluation.replies import reply_text

REPORTS = REPO_ROOT / "reports"
# Both held out (never trained on; tests/unit/data/test_heldout.py): the first was used for error analysis
# once, the fresh one was written blind afterwards. Their red flags are counted apart.
HELDOUT_SETS = {
    "held-out": REPO_ROOT / "tests" / "data" / "heldout" / "nlu_heldout.yml",
    "fresh": REPO_ROOT / "tests" / "data" / "heldout" / "nlu_fresh.yml",
}
VIGNETTES = REPO_ROOT / "tests" / "data" / "vignettes" / "vignettes.yml"
PIPELINES = ("project", "default")


def held_out_examples() -> List[dict]:
    """Both held-out sets' examples, each marked with the name of its set."""
    return [
        dict(example, set=name)
        for name, path in HELDOUT_SETS.items()
        for example in yaml.safe_load(path.read_text(encoding="utf-8"))["examples"]
    ]


def quiet_rasa_logs() -> None:
    logging.getLogger("rasa").setLevel(logging.WARNING)
    # Rasa's structlog events (each parse, with its text) print at debug level unless configured.
    configure_structlog(logging.WARNING)


def parse_all(model_path: str, texts: List[str], label: str, bar_line: int) -> List[dict]:
    """Every text through the model's NLU, as Rasa's server would parse it."""
    quiet_rasa_logs()
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)

    async def parse() -> List[dict]:
        return [
            await agent.parse_message(text)
            for text in tqdm(texts, desc=f"parsing ({label})", unit="msg", position=bar_line)
        ]

    return asyncio.run(parse())


def parse_with_both(model: str, baseline_model: str, texts: List[str]) -> Dict[str, List[dict]]:
    """Each model in a process of its own, side by side: loading a model keeps one core busy for up
    to two minutes (the default pipeline's), and the parses do not depend on each other."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=len(PIPELINES), mp_context=context) as pool:
        running = {
            pipeline: pool.submit(parse_all, path, texts, pipeline, line)
            for line, (pipeline, path) in enumerate(zip(PIPELINES, (model, baseline_model)))
        }
        return {pipeline: parses.result() for pipeline, parses in running.items()}


def red_flags_caught(heldout: List[dict], parses: List[dict], set_name: str) -> tuple:
    """(red flags given emergency advice, red flags) among one held-out set's examples."""
    urgencies = [triaged_urgency(p) for e, p in zip(heldout, parses) if e.get("red_flag") and e["set"] == set_name]
    return urgencies.count("emergency"), len(urgencies)


def evaluate(parses: List[dict], heldout: List[dict], vignettes: List[dict]) -> dict:
    heldout_parses, vignette_parses = parses[: len(heldout)], parses[len(heldout) :]
    expected_intents = [e["intent"] for e in heldout]
    predicted_intents = [intent_of(p) for p in heldout_parses]
    symptoms = count_symptoms(
        [(set(e["present"]), set(e["negated"])) for e in heldout], [symptoms_in(p) for p in heldout_parses]
    )
    triage = triage_figures(
        vignettes,
        vignette_parses,
        reply_names_care_team=lambda p: "care team" in reply_text(p),
        unsafe_in_reply=lambda p: find_unsafe_phrases(reply_text(p)),
    )
    return {
        "intents": intent_report(expected_intents, predicted_intents),
        "expected_intents": expected_intents,
        "predicted_intents": predicted_intents,
        "confidences": [(p.get("intent") or {}).get("confidence") or 0.0 for p in heldout_parses],
        "symptoms": symptoms,
        "red_flags": {name: red_flags_caught(heldout, heldout_parses, name) for name in HELDOUT_SETS},
        "triage": triage,
        "heldout_parses": heldout_parses,
    }


def _figure_rows(results: Dict[str, dict]) -> List[tuple]:
    def row(name, read, fmt="{:.1%}"):
        return (name, *[fmt.format(read(results[p])) if fmt else read(results[p]) for p in PIPELINES])

    return [
        row("intent F1 (macro)", lambda r: r["intents"]["macro avg"]["f1-score"]),
        row("intent F1 (weighted)", lambda r: r["intents"]["weighted avg"]["f1-score"]),
        row("intent accuracy", lambda r: r["intents"]["accuracy"]),
        row("symptom-entity precision", lambda r: r["symptoms"]["symptom_precision"]),
        row("symptom-entity recall", lambda r: r["symptoms"]["symptom_recall"]),
        row("negation accuracy", lambda r: r["symptoms"]["negation_accuracy"]),
        *[
            row(
                f"{name} red flags given emergency advice",
                lambda r, name=name: "{}/{}".format(*r["red_flags"][name]),
                fmt=None,
            )
            for name in HELDOUT_SETS
        ],
        row("vignette red-flag recall", lambda r: r["triage"].red_flag_recall),
        row("vignette under-triage (count)", lambda r: len(r["triage"].under_triaged), fmt="{}"),
        row("vignette over-triage (count)", lambda r: len(r["triage"].over_triaged), fmt="{}"),
        row("vignette care-team coverage", lambda r: r["triage"].care_team_coverage),
        row("diagnosis/unsafe phrases in replies", lambda r: r["triage"].diagnosis_phrases, fmt="{}"),
    ]


def write_plots(results: Dict[str, dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    figure, axes = plt.subplots(1, 2, figsize=(22, 10))
    for axis, pipeline in zip(axes, PIPELINES):
        r = results[pipeline]
        labels = sorted(set(r["expected_intents"]) | set(r["predicted_intents"]))
        ConfusionMatrixDisplay.from_predictions(
            r["expected_intents"],
            r["predicted_intents"],
            labels=labels,
            ax=axis,
            colorbar=False,
            xticks_rotation="vertical",
        )
        axis.set_title(f"{pipeline} pipeline: intents on the held-out set")
    figure.tight_layout()
    figure.savefig(REPORTS / "eval_confusion.png", dpi=80)
    plt.close(figure)

    figure, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
    for axis, pipeline in zip(axes, PIPELINES):
        r = results[pipeline]
        right = [c for c, e, p in zip(r["confidences"], r["expected_intents"], r["predicted_intents"]) if e == p]
        wrong = [c for c, e, p in zip(r["confidences"], r["expected_intents"], r["predicted_intents"]) if e != p]
        axis.hist([right, wrong], bins=20, range=(0, 1), stacked=True, label=["correct", "wrong"])
        axis.set_title(f"{pipeline} pipeline")
        axis.set_xlabel("intent confidence")
        axis.legend()
    axes[0].set_ylabel("held-out messages")
    figure.tight_layout()
    figure.savefig(REPORTS / "eval_confidence.png", dpi=80)
    plt.close(figure)


def write_reports(results: Dict[str, dict], heldout: List[dict]) -> str:
    rows = _figure_rows(results)
    lines = [
        "# Evaluation: project pipeline vs Rasa's default pipeline",
        "",
        f"Held-out NLU sets: {len(heldout)} messages (`tests/data/heldout/nlu_heldout.yml`, used once for error "
        "analysis, and `tests/data/heldout/nlu_fresh.yml`, written blind after it; neither trained on). "
        f"Vignettes: `tests/data/vignettes/vignettes.yml`. Both pipelines trained on the same data and domain; "
        "the default pipeline is the `config.yml` that `rasa init` writes.",
        "",
        "| figure | project | default |",
        "|---|---|---|",
        *[f"| {name} | {ours} | {theirs} |" for name, ours, theirs in rows],
        "",
        "The default pipeline has no symptom recogniser, so it finds no symptom entities and every report",
        'gets the "unclear" advice (counted as urgent): red flags are under-triaged.',
        "",
        "## Per intent (project pipeline)",
        "",
        "| intent | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    for intent, scores in sorted(results["project"]["intents"].items()):
        if isinstance(scores, dict) and intent not in ("macro avg", "weighted avg"):
            lines.append(
                f"| {intent} | {scores['precision']:.2f} | {scores['recall']:.2f} | "
                f"{scores['f1-score']:.2f} | {int(scores['support'])} |"
            )
    lines += ["", "Plots: `eval_confusion.png`, `eval_confidence.png`. Errors: `eval_errors.md`.", ""]
    (REPORTS / "eval.md").write_text("\n".join(lines), encoding="utf-8")

    errors = ["# Evaluation errors", ""]
    for pipeline in PIPELINES:
        r = results[pipeline]
        errors += [f"## {pipeline} pipeline", "", "### Red flags not given emergency advice", ""]
        errors += [
            f'- ({e["set"]}) "{e["text"]}": {triaged_urgency(p)}'
            for e, p in zip(heldout, r["heldout_parses"])
            if e.get("red_flag") and triaged_urgency(p) != "emergency"
        ] or ["None."]
        errors += ["", "### Intents", ""]
        errors += [
            f'- "{e["text"]}": expected {e["intent"]}, got {p}'
            for e, p in zip(heldout, r["predicted_intents"])
            if e["intent"] != p
        ] or ["None."]
        errors += ["", "### Symptoms", ""]
        for example, parsed in zip(heldout, r["heldout_parses"]):
            present, negated = symptoms_in(parsed)
            if present != set(example["present"]) or not set(example["negated"]) <= negated:
                errors.append(
                    f'- "{example["text"]}": expected {sorted(example["present"])} '
                    f"(not {sorted(example['negated'])}), got {sorted(present)} (not {sorted(negated)})"
                )
        errors += ["", "### Vignette triage", ""]
        errors += [f"- under: {line}" for line in r["triage"].under_triaged]
        errors += [f"- over: {line}" for line in r["triage"].over_triaged]
        errors.append("")
    (REPORTS / "eval_errors.md").write_text("\n".join(errors), encoding="utf-8")
    width = max(len(name) for name, *_ in rows)
    return "\n".join(
        f"{name:<{width}}  {ours:>10}  {theirs:>10}" for name, ours, theirs in [("figure", "project", "default"), *rows]
    )


def main(model: str, baseline_model: str) -> int:
    REPORTS.mkdir(exist_ok=True)
    heldout = held_out_examples()
    vignettes = yaml.safe_load(VIGNETTES.read_text(encoding="utf-8"))["vignettes"]
    texts = [e["text"] for e in heldout] + [v["text"] for v in vignettes]
    results = {
        pipeline: evaluate(parses, heldout, vignettes)
        for pipeline, parses in parse_with_both(model, baseline_model, texts).items()
    }
    write_plots(results)
    print(write_reports(results, heldout))
    print(f"\nReports: {REPORTS / 'eval.md'}, eval_errors.md, eval_confusion.png, eval_confidence.png")
    ours = results["project"]
    if any(caught < total for caught, total in ours["red_flags"].values()) or ours["triage"].red_flag_recall < 1.0:
        print("FAIL: the project pipeline missed a red flag (see reports/eval_errors.md)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
