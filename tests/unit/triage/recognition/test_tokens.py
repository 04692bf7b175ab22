"""Cue phrases as the recognisers read them: NORM sequences, indexed once when the knowledge is
loaded, found at a position by the longest that starts there."""

from dataclasses import fields, is_dataclass

from bot.triage.recognition.tokens import NormSequences, Tokens, sequence_at


def norms(tokens, text):
    return [t.norm_ for t in tokens.tokenise(text)]


def test_the_longest_cue_at_a_position_wins():
    tokens = Tokens()
    cues = tokens.norm_sequences(["no", "no longer", "not"])
    words = norms(tokens, "she's no longer being sick")
    assert sequence_at(words, 2, cues) == 2  # "no longer", not "no"
    assert sequence_at(words, 0, cues) == 0
    assert sequence_at(words, len(words), cues) == 0  # past the last word: nothing


def test_case_and_the_way_a_contraction_is_written_do_not_matter():
    tokens = Tokens()
    cues = tokens.norm_sequences(["cannot stop"])
    assert sequence_at(norms(tokens, "he can't stop shaking"), 1, cues) == 3  # "can", "not", "stop"
    assert sequence_at(norms(tokens, "She Cannot Stop shivering"), 1, cues) == 3


def _cue_lists(owner, seen=None):
    """(where, value) for every tuple of word sequences held by the recognisers, however deep."""
    seen = seen if seen is not None else set()
    if id(owner) in seen:
        return
    seen.add(id(owner))
    if is_dataclass(owner):
        attributes = {f.name: getattr(owner, f.name) for f in fields(owner)}
    else:
        attributes = dict(vars(owner))
    for name, value in attributes.items():
        where = f"{type(owner).__name__}.{name}"
        if isinstance(value, (tuple, list)) and value and all(isinstance(v, tuple) for v in value):
            if all(isinstance(word, str) for sequence in value for word in sequence):
                yield where, value
                continue
        if isinstance(value, list):
            for item in value:
                if type(item).__module__.startswith("bot.triage.recognition"):
                    yield from _cue_lists(item, seen)
        elif type(value).__module__.startswith("bot.triage.recognition"):
            yield from _cue_lists(value, seen)


def test_every_cue_list_is_indexed_when_the_knowledge_is_loaded(extractor):
    cue_lists = list(_cue_lists(extractor))
    assert len(cue_lists) > 20, cue_lists  # negation, hypothetical, resolution, compositions...
    plain = [where for where, value in cue_lists if not isinstance(value, NormSequences)]
    assert not plain, plain
