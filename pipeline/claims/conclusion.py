"""An article's overall efficacy conclusion (PsyNamic's "study conclusion"): positive, negative, neutral or mixed.

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


def conclusion(text: str, ex: Extraction) -> str | None:
    idx = [i for i, r in enumerate(ex.roles) if r == "conclusions"]
    if not idx:
        idx = list(range(max(1, len(ex.sentences) - 3), len(ex.sentences)))
    sents = [text[ex.sentences[i][0]:ex.sentences[i][1]] for i in idx]
    pos = sum(bool(POSITIVE.search(s)) and not NEUTRAL.search(s) for s in sents)
    neu = sum(bool(NEUTRAL.search(s)) for s in sents)
    neg = sum(bool(NEGATIVE.search(s)) for s in sents)
    if pos and (neu or neg):
        return "mixed"
    if pos:
        return "positive"
    if neg:
        return "negative"
    if neu:
        return "neutral"
    return None
