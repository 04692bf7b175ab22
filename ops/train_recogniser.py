"""Train the learned recogniser (bot/triage/recognition/learned.py) into models/recogniser/:
`make train` runs it beside `rasa train`.

The thresholds are chosen on the validation split (voices it did not train on), with the lexicon
beside it, as the assistant uses them: a message is an emergency when the lexicon finds a red
flag or the model's emergency probability reaches the threshold of its stratum (what else found
symptoms in it), each the highest that still catches every emergency of its stratum. What that
costs (non-emergency messages sent to emergency) is written to models/recogniser/validation.json
and printed. `--thresholds-only` chooses them again for the model already trained (after a change
to the lexicon, which decides the strata), without training.
"""

from __future__ import annotations

import sys
import time
from typing import List

import spacy

from bot.triage.engine import triage
from bot.triage.knowledge import load_knowledge
from bot.triage.recognition import learned
from bot.triage.recognition.extractor import SymptomExtractor


def main(argv: List[str]) -> int:
    started = time.monotonic()
    knowledge = load_knowledge()
    extractor = SymptomExtractor(knowledge)
    labels = learned.all_labels(knowledge.symptoms)
    training, validation = learned.load_split("training"), learned.load_split("validation")
    print(f"recogniser: {len(training)} training and {len(validation)} validation messages, {len(labels)} labels")
    if "--thresholds-only" in argv:
        nlp = spacy.load(learned.MODEL_DIR)
    else:
        nlp = learned.train(extractor.normalised_text, labels, training)

    # As served: the model reads the message without the words the rules read as denied or asked
    # about, and does not read messages too short for it (their probabilities are nothing).
    inputs = [extractor.learned_input(m.text) for m in validation]
    read = iter(nlp.pipe(text for text in inputs if text is not None))
    nothing = {label: 0.0 for label in labels}
    probabilities = [next(read).cats if text is not None else nothing for text in inputs]
    extractions = [extractor.extract(m.text) for m in validation]
    lexicon_emergency = [triage(e.reports, knowledge=knowledge).urgency == "emergency" for e in extractions]
    symptom_ids = set(knowledge.symptoms)
    strata = [
        learned.stratum_of(
            bool(e.present_ids()),
            any(v >= learned.DEFAULT_SYMPTOM_THRESHOLD for s, v in p.items() if s in symptom_ids),
        )
        for e, p in zip(extractions, probabilities)
    ]
    is_emergency = [learned.EMERGENCY in m.labels for m in validation]
    emergency = [p[learned.EMERGENCY] for p in probabilities]
    thresholds = learned.choose_emergency_thresholds(emergency, is_emergency, lexicon_emergency, strata)
    flagged = [lex or p >= thresholds[s] for p, lex, s in zip(emergency, lexicon_emergency, strata)]
    figures = {
        "validation_messages": len(validation),
        "emergencies": sum(is_emergency),
        "caught_by_lexicon": sum(lex and e for lex, e in zip(lexicon_emergency, is_emergency)),
        "caught_combined": sum(f and e for f, e in zip(flagged, is_emergency)),
        "non_emergencies": len(validation) - sum(is_emergency),
        "non_emergencies_flagged_lexicon": sum(lex and not e for lex, e in zip(lexicon_emergency, is_emergency)),
        "non_emergencies_flagged_combined": sum(f and not e for f, e in zip(flagged, is_emergency)),
        "emergency_thresholds": thresholds,
        "seconds": round(time.monotonic() - started, 1),
    }
    learned.save(
        nlp, learned.MODEL_DIR, {"emergency": thresholds, "symptom": learned.DEFAULT_SYMPTOM_THRESHOLD}, figures
    )
    chosen = ", ".join(f"{s} {t:.3f}" for s, t in thresholds.items())
    print(
        f"recogniser: validation emergencies {figures['caught_combined']}/{figures['emergencies']} with the lexicon "
        f"beside it (lexicon alone {figures['caught_by_lexicon']}); non-emergency messages sent to emergency "
        f"{figures['non_emergencies_flagged_combined']}/{figures['non_emergencies']} "
        f"(lexicon alone {figures['non_emergencies_flagged_lexicon']}); thresholds {chosen}; {figures['seconds']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
