"""Every sentence the code says to a person, and the emergency number, in one place.

The rest of what the assistant says is in domain.yml (said even when the action server is down)
and, for the documents' own words, in the knowledge base, always with its source. Keeping the
code's sentences here means they are reviewed together, against the safety rules: the advice
comes first, always names the care team, never diagnoses, grades, reassures or prescribes.

domain.yml takes the emergency number from here: its slots `emergency_numbers` and
`emergency_number` have these values (ops/generate_data.py writes them, a test keeps them current),
and its responses say "emergency services ({emergency_numbers})".
"""

from __future__ import annotations

from typing import Optional, Sequence

# ------------------------------------------------------------------------------------ numbers

EMERGENCY_NUMBER = "911"
EMERGENCY_NUMBERS = f"{EMERGENCY_NUMBER} in the US and Canada"  # the number with where it works
EMERGENCY_SERVICES = f"emergency services ({EMERGENCY_NUMBERS})"
CRISIS_LINE = "988"  # the Suicide & Crisis Lifeline, call or text, in the US and Canada
CALL_NOW = f"Call emergency services now ({EMERGENCY_NUMBERS})"
# domain.yml's slots that carry them into its responses ("{emergency_numbers}").
DOMAIN_SLOTS = {"emergency_numbers": EMERGENCY_NUMBERS, "emergency_number": EMERGENCY_NUMBER}

# ------------------------------------------------------------------------------------ advice by urgency

# The assistant's safety policy, not the documents' guidance: the first thing said for each
# urgency, repeated in domain.yml's utter_symptom_advice so that it is said when the action server
# is down (tests/unit/data/test_domain.py keeps them equal). `unclear`: something reported that
# was not recognised; a missed symptom is worse than an extra call.
URGENCY_ADVICE = {
    "emergency": (
        f"This may be an emergency. {CALL_NOW}, or have someone call for you. "
        "Then tell the care team that gave the treatment."
    ),
    "urgent": (
        "Please contact your care team right away, day or night, on the number they gave you for problems after "
        f"treatment. If you cannot reach them, or things get worse quickly, call {EMERGENCY_SERVICES}."
    ),
    "routine": (
        "Please tell your care team about this today. Call them right away if it gets worse or anything new appears, "
        f"and call {EMERGENCY_SERVICES} in an emergency."
    ),
    "none": (
        "Thank you for letting me know. If anything changes or anything new appears, contact your care team right "
        "away, day or night."
    ),
    # Thoughts of suicide or self-harm (engine.CRISIS): emergency services first, then the crisis line.
    "crisis": (
        f"If you or anyone else is in danger right now, call {EMERGENCY_SERVICES} now. You can also call or "
        f"text {CRISIS_LINE}, the Suicide & Crisis Lifeline (US and Canada), any time, day or night, to talk with "
        "someone trained to help. Thank you for telling me; you do not have to face this alone. Please let your "
        "care team know how you are feeling, too."
    ),
    "unclear": (
        "I could not match what you describe to the side effects listed in the documents I use, so please contact "
        "your care team right away and tell them what you are noticing. If it feels like an emergency, call "
        f"{EMERGENCY_SERVICES}."
    ),
}

# ------------------------------------------------------------------------------------ lists of words


def joined(items: Sequence[str], conjunction: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def quoted(text: str) -> str:
    return f"“{text}”"


def citation(source_citation: str) -> str:
    return f"(Source: {source_citation})"


# ------------------------------------------------------------------------------------ a report's guidance

GUIDANCE_HEADER = "What the documents say:"
ONLY_THE_CARE_TEAM_ASSESSES = "Only your care team can assess what is happening; please keep them informed."


def guidance_line(text: str, source_citation: Optional[str]) -> str:
    return f"- {text} {citation(source_citation)}" if source_citation else f"- {text}"


def quoted_list(quotes: Sequence[str]) -> str:
    """Quotes joined by semicolons, ending with one full stop (a quoted sentence brings its own)."""
    text = "; ".join(map(quoted, quotes))
    return text if quotes and quotes[-1].endswith(".") else f"{text}."


def listed_among(labels: Sequence[str], described_as: str, quotes: Sequence[str]) -> str:
    verb = "is" if len(labels) == 1 else "are"
    return f"{capitalised(joined(labels))} {verb} listed among {described_as}: {quoted_list(quotes)}"


def documents_do_not_cover(labels: Sequence[str]) -> str:
    return f"The documents I use do not cover {joined(labels)}, so I cannot tell you what they say about it."


def list_missing_from_copy(publisher: str, therapy_label: str, introduction: str) -> str:
    return (
        f"The {publisher} page on {therapy_label} introduces a list of side effects ({quoted(introduction)}), "
        "but the list is missing from the copy I have, so I cannot tell you what it includes."
    )


def not_listed_for_therapy(labels: Sequence[str], therapy_label: str) -> str:
    return (
        f"The documents I use do not list {joined(labels)} for {therapy_label}; the lists that do name it are "
        "about other treatments."
    )


# The last line of an emergency turn, which asks nothing (the treatment questions wait).
COME_BACK_WHEN_SAFE = "When everyone is safe, you can come back here and tell me more."


def together_with_earlier(earlier_labels: Sequence[str], advice: str) -> str:
    """A message less urgent than the conversation it belongs to: the conversation's advice."""
    earlier = ", ".join(earlier_labels) or "the same symptom, again"
    return f"Together with what you told me earlier ({earlier}): {advice}"


# ------------------------------------------------------------------------------------ follow-up


def related_symptoms_question(named: Sequence[str]) -> str:
    return (
        f"Have you also noticed {joined(named, 'or')}? Tell me about it, or about anything else you have noticed, "
        "or say no if there is nothing more."
    )


# ------------------------------------------------------------------------------------ closing summary

NOTHING_REPORTED = (
    "You have not told me about any symptom in this conversation. If anything appears, contact your care team "
    "right away, day or night."
)
SUMMARY_HEADER = "Here is what you told me:"


def summary_lines(
    reported: Sequence[str],
    not_present: Sequence[str],
    therapy_label: Optional[str],
    treatment_words: Optional[str],
    timing: Optional[str],
    days_since_treatment: Optional[int],
    advice: str,
) -> str:
    lines = [SUMMARY_HEADER]
    if reported:
        lines.append(f"- Reported: {', '.join(reported)}.")
    if not_present:
        lines.append(f"- Not present: {', '.join(not_present)}.")
    if therapy_label:
        lines.append(f"- Treatment: {therapy_label}.")
    elif treatment_words:
        lines.append(f"- Treatment, in your words: “{treatment_words}”.")
    if timing:
        lines.append(f"- Last given: {timing}.")
    elif days_since_treatment is not None:
        lines.append(f"- Days since treatment: {days_since_treatment}.")
    lines.append(f"My advice: {advice}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------ answers to questions

CARE_TEAM_REMINDER = (
    "If you or the person you care for notices any side effect, contact the care team right away, day or night; "
    f"in an emergency call {EMERGENCY_SERVICES}."
)
QUESTION_REMINDER = "For anything about your own treatment, please ask your care team."
DRIVING_REMINDER = "Your care team can tell you when it is safe for you to drive again."
NO_DRIVING_ADVICE_FOR_OTHERS = "The documents I use do not give driving advice for other treatments."
LISTS_DIFFER_BY_TREATMENT = "The documents list different side effects for each treatment. For CAR T-cell therapy:"
ASK_WHICH_TREATMENT = (
    "Tell me which treatment it is (for example cilta-cel, teclistamab or blinatumomab) and I will tell you what the "
    "documents list for it."
)


def resolved_label(label: str) -> str:
    """A symptom that happened and stopped, as the summary and the call log name it."""
    return f"{label} (earlier, since stopped)"


def if_it_happens(label: str, emergency: bool) -> str:
    """The answer to "what if...?" for one symptom: what to do if it happens. For a red flag it is
    the assistant's own safety rule, said as such, apart from any document quote."""
    if emergency:
        return (
            f"If this happens ({label}), call emergency services ({EMERGENCY_NUMBERS}) straight away, then tell "
            "the care team. That is this assistant's safety rule for anyone, not a quote from the documents."
        )
    return f"If this happens ({label}), contact the care team right away, day or night."


def symptom_not_listed(label: str, therapy_label: Optional[str]) -> str:
    about = f" for {therapy_label}" if therapy_label else ""
    return f"The documents I use do not list {label}{about}."


def symptom_listed_among(label: str, described_as: str, source_citation: str) -> str:
    return f"- {capitalised(label)} is listed among {described_as}. {citation(source_citation)}"


def side_effect_list_line(described_as: str, items: Sequence[str], source_citation: str) -> str:
    return f"- {capitalised(described_as)}: {quoted_list(items)} {citation(source_citation)}"


def side_effect_list_missing(publisher: str, described_as: str, introduction: str, source_citation: str) -> str:
    return (
        f"- The {publisher} page introduces {described_as} ({quoted(introduction)}), but the list is missing from "
        f"the copy I have. {citation(source_citation)}"
    )


def what_the_documents_list_for(therapy_label: str) -> str:
    return f"What the documents list for {therapy_label}:"


def no_lists_for(therapy_label: str) -> str:
    return f"The documents I use do not list side effects for {therapy_label}."


def which_topic(topic_labels: Sequence[str]) -> str:
    return f"I can explain what the documents say about {', '.join(topic_labels)}. Which would you like?"


def what_the_documents_say_about(topic_label: str) -> str:
    return f"What the documents say about {topic_label}:"


def quote_line(quote: str, source_citation: str, context: Optional[str] = None) -> str:
    """`context`: what a quote that opens by referring back ("This treatment") is about, said first."""
    return f"- {quote_in_context(context, quote, source_citation)}"


def quote_in_context(context: Optional[str], quote: str, source_citation: str) -> str:
    return " ".join(part for part in (context, quoted(quote), citation(source_citation)) if part)


# ------------------------------------------------------------------------------------ helpline agents

# A red flag the learned recogniser read in the caller's words, where no listed one was found.
EMERGENCY_IN_THEIR_WORDS = "what the caller describes reads as an emergency (no listed red flag matched)"


def agent_script(present_labels: Sequence[str], advice: str, listing: Optional[str], source_citation: str) -> str:
    """What the agent can say to the caller: the advice first, then what the documents say."""
    parts = []
    if present_labels:
        parts.append(f"You have told me about: {', '.join(present_labels)}.")
    parts.append(advice)
    if listing:
        parts.append(f"The patient-education documents say: {listing.rstrip('.')} ({source_citation}).")
    return " ".join(parts)


def agent_text_too_long(limit: int) -> str:
    return f"'text' must be at most {limit} characters; send it in parts."


def agent_text_too_long_red_flag(limit: int) -> str:
    """An over-long text is not triaged, but a red flag at its start opens the error, as in the chat."""
    return (
        "The text mentions something that may be an emergency: tell the caller to call emergency services now "
        f"({EMERGENCY_NUMBERS}), then the care team. Only its start was read: {agent_text_too_long(limit)}"
    )


UNCLEAR_CALL_NOTE = (
    "Caller reports something the assistant did not recognise: ask what they have noticed. Urgency: unclear "
    "(treated as urgent). Advice given:"
)


def call_log_note(
    caregiver: bool,
    reported: Sequence[str],
    denied: Sequence[str],
    readings: Sequence[str],
    therapy_label: Optional[str],
    days_since_treatment: Optional[int],
    red_flags: Sequence[str],
    urgency: str,
    advice: str,
    source_citations: Sequence[str],
    inferred: Sequence[str] = (),
    inferred_denied: Sequence[str] = (),
) -> str:
    """One paragraph for the call log. `inferred` and `inferred_denied`: symptoms the learned
    recogniser read as reported or denied in the caller's words, where no phrase the lists know
    matched: to be confirmed with the caller."""
    # Nothing named is not nothing reported: the words may still read as an emergency or be unclear.
    named = ", ".join(reported) or "no symptom the assistant could name"
    sentences = [f"{'Caregiver' if caregiver else 'Caller'} reports: {named}."]
    if inferred:
        sentences.append(f"Read from their words, to confirm with them: {', '.join(inferred)}.")
    if denied:
        sentences.append(f"Denies: {', '.join(denied)}.")
    if inferred_denied:
        sentences.append(f"Read as denied, to confirm with them: {', '.join(inferred_denied)}.")
    if readings:
        sentences.append(f"Temperature readings: {', '.join(readings)}.")
    sentences.append(f"Therapy: {therapy_label or 'not stated'}.")
    if days_since_treatment is not None:
        sentences.append(f"Days since treatment: {days_since_treatment}.")
    if red_flags:
        sentences.append(f"Red flags: {', '.join(red_flags)}.")
    sentences.append(f"Urgency: {urgency}.")
    sentences.append(f"Advice given: {advice}")
    if source_citations:
        sentences.append("Sources: " + "; ".join(source_citations) + ".")
    return " ".join(sentences)


# ------------------------------------------------------------------------------------ the input guard

EMERGENCY_LINE = f"If someone has had a seizure, cannot be woken or cannot breathe, call {EMERGENCY_SERVICES} now."
CARE_TEAM_LINE = "If you are worried about a symptom, contact your care team right away, day or night."
RED_FLAG_FIRST = f"Your message mentions something that may be an emergency. {CALL_NOW}, then tell the care team."


def guard_empty() -> str:
    return f"I did not receive any words. Please tell me what you are noticing. {EMERGENCY_LINE}"


def guard_not_text() -> str:
    return f"I can only read text messages. Please type what you are noticing. {EMERGENCY_LINE}"


def guard_too_long(limit: int) -> str:
    return (
        f"Your message is longer than {limit} characters, so I have not read it. Please send it in shorter parts. "
        f"{CARE_TEAM_LINE} {EMERGENCY_LINE}"
    )


def guard_too_long_red_flag(limit: int) -> str:
    return (
        f"{RED_FLAG_FIRST} The message is longer than {limit} characters, so I have not read the rest: please send "
        "it in shorter parts."
    )


def guard_too_fast() -> str:
    return (
        "You are sending messages faster than I can answer. Please wait a few seconds and send it again. "
        f"{CARE_TEAM_LINE} {EMERGENCY_LINE}"
    )


def guard_failure() -> str:
    return f"Sorry, something went wrong on my side and I could not answer. {CARE_TEAM_LINE} {EMERGENCY_LINE}"


def guard_failure_red_flag() -> str:
    return f"{RED_FLAG_FIRST} Something went wrong on my side and I could not answer the rest."
