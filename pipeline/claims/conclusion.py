"""An article's overall efficacy conclusion (PsyNamic's "study conclusion"): positive, negative or neutral.

Read from the conclusions section, or the last three sentences of an unstructured abstract. Unlike claim
evidence, hedged conclusions count here ("lsd might decrease suicidal ideation" is positive in PsyNamic's guide).
"""

from __future__ import annotations

import re

from pipeline.nlp.extract import Extraction

T = re.IGNORECASE
NEGATIVE = re.compile(r"\bworsen\w*|\bharmful\b|\bdeteriorat\w*|\bexacerbat\w*|\bincreased risk\b|\bdetrimental\b", T)
NEUTRAL = re.compile(r"\bno (?:significant |clear |additional |further )?(?:effect|difference|benefit|advantage|"
                     r"improvement|evidence)|\bdid not (?:observe|find|improve|reduce|differ|show|support)|\bnot "
                     r"(?:superior|effective|significant)|\bfailed to\b|\bcomparable\b|\bsimilar (?:efficacy|"
                     r"effect)|\black of (?:efficacy|effect)|\bineffective\b|\bno better\b", T)
POSITIVE = re.compile(r"\beffective\b|\befficac\w*|\bimprov\w*|\breduc\w*|\bdecreas\w*|\balleviat\w*|\bbenefi\w*|"
                      r"\brapid\w*|\bsuperior\b|\bpromising\b|\bsafe and\b|\bsignificant\w*|\bresponse\b|"
                      r"\bremission\b|\btherapeutic (?:effect|potential|option)|\bfavou?rabl\w*|\bsupport\w*|"
                      r"\bameliorat\w*|\brelie\w*|\bpotential\b", T)


BOILERPLATE = re.compile(r"^\s*(?:keywords?:|\(?psycinfo|.*database record|.*all rights reserved|trial registration|"
                         r"clinicaltrials\.gov|registration:)", T)


def conclusion(text: str, ex: Extraction) -> str:
    """The conclusion's direction; when no cue decides, "positive", by far the most common conclusion of a
    therapeutic study (PsyNamic scores this field only where the abstract draws a conclusion)."""
    body = [i for i in range(1, len(ex.sentences))
            if not BOILERPLATE.match(text[ex.sentences[i][0]:ex.sentences[i][1]])]
    idx = [i for i in body if ex.roles[i] == "conclusions"] or body[-3:]
    sents = [text[ex.sentences[i][0]:ex.sentences[i][1]] for i in idx]
    pos = any(POSITIVE.search(x) and not NEUTRAL.search(x) for x in sents)
    neu = any(NEUTRAL.search(x) for x in sents)
    neg = any(NEGATIVE.search(x) for x in sents)
    if neg and not pos:
        return "negative"
    if neu and not pos:
        return "neutral"
    return "positive"
