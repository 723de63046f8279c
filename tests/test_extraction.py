"""Entity extraction on hand-written sentences: the pipeline parts, normalisation, linking and context."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from pipeline.nlp import lexicon, rules
from pipeline.nlp.extract import Extractor
from pipeline.nlp.normalise.dose import mass_values, schedule
from tests.conftest import ROOT, SAMPLE

TEXT = ("Esketamine nasal spray in treatment-resistant depression.\n"
        "BACKGROUND: Esketamine (ESK) may cause dissociation. METHODS: Patients received ESK 56 or 84 mg "
        "intranasally twice weekly for 4 weeks, or ketamine 0.5 mg/kg i.v. over 40 minutes; midazolam 0.045 mg/kg "
        "was the active control. The Montgomery-Asberg Depression Rating Scale (MADRS) was the primary outcome. "
        "RESULTS: MADRS scores fell within 24 h. Mean response rates were higher at day 28 (p < 0.05). "
        "Nausea and dizziness were transient; no psychotic symptoms were observed. CONCLUSIONS: ESK was well "
        "tolerated.")


@pytest.fixture(scope="module")
def extractor():
    return Extractor()


@pytest.fixture(scope="module")
def ex(extractor):
    return extractor.one(TEXT)


def spans(ex, label):
    return [m for m in ex.mentions if m.label == label]


def test_openblas_ops_tag_exactly_as_thinc_default_blis(extractor):
    """The tagger runs on OpenBLAS for speed; the swap must not change a single tag (bundled sample abstracts),
    whether a document is tagged alone or in a batch, and must not leak into other models' ops."""
    import numpy
    import spacy
    from thinc.api import get_current_ops

    from pipeline.nlp.extract import MODEL_DIR
    from pipeline.records import Article
    from pipeline.sources.files import iter_xml

    assert all(getattr(node.ops, "use_blis", None) is False for name in ("tok2vec", "tagger")
               for node in extractor.nlp.get_pipe(name).model.walk())
    assert get_current_ops().use_blis is True  # thinc's default, untouched by loading ours
    blis_nlp = spacy.load(MODEL_DIR)
    assert blis_nlp.get_pipe("tok2vec").model.ops.use_blis is True
    texts = [f"{r.title}\n{r.abstract}" for r in iter_xml(ROOT / "data" / "sample" / "sample-0001-baseline.xml")
             if isinstance(r, Article) and r.abstract]
    ours = [d.to_array("TAG") for d in extractor.nlp.pipe(texts, batch_size=64)]
    alone = [extractor.nlp(t).to_array("TAG") for t in texts]
    theirs = [d.to_array("TAG") for d in blis_nlp.pipe(texts)]
    assert len(texts) >= 20 and sum(len(t) for t in ours) > 3000
    assert all(numpy.array_equal(a, b) for a, b in zip(ours, theirs, strict=True))
    assert all(numpy.array_equal(a, b) for a, b in zip(ours, alone, strict=True))


def test_sentences_handle_units_with_periods_and_iv(ex):
    texts = [TEXT[s:e] for s, e in ex.sentences]
    assert any(t.endswith("within 24 h.") for t in texts)
    assert any(t.startswith("Mean response rates") for t in texts)
    assert not any(t.endswith("i.v.") for t in texts)
    assert ex.roles[0] == "title" and "results" in ex.roles and "conclusions" in ex.roles


def test_a_title_of_two_sentences_is_one_sentence_the_title(extractor):
    text = ("What happens after the last infusion? Symptom trajectories after a course of ketamine\n"
            "BACKGROUND: Depression is common. RESULTS: MADRS scores fell.")
    ex2 = next(iter(extractor.run([("t", None, 1, text, None)])))
    assert ex2.roles == ["title", "background", "results"]
    assert text[slice(*ex2.sentences[0])].strip() == text.split("\n")[0]
    assert {(m.text, m.sent_index, m.role) for m in ex2.mentions if m.label == "DRUG"} == {("ketamine", 0, "title")}


def test_combined_section_labels_take_results_or_their_latest_part(extractor):
    text = ("Esketamine in depression\nBACKGROUND: Depression is common. METHODS AND RESULTS: Forty patients received "
            "esketamine and MADRS scores fell by 12 points (p < 0.01). DISCUSSION AND CONCLUSIONS: Esketamine "
            "relieved depression. RESULTS/OUTCOMES: Remission was 40%. CONCLUSIONS/INTERPRETATIONS: It works. "
            "RESULTS AND DISCUSSION: Response was 50%.")
    ex2 = next(iter(extractor.run([("t", None, 1, text, None)])))
    assert ex2.roles == ["title", "background", "results", "conclusions", "results", "conclusions", "results"]


def test_abbreviations_defined_in_the_abstract_are_resolved(ex):
    esk = [m for m in spans(ex, "DRUG") if m.text == "ESK"]
    assert len(esk) == 3 and all(m.canonical == "esketamine" for m in esk)
    madrs = [m for m in spans(ex, "OUTCOME") if m.text == "MADRS"]
    assert madrs and all(m.attrs["instrument"] == "MADRS" for m in madrs)


def test_doses_are_normalised_and_linked_to_their_drug(ex):
    doses = {d.text: d for d in ex.doses}
    esk = doses["56 or 84 mg"]
    assert (esk.drug, esk.value, esk.value_max, esk.unit, esk.per_kg, esk.value_mg) == \
        ("esketamine", 56, 84, "mg", False, 56)
    assert (esk.route, esk.frequency, esk.course) == ("intranasal", "twice weekly", "4 weeks")
    ket = doses["0.5 mg/kg"]
    assert (ket.drug, ket.value_mg_per_kg, ket.infusion_minutes, ket.route) == ("ketamine", 0.5, 40, "intravenous")
    assert doses["0.045 mg/kg"].drug == "midazolam"  # a comparator dose is not a ketamine dose


def test_timepoints_routes_and_context(ex):
    hours = {m.text: m.attrs["hours"] for m in spans(ex, "TIMEPOINT")}
    assert hours.get("24 h") == 24 and hours.get("day 28") == 672
    assert "40 minutes" not in hours  # an infusion length, not a time point
    ae = {m.canonical: m for m in spans(ex, "ADVERSE_EVENT")}
    assert ae["psychotic symptoms"].negated and not ae["nausea"].negated
    assert ae["dissociation"].hedged and ae["dissociation"].role == "background"
    assert ae["nausea"].attrs["mesh"] == "D009325"
    # the racemic ketamine arm is the same substance (PsyNamic's routes): its i.v. route counts, midazolam's not
    assert ex.study_drug == "esketamine" and ex.routes == ["intranasal", "intravenous"]


def test_mention_ids_are_stable(extractor):
    a = [m.mention_id for m in extractor.one(TEXT, doc_id="pmid:1").mentions]
    b = [m.mention_id for m in extractor.one(TEXT, doc_id="pmid:1").mentions]
    assert a == b and len(set(a)) == len(a)


@pytest.mark.parametrize("text,value,value_max,unit", [
    ("0.2-0.5 mg/kg", 0.2, 0.5, "mg/kg"), ("0, 75, and 100 mg", 0, 100, "mg"), ("28-mg", 28, None, "mg"),
    ("0.5 mg kg-1", 0.5, None, "mg/kg"), ("100 microg/kg", 100, None, "µg/kg"), ("0.6 mg/min", 0.6, None, "mg/min"),
    ("0.15 mg/kg/h", 0.15, None, "mg/kg/h"), ("2.5 μg·kg", 2.5, None, "µg/kg"),
    ("0·5 mg/kg", 0.5, None, "mg/kg"),  # the Lancet's decimal point, not "5 mg/kg"
    ("0.12 mg/kg to 2.5 mg/kg", 0.12, 2.5, "mg/kg"), ("0.5 mg/kg-1.0 mg/kg", 0.5, 1.0, "mg/kg"),  # unit repeated
    ("0.5\u200amg kg-1 h-1", 0.5, None, "mg/kg/h"),  # a hair space
    ("0.5 mg/kg-1 mg/kg", 0.5, 1, "mg/kg"),  # "-1" before a unit is the range's end, not an exponent
    ("0.1 mg kg", 0.1, None, "mg/kg"), ("0.5\u2009mg\u2009kg(-1)", 0.5, None, "mg/kg"),  # per kg, exponent dropped
    ("0.25 mg/(kg·h)", 0.25, None, "mg/(kg·h)"),  # as written
    ("0. 25 mg/kg", 0.25, None, "mg/kg"),  # a stray space in the decimal: not 25 mg/kg
    ("0.25 mg kg(-1) hr(-1)", 0.25, None, "mg/kg/hr"), ("1.4 microg kg(-1) min(-1)", 1.4, None, "µg/kg/min"),  # rates
])
def test_dose_forms(text, value, value_max, unit):
    hits = rules.find_doses(f"given {text} daily")
    assert [(h.attrs["value"], h.attrs["value_max"], h.attrs["unit"]) for h in hits] == [(value, value_max, unit)]


@pytest.mark.parametrize("text", ["a mean of 42.5 ± 4.58 µg", "plasma 58 g dL-1 and 3 µg⋅g-1 in tissue",
                                  "20 mg L-1", "12 mg/dL"])
def test_spreads_and_concentrations_are_no_doses(text):
    assert rules.find_doses(text) == []


@pytest.mark.parametrize("unit,norm", [("mg/kg/hr", "mg/kg/h"), ("mg/kg/hour", "mg/kg/h"), ("mg/(kg·h)", "mg/kg/h"),
                                       ("mcg", "µg"), ("mgs/kg", "mg/kg"), ("mg/day", "mg/d")])
def test_units_have_one_spelling_for_grouping(unit, norm):
    assert mass_values(1, unit)["unit_norm"] == norm


@pytest.mark.parametrize("unit,mg,mg_per_kg", [("mg/kg/dose", None, 0.5), ("mg/dose", 0.5, None),
                                                ("mg/kg/h", None, None), ("mg kg(-1) hr(-1)", None, None)])
def test_an_amount_per_dose_is_an_amount_and_a_rate_is_not(unit, mg, mg_per_kg):
    from pipeline.nlp.rules import normalise_unit

    got = mass_values(0.5, normalise_unit(unit))
    assert (got["value_mg"], got["value_mg_per_kg"]) == (mg, mg_per_kg)


def test_dose_routes_and_schedules_read_the_whole_sentence(extractor):
    text = ("Esketamine nasal spray in depression\nPatients received intranasal esketamine 56 mg plus an oral "
            "antidepressant. Ketamine (0.25 mg/kg) was injected intravenously. Intravenous dosage: 0.5 mg/kg and "
            "orally: 2.0 mg/kg. "
            "Patients received six infusions of ketamine 0.5 mg/kg over 2 weeks. A single 40-minute intravenous "
            "infusion of ketamine 0.5 mg/kg was given.")
    doses = next(iter(extractor.run([("t", None, 1, text, None)]))).doses
    got = [(d.text, d.route, d.n_doses, d.course, d.infusion_minutes) for d in doses]
    assert got == [("56 mg", "intranasal", None, None, None), ("0.25 mg/kg", "intravenous", None, None, None),
                   ("0.5 mg/kg", "intravenous", None, None, None), ("2.0 mg/kg", "oral", None, None, None),
                   ("0.5 mg/kg", "intravenous", 6, "2 weeks", None), ("0.5 mg/kg", "intravenous", None, None, 40)]


def test_a_day_list_takes_whole_numbers_only():
    found = [m.group() for m in rules.TP_RX.finditer("MADRS 18.9 at day 14 and 15.2 at day 28; days 1, 7 and 14")]
    assert found == ["day 14", "day 28", "days 1, 7 and 14"]


def test_doses_that_are_no_range_stay_apart():
    hits = rules.find_doses("either 0.5 mg/kg or 0.25 mg/kg; 1 mg/kg to 20 mg, then 0.5 mg/kg to 0.2 mg/kg; "
                            "the dose was increased from 0.5 mg/kg to 0.75 mg/kg; 0.5 mg/kg 1 h before surgery")
    assert [(h.attrs["value"], h.attrs["value_max"]) for h in hits] == [
        (0.5, None), (0.25, None), (1, None), (20, None), (0.5, None), (0.2, None), (0.5, None), (0.75, None),
        (0.5, None)]


@pytest.mark.parametrize("text,found", [
    ("scores were associated with 6-week PHQ-9 scores", ["6-week"]),
    ("the 4-week clinical treatment response was higher", ["4-week"]),
    ("baseline and 24-hour depressive symptom severity", ["24-hour"]),
    ("a 6-week treatment period followed", []), ("a 4-week open-label phase", []), ("a 4-week or 8-week course", []),
    ("a 2-week depressive episode", []), ("a 12-week relapse prevention program", []),
])
def test_an_adjectival_time_that_qualifies_a_measure_is_a_time_point(text, found):
    assert [text[h.start:h.end] for h in rules.find_timepoints(text)] == found


def test_any_typographic_space_joins_a_number_to_its_unit():
    text = "better at 20\u200amin and at 10, 20 and 30\u2009min, and at 2\u00a0h"
    assert [text[h.start:h.end] for h in rules.find_timepoints(text)] == \
        ["20\u200amin", "10, 20 and 30\u2009min", "2\u00a0h"]


def test_lab_concentrations_are_not_doses():
    assert rules.find_doses("glucose 110 mg/dL and 0.06 mg/ml") == []


@pytest.mark.parametrize("text,hours", [
    ("24 h", 24), ("40 minutes", 0.667), ("day 7", 168), ("week 4", 672), ("postoperative day 2", 48),
    ("2, 24, and 48 hours", 48), ("first week", 168), ("within hours", 24), ("one month", 720),
    # a stated time after "within" is that time (it was 24 h for any hours and 1 h for "within 7 days")
    ("within 2 hours", 2), ("within 7 days", 168), ("within a week", 168), ("within two hours", 2),
    ("within minutes", 1),
    # a range in two units ends at its last part (the first unit served both: "12 h to 7 days" was 12 h)
    ("12 h to 7 days", 168), ("24 hours to 30 days", 720), ("day 1 to week 4", 672), ("1 h 30 min", 1.5),
    ("2 hours and 30 minutes after", 2.5),
])
def test_timepoint_hours(text, hours):
    assert rules.timepoint_hours(text) == pytest.approx(hours, abs=1e-3)


@pytest.mark.parametrize("text,hours", [
    ("24 h", 24), ("days 2, 3, 7 and 14", 48), ("1-4 h", 1), ("postoperative days 1 to 5", 24),
    ("2, 24 and 48 hours", 2), ("12 h to 7 days", 12), ("day 1 to week 4", 24), ("3 and 6 months", 2160),
])
def test_the_first_time_of_a_list_or_range(text, hours):
    assert rules.timepoint_first_hours(text) == pytest.approx(hours, abs=1e-3)


def test_a_timepoint_mention_carries_its_first_and_last_hours(extractor):
    text = "Ketamine 0.5 mg/kg IV was given.\nMADRS scores fell at 2, 24 and 72 hours after the infusion."
    tp = next(m for m in extractor.one(text, doc_id="pmid:9").mentions if m.label == "TIMEPOINT")
    assert tp.text.startswith("2, 24 and 72 hours") and (tp.attrs["hours"], tp.attrs["hours_min"]) == (72, 2)


def test_durations_ages_and_schedules_are_not_timepoints():
    text = "A 4-week trial in adults aged 18-65 years; a 40-minute infusion every 3 days, over 40 min."
    assert [text[h.start:h.end] for h in rules.find_timepoints(text)] == []


@pytest.mark.parametrize("text,found", [
    ("MADRS 24 h after infusion.", ["24 h after"]),
    ("Effects persisted for up to 1 week.", ["1 week"]),
    ("Scores were recorded for 1 week following treatment.", ["1 week"]),
    ("Insomnia on the first three postoperative days.", ["first three postoperative days"]),
    ("Remission after 6 weeks of treatment.", ["6 weeks"]),
    ("Anxiety fell within an hour of dosing.", ["an hour"]),
    ("Patients completed all 6 weeks of dosing.", []),
    ("Doses rose over the first 3 weeks.", []),
    ("Treatment continued for up to 4 weeks.", []),
    ("Esketamine was given 30 min before surgery.", []),
    ("Infusions were separated by 7 days, one week apart.", []),
    ("Available 24 hours a day; TMS five days a week.", []),
    ("Use in the preceding 30 days; a median of 30 days; 2.4 versus 4.75 days.", []),
    ("Esketamine was given 10 minutes after induction of anaesthesia.", []),
    ("Offspring were studied from postnatal day 2.", []),
    # boundaries: "following" stays out, postpartum and "post first dose" qualifiers stay in, ranges are one span
    ("MADRS at 24 hr following a single dose.", ["24 hr"]),
    ("EPDS at postpartum day 7 and 4 weeks postpartum.", ["postpartum day 7", "4 weeks postpartum"]),
    ("QIDS at 24 hours post first dose.", ["24 hours post first dose"]),
    ("Lower scores from 2 h to 2 weeks.", ["2 h to 2 weeks"]),
    ("Pain on postoperative day 7 and postoperative day 30.", ["postoperative day 7", "postoperative day 30"]),
    ("Scores on Day 1, Day 4, 1 week (Day 7).", ["Day 1", "Day 4", "1 week", "Day 7"]),
    ("Two test days 2 weeks apart.", []),
    # lengths, schedules and dosing days
    ("With a follow-up of six weeks, 6 to 10 weeks, and 14 to 18 weeks.", []),
    ("Ketamine (0.5 mg/kg, 40 minutes) plus venlafaxine.", []),
    ("A screening phase (24 to 48 hours) and a treatment phase (day 1 to 25).", []),
    ("Responders at the end of the induction phase (week 4).", ["week 4"]),
    ("Esketamine was infused intravenously over 40 minutes after childbirth.", []),
    ("Patients received placebo on day 1; 0.40 mg/kg on day 4.", []),
    ("Administration took 40 minutes, then an observation time of 2 hours.", []),
    ("Participants were randomised to 8 weeks of oral ketamine.", []),
    ("Training for 30-40 min/day; test days with five days in between.", []),
    ("Change from baseline (day 1, predose) to day 2.", ["day 2"]),
    ("Sleep was rated on preoperative day 1.", []),
    # an adjectival time that says when something was measured, not how long something lasted
    ("Scores fell at acute timepoints (24\u2010hour; 5\u2010day).", ["24\u2010hour", "5\u2010day"]),
    ("MADRS at the 12-month follow-up and at 24-hour follow-up.", ["12-month follow-up", "24-hour follow-up"]),
    ("A 4-week induction phase with a 12-week follow-up, and at the 2-week follow-up period.", []),
    ("At the 12-month follow up period; timepoints (24-hour, 5-day and 1-month).", ["24-hour", "5-day", "1-month"]),
    ("Compared to 24\u2010hours, 5\u2010days and 3\u2010months post\u2010infusion.",
     ["24\u2010hours", "5\u2010days", "3\u2010months post\u2010infusion"]),
    ("From baseline to post-infusion day 4 (pre-specified endpoint).", ["post-infusion day 4"]),
    ("A suicide crisis in the last two weeks; a duration less than 2 weeks; 20 minutes per session.", []),
    ("Most studies used 40 min intravenous infusions.", []),
])
def test_timepoints_follow_the_guidelines(text, found):
    assert [text[h.start:h.end] for h in rules.find_timepoints(text)] == found


def test_mass_conversions():
    assert mass_values(500, "µg")["value_mg"] == 0.5
    assert mass_values(2, "µg/kg")["value_mg_per_kg"] == 0.002
    assert schedule(" over 1 h, six infusions")["infusion_minutes"] == 60


def test_vocabularies_load_with_their_structure():
    assert {"MADRS", "HAM-D", "BDI", "QIDS", "CADSS", "BSS"} <= set(lexicon.instrument_kinds())
    for text, canon in [("HDRS", "HAM-D"), ("BDI-II", "BDI"), ("QIDS-SR16", "QIDS"), ("C-SSRS", "C-SSRS")]:
        assert [h.canonical for h in lexicon.outcomes().find(f"the {text} score")] == [canon]
    assert [h.canonical for h in lexicon.drugs().find("(R,S)-ketamine, post-ketamine, arketamine")] == \
        ["ketamine", "ketamine", "arketamine"]


def test_kev_eval_json_shape_on_a_guidelines_file(tmp_path):
    text = "Ketamine 0.5 mg/kg IV reduced MADRS at 24 h; nausea occurred."
    rec = {"doc_id": "t1", "text": text, "labels": ["DOSE", "ROUTE", "TIMEPOINT"],
           "spans": [{"start": 9, "end": 18, "label": "DOSE", "text": "0.5 mg/kg", "value": 0.5, "unit": "mg/kg"},
                     {"start": 19, "end": 21, "label": "ROUTE", "text": "IV", "norm": "intravenous"},
                     {"start": 39, "end": 43, "label": "TIMEPOINT", "text": "24 h", "hours": 24}]}
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps(rec) + "\n")
    out = subprocess.run([sys.executable, "-m", "pipeline.cli", "eval", "--gold", str(path), "--json"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()
    res = json.loads(out[-1])
    assert (res["gold"], res["kind"], res["n_docs"]) == (str(path), "spans", 1)
    assert set(res["labels"]) == {"DOSE", "ROUTE", "TIMEPOINT"}  # only the labels the record declares
    for label in res["labels"].values():
        assert set(label) == {"strict", "overlap"}
        assert {"precision", "recall", "f1", "tp", "fp", "fn"} <= set(label["strict"])
    assert res["labels"]["DOSE"]["strict"]["f1"] == 1.0


@pytest.mark.parametrize(("text", "routes"), [
    # a review's routes are others' unless its title names them as its subject
    ("Intravenous ketamine for depression: a systematic review and meta-analysis\nWe searched MEDLINE for trials "
     "of intranasal esketamine and intravenous ketamine.", ["intravenous"]),
    ("Ketamine for depression: a systematic review\nWe searched MEDLINE for trials of intravenous ketamine.", []),
    # "oral antidepressant" is the co-medication's route, not the study drug's
    ("Esketamine spray with an oral antidepressant for TRD\nParticipants were given esketamine nasal spray "
     "together with a newly started oral antidepressant.", ["intranasal"]),
    # background routes are other trials' when the study states its own
    ("Intranasal ketamine for depression\nBACKGROUND: Ketamine research has mostly used intravenous infusions. "
     "METHODS: Twenty patients received intranasal ketamine 50 mg.", ["intranasal"]),
    # "NS" is "not significant" unless the abstract defines it
    ("Ketamine infusion in depression\nPatients received ketamine by intravenous infusion. Anxiety changes were NS "
     "at day 7.", ["intravenous"]),
    # roman numerals ("DSM-IV", "DSM‐IV", "phase IV") and a capitals title's "IN" are no routes
    ("Ketamine in depression\nPatients meeting DSM-IV or DSM\u2010IV criteria entered a phase IV study of oral "
     "ketamine.", ["oral"]),
    ("KETAMINE IN AUTISM\nPatients received ketamine by intravenous infusion.", ["intravenous"]),
    ("Ketamine in depression\nPatients in Group IV and arm IV received oral ketamine.", ["oral"]),
    ("Ketamine in depression\nPatients meeting DSM\u2013IV criteria received oral ketamine.", ["oral"]),
    ("Ketamine\nIn this open-label study IV ketamine (0.5 mg/kg) was given.", ["intravenous"]),
    ("KETAMINE IV VERSUS ECT FOR DEPRESSION\nKetamine was given.", ["intravenous"]),
    # a short form the abstract defines otherwise is not a route; "oral fluid" is saliva
    ("Ketamine and sleep\nKetamine improved sleep quality (SQ). SQ improved after intravenous ketamine. Cortisol "
     "was measured in oral fluid.", ["intravenous"]),
    # an abbreviated co-medication ("oral AD") and a cannulation are no routes of the study drug
    ("Esketamine in TRD\nPatients received intranasal esketamine plus a new oral antidepressant (AD); the oral AD "
     "was continued. Esketamine was given before intravenous cannulation.", ["intranasal"]),
    # "oral and written information" is how patients were told, not how the drug was given
    ("Ketamine in depression\nAll patients received oral and written information, then intravenous ketamine.",
     ["intravenous"]),
    ("Ketamine in depression\nAfter written and oral informed consent, patients received intravenous ketamine.",
     ["intravenous"]),
    # a title that names another drug and no ketamine form makes that drug the study drug
    ("Psilocybin for depression\nPatients received 25 mg oral psilocybin; two had failed intravenous ketamine "
     "before, and ketamine was mentioned again.", ["oral"]),
    # "by mouth" names the route as plainly as "orally" does, whatever the design
    ("The LSD psychosis\nVolunteers received LSD by mouth in the amount of one microgram per kilogram.", ["oral"]),
])
def test_article_routes(extractor, text, routes):
    assert extractor.one(text).routes == routes


def test_a_configured_pretrained_pipeline_adds_spans_where_ours_leave_a_gap(tmp_path, monkeypatch):
    """KEV_PRETRAINED names any spaCy pipeline (a scispaCy NER model on a user's machine); here a real one is built
    and saved to disk: an entity ruler that knows a disease our vocabularies do not."""
    import spacy

    from pipeline.nlp.pretrained import PretrainedError

    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([
        {"label": "DISEASE", "pattern": [{"LOWER": "takotsubo"}, {"LOWER": "cardiomyopathy"}]},
        {"label": "DISEASE", "pattern": "nausea"}, {"label": "CHEMICAL", "pattern": "ketamine"}])
    nlp.meta["name"] = "toy_bc5cdr"
    nlp.to_disk(tmp_path / "toy")
    text = ("Ketamine in depression\nRESULTS: One patient developed takotsubo cardiomyopathy after ketamine; "
            "nausea was common.")
    plain = Extractor(with_model=False).one(text)
    monkeypatch.setenv("KEV_PRETRAINED", str(tmp_path / "toy"))
    ex = Extractor(with_model=False).one(text)
    added = [m for m in ex.mentions if m.source == "pretrained"]
    assert [(m.label, m.text) for m in added] == [("ADVERSE_EVENT", "takotsubo cardiomyopathy")]
    assert not any(m.text == "takotsubo cardiomyopathy" for m in plain.mentions)
    assert len(ex.mentions) == len(plain.mentions) + 1  # nausea and ketamine were ours already: not doubled
    tag = ex.mentions[0].model_version.split("+pretrained:")[1]
    assert tag.startswith("toy-") and all(m.model_version.endswith(tag) for m in ex.mentions)
    monkeypatch.setenv("KEV_PRETRAINED_LABELS", "DISEASE=ADVERSE_EVENT,CHEMICAL=DRUG")
    assert not Extractor(with_model=False).one(text).mentions[0].model_version.endswith(tag)  # a new map re-extracts
    monkeypatch.setenv("KEV_PRETRAINED_LABELS", "DISEASE=SYMPTOM")
    with pytest.raises(PretrainedError, match="DISEASE=SYMPTOM"):
        Extractor(with_model=False)
    monkeypatch.setenv("KEV_PRETRAINED", str(tmp_path / "missing"))
    monkeypatch.delenv("KEV_PRETRAINED_LABELS")
    with pytest.raises(PretrainedError, match="neither an installed"):
        Extractor(with_model=False)


def test_tagger_short_form_of_a_non_effect_is_no_adverse_event():
    from pipeline.nlp.candidates import drop_defined_otherwise
    from pipeline.nlp.extract import build_nlp

    nlp = build_nlp(with_model=False)
    text = ("Auditory steady-state response (ASSR) deficits. Ketamine reduced 40-Hz ASSR power and caused "
            "toxic epidermal necrolysis (TEN); TEN resolved. SJS was not seen.")
    doc = nlp(text)
    model = [(m.start(), m.end(), "ADVERSE_EVENT", None, {}, "model")
             for m in re.finditer(r"ASSR|TEN|SJS|toxic epidermal necrolysis", text)]
    kept = {text[s:e] for s, e, *_ in drop_defined_otherwise(doc, text, model, [])}
    assert "ASSR" not in kept  # defined as a response, which no effect candidate covers
    assert {"TEN", "SJS", "toxic epidermal necrolysis"} <= kept  # defined as an effect / not defined here


def test_a_plural_short_form_defines_its_singular():
    from pipeline.nlp.candidates import drop_defined_otherwise
    from pipeline.nlp.extract import build_nlp

    text = ("Psychedelic use in eating disorders\nThere are few treatments for eating disorders (EDs), and new ones "
            "are needed. Respondents with a diagnosed ED rated the drugs highly. Two had SAEs.")
    doc = build_nlp(with_model=False)(text)
    model = [(m.start(), m.end(), "ADVERSE_EVENT", None, {}, "model") for m in re.finditer(r"\bEDs?\b|SAEs", text)]
    kept = [text[s:e] for s, e, *_ in drop_defined_otherwise(doc, text, model, [])]
    assert kept == ["SAEs"]  # EDs and ED are eating disorders here; SAEs is defined nowhere


@pytest.mark.parametrize("text,absent", [
    ("Ramsay sedation scores were higher 5 minutes after dosing.", "sedation"),
    ("Sedation was rated on the Richmond agitation-sedation scale.", "agitation"),
    ("Psychosis was rated with the BPRS-positive symptoms subscale.", "positive symptoms"),
    ("Ketamine appears to induce rapid anti-fatigue effects.", "fatigue"),
    ("Ketamine shows promise in treating addiction.", "addiction"),
    ("Propofol sedation is routinely used for endoscopy.", "sedation"),
])
def test_adverse_events_not_by_context(extractor, text, absent):
    """Instrument words, what a drug treats and a procedure's sedation are not effects of the drug."""
    found = [m.text for m in extractor.one(text).mentions if m.label == "ADVERSE_EVENT"]
    assert absent not in found


def test_the_condition_a_title_targets_is_no_adverse_effect(extractor):
    """GUIDELINES: the disease being treated is not annotated; a title's "premedication for sedation" or "on
    emergence agitation" makes it the treated condition everywhere in the abstract, unless the drug induces it."""
    def effects(text):
        return [m.text for m in extractor.one(text).mentions if m.label == "ADVERSE_EVENT"]

    body = "\nEmergence agitation occurred in 12% with esketamine. Nausea occurred in 3 children."
    assert effects("Esketamine premedication for the prevention of emergence agitation in children" + body) == \
        ["Nausea"]
    assert effects("Effect of esketamine on emergence agitation after tonsillectomy" + body) == ["Nausea"]
    kept = effects("How the dose of ketamine acts on rated dissociation\nDissociation rose with dose.")
    assert kept == ["dissociation", "Dissociation"]  # "effect on" an effect of the drug: not a target
    kept = effects("Nicotine fails to attenuate ketamine-induced cognitive deficits\nCognitive deficits persisted.")
    assert "Cognitive deficits" in kept
    body = "\nHallucinations occurred in 12%. Laryngospasm occurred in 2 children. Oversedation was rare."
    for title in ("Risk factors for laryngospasm during ketamine sedation", "Midazolam for prevention of "
                  "ketamine-associated hallucinations", "Midazolam to prevent hallucinations induced by ketamine"):
        assert {"Hallucinations", "Laryngospasm"} <= set(effects(title + body)), title  # studied or drug-caused
    assert "Oversedation" in effects("Esketamine premedication for sedation in children" + body)  # a longer effect


def test_the_condition_a_title_treats_is_no_adverse_effect_even_inside_its_name(extractor):
    """"LSD as treatment for cluster headache", "psilocybin in unilateral headache attacks": the vocabulary's
    "headache" inside the condition's name is the disease treated, in the title and in the abstract. Not when the
    title measures the effect ("Rise in dissociation after ketamine") or models it ("for modelling psychosis")."""
    def effects(text):
        return [m.text for m in extractor.one(text).mentions if m.label == "ADVERSE_EVENT"]

    body = "\nHeadache attacks fell by half. Nausea occurred in 3 patients."
    for title in ("LSD as Treatment for Cluster Headache", "Low-dose psilocybin in unilateral neuralgiform headache "
                  "attacks: an open-label study", "Psilocybin in migraine and cluster headache"):
        assert effects(title + body) == ["Nausea"], title
    assert effects("Rise in dissociation after ketamine in adolescents\nDissociation peaked at 40 min.") == \
        ["dissociation", "Dissociation"]
    assert "psychotic symptoms" in effects("Ketamine and sensory gating: an attempt for modelling symptoms of "
                                           "psychosis in man\nKetamine produced psychotic symptoms.")


def test_an_audit_of_unseen_abstracts_taught_these_words(extractor):
    """Plural tremors, jaw clenching (bruxism), lack of appetite and impaired gait: effects that helpers' audit of
    abstracts outside the gold sets found missed."""
    text = "Transient effects included ataxia, tremors, jaw clenching, lack of appetite and impaired gait."
    found = {m.canonical for m in extractor.one(text).mentions if m.label == "ADVERSE_EVENT"}
    assert {"tremor", "bruxism", "decreased appetite", "gait disturbance"} <= found


def test_the_signs_one_change_governs_are_one_effect(extractor):
    """The gold marks "elevations in blood pressure and heart rate" as one span; it was cut after the first sign."""
    found = [m.text for m in extractor.one("Two infusions were stopped because of elevations in blood pressure and "
                                           "heart rate.").mentions if m.label == "ADVERSE_EVENT"]
    assert found == ["elevations in blood pressure and heart rate"]


def test_a_scale_named_by_an_effect_and_its_short_form(extractor):
    """"Altered State of Consciousness (5D-ASC) Rating Scale" names an instrument: its words are no effect, its short
    form is still the outcome measure; a tagger's lone "loss" names no effect."""
    found = [(m.label, m.text) for m in extractor.one(
        "Volunteers filled in an Altered State of Consciousness (5D-ASC) Rating Scale after ketamine. Users "
        "reported infections and loss.").mentions if m.label in ("ADVERSE_EVENT", "OUTCOME")]
    assert ("OUTCOME", "5D-ASC") in found
    assert not any(label == "ADVERSE_EVENT" and text in ("Altered State of Consciousness", "loss")
                   for label, text in found)


def test_adverse_events_still_found(extractor):
    found = [m.text for m in extractor.one("Ketamine caused nausea and sedation in 3 patients.").mentions
             if m.label == "ADVERSE_EVENT"]
    assert "nausea" in found and "sedation" in found


def test_harms_of_long_term_use_are_adverse_events(extractor):
    """Urinary-tract and hepatobiliary harms of long-term use, with their MeSH ids where MeSH has a descriptor."""
    text = ("Bladder and liver harms after years of ketamine use\nA man in his thirties who had taken ketamine daily "
            "reported painful urination, haematuria and nocturia; imaging found hydronephrosis. Blood tests showed "
            "cholestasis, and he described palpitations and epigastric pain.")
    found = {m.text: (m.canonical, m.attrs.get("mesh")) for m in extractor.one(text).mentions
             if m.label == "ADVERSE_EVENT"}
    assert {"painful urination": ("dysuria", "D053159"), "haematuria": ("haematuria", "D006417"),
            "nocturia": ("nocturia", "D053158"), "hydronephrosis": ("hydronephrosis", "D006869"),
            "cholestasis": ("cholestasis", "D002779"), "palpitations": ("palpitations", None),
            "epigastric pain": ("abdominal pain", "D015746")}.items() <= found.items()


def test_effects_in_patients_own_words_and_switches_to_mania_are_adverse_events(extractor):
    """Vocabulary from two fresh synthetic batteries: lay and MedDRA words for what patients report, mania and its
    symptoms, and effects on thinking, speech and coordination, each under its term."""
    text = ("Esketamine safety\nAfter esketamine, patients reported heavy limbs (9%), strange feelings (7%), "
            "out-of-body experiences (5%), throat irritation (4%) and slurred speech (3%). One developed grandiosity "
            "and pressured speech; affective switching occurred in 2 patients. Paranoid ideation, impaired "
            "coordination and difficulty concentrating were rare. Liver enzyme elevation occurred in 4 patients.")
    found = {m.text: m.canonical for m in extractor.one(text).mentions if m.label == "ADVERSE_EVENT"}
    assert {"heavy limbs": "heavy limbs", "strange feelings": "feeling abnormal",
            "out-of-body experiences": "out-of-body experiences", "throat irritation": "throat irritation",
            "slurred speech": "dysarthria", "grandiosity": "mania", "pressured speech": "mania",
            "affective switching": "mania", "Paranoid ideation": "paranoia", "impaired coordination": "incoordination",
            "difficulty concentrating": "impaired concentration", "Liver enzyme elevation": "liver enzymes increased",
            }.items() <= found.items()
    text = ("Ketamine and the heart\nOne patient had atrial fibrillation and three had premature ventricular "
            "contractions; no QTc prolongation or arrhythmias were seen. Rebound anxiety, thirst and an itchy nose "
            "were reported, and body weight increased by 2 kg with quetiapine.")
    found = {m.text: (m.canonical, m.attrs.get("mesh")) for m in extractor.one(text).mentions
             if m.label == "ADVERSE_EVENT"}
    assert {"atrial fibrillation": ("atrial fibrillation", "D001281"),
            "premature ventricular contractions": ("ventricular premature complexes", "D018879"),
            "QTc prolongation": ("QT prolongation", "D008133"), "arrhythmias": ("arrhythmia", "D001145"),
            "Rebound anxiety": ("anxiety", "D001007"), "thirst": ("thirst", None),
            "itchy nose": ("nasal discomfort", None), "body weight increased": ("weight gain", "D015430"),
            }.items() <= found.items()
    text = ("Nasal ketamine at home\nPatients reported hiccups, presyncope, photophobia, nasal congestion, sneezing, "
            "nosebleeds, chills, hot flushes, tearfulness, muscle twitching, an unsteady gait and gastrointestinal "
            "upset. Transient blood pressure (BP) elevation was recorded, and the BP rise declined over sessions.")
    found = {m.text: m.canonical for m in extractor.one(text).mentions if m.label == "ADVERSE_EVENT"}
    assert {"hiccups": "hiccups", "presyncope": "syncope", "photophobia": "photophobia",
            "nasal congestion": "nasal congestion", "sneezing": "nasal congestion", "nosebleeds": "epistaxis",
            "chills": "chills", "hot flushes": "hot flushes", "tearfulness": "emotional lability",
            "muscle twitching": "muscle twitching", "unsteady gait": "gait disturbance",
            "gastrointestinal upset": "gastrointestinal upset",
            "blood pressure (BP) elevation": "blood pressure increased", "BP rise": "blood pressure increased",
            }.items() <= found.items()
    text = ("Esketamine in older adults\nThe mean rise in systolic pressure was 9 mmHg. One patient had "
            "tachyarrhythmia during an infusion, one had fever, and no falls or manic switching occurred.")
    found = {m.text: m.canonical for m in extractor.one(text).mentions if m.label == "ADVERSE_EVENT"}
    assert {"rise in systolic pressure": "blood pressure increased", "tachyarrhythmia": "tachycardia",
            "fever": "fever", "falls": "fall", "manic switching": "mania"}.items() <= found.items()
    one = extractor.one("Esketamine\nTEAEs included dysgeusia, paraesthesia oral and hypoaesthesia oral.").mentions
    assert [(m.text, m.label) for m in one if m.label in ("ADVERSE_EVENT", "ROUTE")] == [
        ("dysgeusia", "ADVERSE_EVENT"), ("paraesthesia oral", "ADVERSE_EVENT"), ("hypoaesthesia oral", "ADVERSE_EVENT")]


@pytest.mark.parametrize("sentence,effects", [
    ("Effects were nausea (14%), blurred vision (9%) and anxiety on emergence (6%).",
     ["nausea", "blurred vision", "anxiety"]),  # an item of a list of effects
    ("Most stopped because of adverse effects, most often nausea or anxiety.", ["nausea", "anxiety"]),
    ("Depression and anxiety improved by week 2.", []),  # a list of outcomes
    ("No cases of cystitis or dependence were identified.", ["cystitis", "dependence"]),
    ("Assessments included ratings of anxiety and dissociation.", ["dissociation"]),  # what was measured
    ("PTSD symptoms, anxiety (d = 0.3), insomnia severity and sleep improved.", []),  # a list of measures
    ("Two participants withdrew because of anxiety during the infusion.", ["anxiety"]),
    ("Four stopped because of severe anxiety.", ["anxiety"]),
    ("Two discontinued because of dissociation and anxiety.", ["dissociation", "anxiety"]),
    ("Anxiety during the observation period was documented in 5% of sessions.", ["Anxiety"]),
    ("Ketamine reduced anxiety during the first week.", []),  # an outcome, not an effect
    ("Patients with anxiety were enrolled and none stopped.", []),
])
def test_ambiguous_words_are_effects_as_a_reason_to_stop_in_a_session_or_in_a_list_of_effects(sentence, effects):
    found = Extractor(with_model=False).one("Effects\n" + sentence).mentions
    assert [m.text for m in found if m.label == "ADVERSE_EVENT"] == effects


def test_a_vital_sign_with_its_change_is_an_adverse_effect(extractor):
    text = ("Ketamine safety\nDiastolic blood pressure increased after esketamine. We recorded mean changes in "
            "systolic blood pressure. There was no significant increase in heart rate. Blood pressure was measured "
            "at baseline.")
    found = {(m.text, m.canonical, m.negated) for m in extractor.one(text).mentions if m.label == "ADVERSE_EVENT"}
    assert found == {("Diastolic blood pressure increased", "blood pressure increased", False),
                     ("changes in systolic blood pressure", "blood pressure changes", False),
                     ("increase in heart rate", "heart rate increased", True)}
    assert not rules.find_vital_changes("A lower HR for suicide attempts (HR 0.61); uncontrolled high blood "
                                        "pressure was an exclusion; changes in pulse oximetry.")
    hit = rules.find_vital_changes("Significant increases in systolic and diastolic blood pressure.")
    assert [h.attrs["canonical"] for h in hit] == ["blood pressure increased"]


def test_a_change_to_the_extraction_code_changes_the_model_version(tmp_path, monkeypatch):
    """Rows made by rules that are no longer the pipeline's must be re-extracted on the next run."""
    import shutil

    import pipeline.nlp.configuration as configuration

    before = configuration.model_version_of()
    code = tmp_path / "nlp"
    shutil.copytree(ROOT / "pipeline" / "nlp", code, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(configuration, "CODE_DIRS", (code, ROOT / "pipeline" / "claims"))
    assert configuration.model_version_of() == before  # the same code, the same version
    (code / "rules.py").write_text((code / "rules.py").read_text() + "\n# changed\n")
    assert configuration.model_version_of() != before


def test_half_a_measure_or_an_instrument_is_no_adverse_effect():
    from pipeline.nlp.candidates import bare_modifier

    text = "Vital signs including blood pressure will be monitored, with QIDS scores. Nausea rates were higher."
    spans = {w: (text.index(w), text.index(w) + len(w), "ADVERSE_EVENT") for w in ("blood", "QIDS", "Nausea")}
    assert bare_modifier(text, spans["blood"]) and bare_modifier(text, spans["QIDS"])
    assert not bare_modifier(text, spans["Nausea"])  # a named effect stays, whatever follows it


def test_a_bare_adjective_is_no_adverse_effect():
    from pipeline.nlp.candidates import bare_modifier

    text = "Ketamine, a dissociative drug, caused intense hemodynamic changes and agitation."
    spans = {w: (text.index(w), text.index(w) + len(w), "ADVERSE_EVENT")
             for w in ("dissociative", "intense", "hemodynamic", "agitation")}
    assert all(bare_modifier(text, spans[w]) for w in ("dissociative", "intense", "hemodynamic"))
    assert not bare_modifier(text, spans["agitation"])
    text = "Two patients became psychotic or manic; withdrawal followed."
    for w in ("psychotic", "manic", "withdrawal"):  # a predicate adjective names the effect; so does a noun
        assert not bare_modifier(text, (text.index(w), text.index(w) + len(w), "ADVERSE_EVENT")), w


def test_a_generic_word_is_no_outcome():
    from pipeline.nlp.candidates import bare_modifier

    text = "The incidence of delirium and depressive symptoms fell; symptoms of anxiety and MADRS improved."
    spans = {w: (text.index(w), text.index(w) + len(w), "OUTCOME") for w in ("incidence", "symptoms", "MADRS")}
    assert bare_modifier(text, spans["incidence"]) and bare_modifier(text, spans["symptoms"])
    assert not bare_modifier(text, spans["MADRS"])


def test_the_committed_learned_vocabulary_holds_terms_not_passages():
    from pipeline.nlp.learn_vocab import is_term

    learned = lexicon.load_yaml("learned.yaml")
    assert all(is_term(t) for terms in learned.values() for t in terms)
    assert not is_term("impairments in fluency, attention, learning, or memory")
    assert is_term("quick inventory of depressive symptomatology")


@pytest.mark.parametrize("text", [
    "Dissociation peaked in response to staring at a mirror.",
    "Ketamine reduced the auditory evoked gamma-band response.",
    "The dose-response curve was flat.",
])
def test_a_response_that_is_no_clinical_response(extractor, text):
    assert not [m for m in extractor.one("T\n" + text).mentions if m.label == "OUTCOME" and "esponse" in m.text]


def test_a_clinical_response_stays_an_outcome(extractor):
    found = [m.text for m in extractor.one("T\nResponse to ketamine was 50% at 24 h.").mentions if m.label == "OUTCOME"]
    assert found == ["Response"]


@pytest.mark.parametrize("text,canonical", [
    ("special K", "ketamine"), ("Molly", "mdma"), ("magic mushrooms", "psilocybin"), ("pink cocaine", "tusi"),
    ("Tramadol", "tramadol"), ("acetaminophen", "paracetamol"), ("18-MC", "18-methoxycoronaridine"),
])
def test_street_names_and_comparators_are_drugs(extractor, text, canonical):
    found = [(m.text, m.canonical) for m in extractor.one(f"T\nParticipants used {text} weekly.").mentions
             if m.label == "DRUG"]
    assert found == [(text, canonical)]


def test_a_lowercase_in_is_no_route_that_ties_a_dose_to_the_next_drug(extractor):
    """Route short forms count in capitals only: "in propofol" is not "IN (intranasal) propofol"."""
    ex = extractor.one("Ketamine and propofol\nPatients received ketamine 0.5 mg/kg in propofol anaesthesia for ECT.")
    assert [(d.text, d.drug) for d in ex.doses] == [("0.5 mg/kg", "ketamine")]


def test_diplopia_is_its_own_effect():
    hits = lexicon.adverse_events().find("diplopia and blurred vision")
    assert [h.canonical for h in hits] == ["diplopia", "blurred vision"]
    assert lexicon.ae_mesh()["diplopia"] == "D004172"


@pytest.mark.parametrize("span,dropped", [("antidepressant-like effects", True), ("therapeutic effects", True),
                                          ("antidepressant discontinuation syndrome", False), ("nausea", False)])
def test_a_benefit_is_no_adverse_event(span, dropped):
    from pipeline.nlp.candidates import bare_modifier

    text = f"Ketamine produced {span} in patients."
    start = text.index(span)
    assert bare_modifier(text, (start, start + len(span), "ADVERSE_EVENT")) is dropped


@pytest.mark.parametrize("text,found", [
    ("The elimination half-life was 3.5 h.", []), ("Tmax was 1.8 to 4 h.", []),
    ("Remission came 4 minutes longer after ECT.", []),
    ("The median time to relapse was 20 days.", ["20 days"]),  # a clinical time the annotators mark
    ("MADRS fell at 24 h.", ["24 h"]),
    ("Its t½ ranged from 3.1 hours to 5.6 hours.", []),  # a range goes with its first end
    ("MADRS fell from week 0 to week 4.", ["week 4"]),  # not after "week 0", which is baseline, not left out
    ("The duration of the longest maintenance phase was 40 weeks.", []),  # a length
    ("The mean duration of response was 14 days after the infusion.", ["14 days after"]),  # how long it lasted
    ("The duration of analgesia was 4 hours.", ["4 hours"]),
    ("The median duration of response after the last treatment was 18 days.", ["18 days"]),
    # a lead longer than the usual window, a bound (not a time), a name that starts with a number of days, a %
    ("Peak plasma concentrations of the drug were reached after roughly 3 h; MADRS fell at 24 h.", ["24 h"]),
    ("Terminal half-lives of both enantiomers of the drug were 6.2 h and 9 h.", []),
    ("Surgery lasting ≥ 3 hours; follow-up (≤ 6 months); MADRS fell at week 2.", ["week 2"]),
    ("Ratings rose in the 5D-ASC (five dimensions of altered states) at 2 h.", ["2 h"]),
    ("Scores at Month 6, 80% and Month 12, 40% were lower.", ["Month 6", "Month 12"]),
])
def test_pharmacokinetic_times_are_no_timepoints(text, found):
    assert [text[h.start:h.end] for h in rules.find_timepoints(text)] == found



@pytest.mark.parametrize("sentence,routes", [
    ("Patients received i.v. midazolam (0.045 mg/kg) before ECT.", ["intravenous"]),  # the dose's own drug
    ("Patients received 6 weekly subcutaneous esketamine infusions (0.5-1 mg/kg).", ["subcutaneous"]),
    ("Ketamine was given at 0.5 mg/kg intravenously or 1 mg/kg intramuscularly.", ["intravenous", "intramuscular"]),
    ("One group received 50 mg ketamine intranasally, another 0.1-0.4 mg/kg ketamine i.v. in the clinic.",
     ["intranasal", "intravenous"]),
    ("One oral dose of 25 mg psilocybin was compared against one dose of 1 mg.", ["oral", "oral"]),
    ("One trial assessed 50 mg ketamine intranasally, another 0.4 mg/kg i.v., and another 0.5 mg/kg i.v. or "
     "intramuscularly.", ["intranasal", "intravenous", "intravenous"]),
    ("Patients received ketamine 0.5 mg/kg i.v., or intranasal esketamine, 56 mg.", ["intravenous", "intranasal"]),
    ("Dexmedetomidine 0.6 µg/kg was given IV and then 0.3 to 0.5 µg/kg/h.", ["intravenous", "intravenous"]),
    ("Propofol infusion at 5 mg/kg/h with inhalation of sevoflurane kept the anaesthesia going.", ["intravenous"]),
    ("Patients had patient-controlled intravenous analgesia with sufentanil 2 µg/kg.", ["intravenous"]),
    ("Subjects received oral placebo and psilocybin (0.143 mg/kg) two weeks apart.", ["oral"]),
    # a route before a choice of drugs is each one's
    ("Each patient got one infusion of either 0.5 mg/kg ketamine or 0.02 mg/kg midazolam.",
     ["intravenous", "intravenous"]),
    ("Children were given intranasal premedication with either dexmedetomidine (1.5 µg/kg) or esketamine (0.5 mg/kg).",
     ["intranasal", "intranasal"]),
    ("Patients received intranasal esketamine 56 mg and 10 mg escitalopram.", ["intranasal", None]),  # no choice
    ("Patients received oral sertraline 50 mg and either 0.5 mg/kg ketamine or midazolam 0.045 mg/kg.",
     ["oral", None, None]),  # the route is sertraline's: a drug stands between it and the choice
    ("Toddlers got intranasal atomised dexmedetomidine 1 µg/kg or intranasal atomised ketamine 3 mg/kg.",
     ["intranasal", "intranasal"]),
])
def test_each_dose_keeps_its_own_route(extractor, sentence, routes):
    text = "Ketamine in depression\n" + sentence
    doses = next(iter(extractor.run([("t", None, 1, text, None)]))).doses
    assert [d.route for d in doses] == routes


@pytest.mark.parametrize("after,before,n_doses,minutes,course,frequency", [
    (" was given.", "R-107 doses of 30, 60, 120 or ", None, None, None, None),
    (" once.", "Patients who failed two antidepressant treatments received ketamine ", None, None, None, None),
    (" once.", "After 12 sessions of ECT, ketamine ", None, None, None, None),
    (" once.", "Patients with depression for 6 months on daily antidepressants received ", None, None, None, None),
    (". MADRS was rated 4 h after infusion.", "ketamine ", None, None, None, None),
    (" and 40 min after.", "escitalopram 10 mg/day, and ketamine ", None, None, None, None),
    (", 3 times a week, plus 5 psychotherapy sessions.", "Patients had 6 ketamine infusions (", 6, None, None,
     "3 times a week"),
    (" ketamine.", "Patients received eight infusions of ", 8, None, None, None),
    (" of psilocybin 3 weeks apart.", "All will receive two separate doses of ", 2, None, None, None),
    (" of MDMA.", "The same laboratory tested 194 healthy subjects receiving doses of ", None, None, None, None),
    (" for three weeks.", "escitalopram (administered daily at ", None, None, "3 weeks", "daily"),
    (" for 3 weeks after.", "imaging done before, during and ", None, None, "3 weeks", None),
    (" (psilocybin).", "scans taken before, at and for 3 weeks after high-dose ", None, None, None, None),
    (" was given by intravenous infusion over a duration of 45 minutes.", "", None, 45.0, None, None),
    (", infused across 35 min.", "Racemic ketamine was dosed at ", None, 35.0, None, None),
    (" every third day for five weeks.", "Forty adults were given ", None, None, "5 weeks", "every third day"),
    (", with a dosing frequency of 2-3 times/week.", "", None, None, None, "2-3 times/week"),
    (" (arm A) or placebo.", "subjects took 12 doses of either a psilocybin microdose (", 12, None, None, None),
    (". Effects were rated across 24 h.", "ketamine ", None, None, None, None),  # a rating window, no infusion
])
def test_a_schedule_is_the_doses_own(after, before, n_doses, minutes, course, frequency):
    got = schedule(after, before)
    assert (got["n_doses"], got["infusion_minutes"], got["course"], got["frequency"]) == \
        (n_doses, minutes, course, frequency)


@pytest.mark.parametrize("text,found", [("ketamine 0.5 mg⋅kg−1⋅h−1 was infused", "0.5 mg⋅kg−1⋅h−1"),
                                        ("ketamine 0.5 mg/kg L-NAME", "0.5 mg/kg")])
def test_operator_dots_and_names_after_a_dose(text, found):
    assert [text[h.start:h.end] for h in rules.find_doses(text)] == [found]



def test_dose_levels_are_no_number_of_doses(extractor):
    text = "DMT in healthy people\nEach subject was given two doses (0.05 and 0.3 mg/kg) of intravenous DMT."
    doses = next(iter(extractor.run([("t", None, 1, text, None)]))).doses
    assert [(d.text, d.n_doses) for d in doses] == [("0.05 and 0.3 mg/kg", None)]


@pytest.mark.parametrize("sentence,drugs", [
    ("The control group received sufentanil 2 µg/kg + tropisetron 10 mg.", ["sufentanil", "tropisetron"]),
    ("Volunteers took MDMA 75 mg and alcohol 0.5 g/kg.", ["mdma", "alcohol"]),
    ("Ketamine 0.5 mg/kg or 1.0 mg/kg was given.", ["ketamine", "ketamine"]),
    ("Ketamine 0.5 mg/kg, maintenance 0.25 mg/kg/h.", ["ketamine", "ketamine"]),
    ("The dose was 3.0 mg/kg (range 180-228 mg) of ketamine.", ["ketamine", "ketamine"]),
    # a development code right before a dose is its drug, not the nearest drug the vocabulary knows
    ("XY204 acts like psilocybin; volunteers took doses of XY204 (10 to 30 mg).", ["xy204"]),
    ("Patients received AB360 25 mg in the trial.", ["ab360"]),
    ("Patients received esketamine, group S25 (0.25 mg/kg) or group S50 (0.5 mg/kg).", ["esketamine", "esketamine"]),
])
def test_a_dose_after_a_drug_the_vocabulary_lacks_is_that_drugs(extractor, sentence, drugs):
    text = "Ketamine in depression\n" + sentence
    assert [d.drug for d in next(iter(extractor.run([("t", None, 1, text, None)]))).doses] == drugs


def test_title_case_section_labels_set_the_role(extractor):
    text = ("Ketamine in depression\nBackground: Depression is common and disabling. Methods: Forty patients "
            "received ketamine. Results: MADRS scores fell by 12 points (p < 0.01). Conclusions: Ketamine helped. "
            "Ketamine: a drug we studied.")
    roles = next(iter(extractor.run([("t", None, 1, text, None)]))).roles
    assert roles[:5] == ["title", "background", "methods", "results", "conclusions"]
    assert roles[5] == "conclusions"  # "Ketamine:" names no section: the role carries on


def test_a_defined_short_form_of_an_effect_counts_under_its_long_forms_term(extractor):
    text = ("Esketamine and emergence delirium in children\nBACKGROUND: Emergence delirium (ED) is common after "
            "sevoflurane anaesthesia. RESULTS: ED occurred in 12% of children given esketamine and 30% given saline. "
            "Nausea was rare; effects and increases were mild.")
    effects = [m for m in next(iter(extractor.run([("t", None, 1, text, None)]))).mentions
               if m.label == "ADVERSE_EVENT"]
    short = [m for m in effects if m.text == "ED"]
    assert short and all(m.canonical == "emergence delirium" and m.attrs["mesh"] == "D000071257" for m in short)
    assert not {"effects", "increases"} & {m.text for m in effects}  # generic words name no effect


@pytest.mark.parametrize("surface,canonical", [("taste disturbances", "dysgeusia"), ("memory impairments",
                                                "memory impairment"), ("seizures", "seizures")])
def test_an_effect_in_the_other_number_takes_the_vocabulary_term(surface, canonical):
    from pipeline.nlp.normalise.mention import ae_canonical

    assert ae_canonical(surface) == canonical


def test_section_labels_glued_to_the_previous_sentence_start_their_own(extractor):
    text = ("Ketamine in depression\nBackground: We tested MDMA-AT.Methods: Forty patients received ketamine "
            "(0.1-0.44).Results: MADRS scores fell by 12 points (p < 0.01).CONCLUSIONS: Ketamine helped.")
    roles = next(iter(extractor.run([("t", None, 1, text, None)]))).roles
    assert roles == ["title", "background", "methods", "results", "conclusions"]


def test_a_header_left_in_running_text_starts_a_sentence(extractor):
    """Truncated abstracts lose the full stop (and the rest of a bracket) before a header: the header starts a
    sentence, with the words its label begins with; the later items of one label ("DESIGN, SETTING, AND
    PARTICIPANTS:") and a title stay whole, and no sentence ends in the spaces before a header."""
    text = ("Oral esketamine: RESULTS: a pilot\nWe studied 30 adults on the depression scale (HDRS RESULTS: "
            "Scores fell by day 7 (p < 0.01) with wide variation (95% CI -9 to -1,  MAIN RESULTS: Mood improved. "
            "Raters were blind ( MATERIALS AND METHODS: Data were pooled. DESIGN, SETTING, AND PARTICIPANTS: "
            "A trial.")
    ex = extractor.one(text)
    assert [text[s:e] for s, e in ex.sentences] == [
        "Oral esketamine: RESULTS: a pilot", "We studied 30 adults on the depression scale (HDRS",
        "RESULTS: Scores fell by day 7 (p < 0.01) with wide variation (95% CI -9 to -1,",
        "MAIN RESULTS: Mood improved.",
        "Raters were blind (", "MATERIALS AND METHODS: Data were pooled.",
        "DESIGN, SETTING, AND PARTICIPANTS: A trial."]
    assert ex.roles[2:] == ["results", "results", "results", "methods", "methods"]


@pytest.mark.parametrize("text,sentences", [
    ("Ketamine in depression\nScores fell by week 2 (95% CI 3.4 AUTHORS' CONCLUSIONS: Ketamine helped.",
     ["Scores fell by week 2 (95% CI 3.4", "AUTHORS' CONCLUSIONS: Ketamine helped."]),
    ("Ketamine in depression\nMood improved (p < 0.05) CLINICAL TRIAL REGISTRATION: NCT0000001.",
     ["Mood improved (p < 0.05)", "CLINICAL TRIAL REGISTRATION: NCT0000001."]),
    ("Ketamine in depression\nWe asked whether ketamine helps at 3 sites DESIGN, SETTING, AND PARTICIPANTS: A trial.",
     ["We asked whether ketamine helps at 3 sites", "DESIGN, SETTING, AND PARTICIPANTS: A trial."]),
    ("Ketamine in depression\nScores fell on the HDRS SUMMARY OF RESULTS: Ketamine helped.",  # no such label
     ["Scores fell on the HDRS SUMMARY OF", "RESULTS: Ketamine helped."]),
])
def test_a_header_left_in_running_text_starts_at_the_first_word_of_its_label(extractor, text, sentences):
    ex = extractor.one(text)
    assert [text[s:e] for s, e in ex.sentences][1:] == sentences


def test_a_header_split_off_inside_a_structured_section_holds_to_the_sections_end(extractor):
    """The parser's sections put the run-on in METHODS; the header inside it starts RESULTS for its sentence and the
    next ones of that section, not beyond."""
    title = "Ketamine for depression"
    methods = "Twenty adults received ketamine 0.5 mg/kg on the HDRS RESULTS: Ketamine reduced scores. Nausea occurred."
    text = f"{title}\n{methods} Ketamine helps."
    sections = [{"start": 24, "end": 24 + len(methods), "label": "METHODS", "nlm_category": "METHODS"},
                {"start": 25 + len(methods), "end": len(text), "label": "CONCLUSIONS", "nlm_category": "CONCLUSIONS"}]
    ex = extractor.one(text, sections=sections)
    assert list(zip(ex.sections, ex.roles, strict=True))[1:] == [
        ("METHODS", "methods"), ("RESULTS", "results"), ("RESULTS", "results"), ("CONCLUSIONS", "conclusions")]
    assert {m.text: m.section for m in ex.mentions if m.label == "ADVERSE_EVENT"} == {"Nausea": "RESULTS"}


def test_a_sub_label_inside_a_structured_section_keeps_the_sections_role(extractor):
    body = "Ketamine worked. Primary outcome: Scores fell by day 1."
    text = f"Ketamine for depression\n{body}"
    ex = extractor.one(text, sections=[{"start": 24, "end": len(text), "label": "RESULTS", "nlm_category": "RESULTS"}])
    assert ex.roles[1:] == ["results", "results"] and ex.sections[1:] == ["RESULTS", "RESULTS"]


def test_a_label_alone_on_its_line_is_a_label(extractor):
    text = ("Ketamine in depression\nMETHODS: We gave ketamine. RESULTS:\nMood improved with ketamine (p < 0.01)."
            "\nCONCLUSIONS: Ketamine may help.")
    ex = extractor.one(text)
    assert list(zip(ex.sections, ex.roles, strict=True))[2:] == [
        ("RESULTS", "results"), ("RESULTS", "results"), ("CONCLUSIONS", "conclusions")]


@pytest.mark.parametrize("surface,instrument", [
    ("Montgomery\u2010\u01fasberg Depression Rating Scale", "MADRS"), ("HRSD-24", "HAM-D"), ("PCL-5", "PCL-5"),
    ("NRS", "NRS"), ("VAS", "VAS"), ("Patient Health Questionnaire-9", "PHQ-9"), ("CAM-ICU", "CAM"),
])
def test_instrument_spellings_and_own_instruments(surface, instrument):
    assert [h.canonical for h in lexicon.outcomes().find(surface)] == [instrument]


def test_vital_sign_short_forms_count_in_capitals_only():
    assert rules.find_vital_changes("Ketamine produced changes in the map of resting-state connectivity.") == []
    assert [h.attrs["canonical"] for h in rules.find_vital_changes("MAP increased after dosing.")] == \
        ["blood pressure increased"]


def test_ignorecase_lower_lowers_as_re_ignorecase_compares():
    """The premise of the prefilters, over every code point: what re.IGNORECASE matches to an ASCII letter or digit
    is lowered to it, one character stays one, and lowering keeps a word character (or ".", "-", "/") one."""
    from pipeline.nlp.prefilter import ignorecase_lower

    ascii_rx = re.compile("|".join("abcdefghijklmnopqrstuvwxyz0123456789"), re.IGNORECASE)
    kept = re.compile(r"[\w.\-/]")
    for code in range(sys.maxunicode + 1):
        c = chr(code)
        low = ignorecase_lower(c)
        assert len(low) == 1 and bool(kept.match(c)) == bool(kept.match(low)), hex(code)
        if ascii_rx.fullmatch(c):
            assert re.fullmatch(re.escape(low), c, re.IGNORECASE) and low.isascii(), hex(code)


def test_prefilters_find_what_the_patterns_find():
    """The time-point scan from likely starts and the vital-sign word test leave the matches as they were."""
    text = ("At 24 h, a week later and on POD 1, within hours, ſeveral days and the FOURTEENTH day after; "
            "apostoperative day 2. Heart rate increased; SBP rose; İncreased pulse.")
    assert rules._timepoint_spans(text) == [m.span() for m in rules.TP_RX.finditer(text)]
    assert [h.start for h in rules.find_vital_changes(text)] == [m.start() for m in rules._VITAL_CHANGE.finditer(text)]


def _prefilters_agree(texts: list[str]) -> None:
    for text in texts:
        assert rules._timepoint_spans(text) == [m.span() for m in rules.TP_RX.finditer(text)], text[:80]
        assert [h.start for h in rules.find_vital_changes(text)] == \
            [m.start() for m in rules._VITAL_CHANGE.finditer(text)], text[:80]


def test_the_time_point_prefilter_knows_every_word_a_time_point_may_start_with():
    """Every number and ordinal word the rules know, in three cases and several frames, scanned both ways ("ninth"
    was once missing: "nine" does not begin it)."""
    words = set(rules.NUMWORDS) | set(rules.ORDINALS) | set(rules.TP_ORDINALS.split("|")) | set(rules._TP_START_WORDS)
    frames = ("by the {} day after dosing", "{} weeks later", "at {} hours", "the {} postoperative day",
              "{} days post-infusion", "({} h)", "{}-week follow-up", "within {}")
    texts = [frame.format(case(w)) for w in sorted(words) for case in (str.lower, str.upper, str.title)
             for frame in frames]
    _prefilters_agree(texts + ["Day 7", "POD1", "POD 2", "postpartum day 3", "visit 4", "a week later",
                               "an hour after", "within hours", "first 2 weeks", "initial three days"])


def test_prefilters_find_what_the_patterns_find_in_the_sample():
    """A time-point pattern added without its first word in _TP_START would be missed where it is written: the
    bundled sample's abstracts and every string of this file's tests are scanned both ways."""
    from pipeline.sources.files import iter_xml

    texts = [f"{a.title}\n{a.abstract}" for a in iter_xml(SAMPLE) if getattr(a, "abstract", None)]
    assert len(texts) > 10
    strings = re.findall(r'"((?:[^"\\\n]|\\.){12,})"', (ROOT / "tests" / "test_extraction.py").read_text())
    _prefilters_agree(texts + strings)


def test_prefilters_find_what_the_patterns_find_in_the_corpus(corpus):
    """The same over the shared corpus's abstracts (the held-out ones left alone, as everywhere)."""
    from pipeline.evaluate.gold import holdout_ids

    held, texts = holdout_ids(), []
    for name in ("psynamic/docs.jsonl", "pubmed-2025/docs.jsonl"):
        with open(corpus(name), encoding="utf-8") as fh:
            texts += [f"{r['title']}\n{r.get('abstract') or ''}" for r in map(json.loads, fh)
                      if r["doc_id"] not in held]
    _prefilters_agree(texts)


def test_an_oral_snri_is_no_route_of_the_study_drug():
    text = "Esketamine in depression\nPatients received intranasal esketamine and continued an oral SNRI."
    assert next(iter(Extractor(with_model=False).run([("t", None, 1, text, None)]))).routes == ["intranasal"]


@pytest.mark.parametrize("mentions,drug", [
    # ketamine named once as a point of comparison in an LSD study is not its drug ...
    ("LSD was given orally. LSD raised BDNF. LSD was well tolerated. LSD doses were low. As with ketamine, BDNF rose.",
     "lsd"),
    # ... but a ketamine study that names a comparator often keeps ketamine first
    ("Ketamine was given. Midazolam was the control. Midazolam was infused. Midazolam caused sedation.", "ketamine"),
])
def test_the_study_drug_is_ketamine_unless_another_drug_dominates(mentions, drug):
    text = "A study of BDNF\n" + mentions
    assert next(iter(Extractor(with_model=False).run([("t", None, 1, text, None)]))).study_drug == drug


@pytest.mark.parametrize("sentence,word,negated", [
    # a "not" or "neither ... nor" that denies something else than the effect's occurrence
    ("One patient stopped early, not tolerating the dissociative effects.", "dissociative effects", False),
    ("Safety monitoring covered not only hypotension but also tachycardia.", "hypotension", False),
    ("Neither dissociative symptoms nor psychotomimetic effects were correlated with outcome.",
     "psychotomimetic effects", False),
    ("Neither nausea nor vomiting occurred.", "vomiting", True),
    ("Neither hallucinations nor dissociation were reported, and BDNF was associated with response.", "dissociation",
     True),
    ("Without careful cardiac monitoring, fatal arrhythmias may occur.", "fatal arrhythmias", False),  # its own clause
    ("Ketamine was given without nausea, vomiting or dizziness.", "vomiting", True),  # a list
    ("Nausea was not observed.", "Nausea", True),
    ("Nausea was absent, but dizziness occurred.", "dizziness", False),
    ("No nausea but dizziness occurred.", "dizziness", False),
    ("No nausea, vomiting or dizziness occurred.", "dizziness", True),
    ("No serious adverse events occurred except transient dizziness.", "dizziness", False),
    ("No serious adverse events occurred, however no patient had hypertension.", "hypertension", True),
    ("There was no nausea, but after the second infusion no dizziness was seen.", "dizziness", True),
])
def test_a_contrast_after_the_negation_cue_ends_its_scope(sentence, word, negated):
    from pipeline.nlp.context import is_negated

    i = sentence.index(word)
    assert is_negated(sentence, i, i + len(word)) is negated


@pytest.mark.parametrize("sentence,n_doses", [
    ("Each patient was given 2 doses (28 mg and 56 mg) of esketamine.", [None, None]),  # two levels, two spans
    ("Participants received three infusions (0.5 mg/kg, 0.5 mg/kg and 0.75 mg/kg).", [3, None, None]),
    ("Participants received two doses of ketamine (0.5 mg/kg) one week apart.", [2]),
])
def test_dose_levels_listed_as_separate_spans_are_no_number_of_doses(sentence, n_doses):
    doses = next(iter(Extractor(with_model=False).run([("t", None, 1, "Ketamine in depression\n" + sentence,
                                                        None)]))).doses
    assert [d.n_doses for d in doses] == n_doses


@pytest.mark.parametrize("sentence,drugs", [
    ("Ketamine 0.5 mg/kg was superior to midazolam 0.045 mg/kg, whereas 0.1 and 0.2 mg/kg were not.",
     ["ketamine", "midazolam", "ketamine"]),  # back to the sentence's subject across "whereas"; never "whereas"
    ("Patients received ketamine, whereas controls received midazolam 0.045 mg/kg.", ["midazolam"]),
])
def test_a_dose_after_a_contrast_goes_back_to_the_sentences_first_drug(sentence, drugs):
    doses = next(iter(Extractor(with_model=False).run([("t", None, 1, "Ketamine in depression\n" + sentence,
                                                        None)]))).doses
    assert [d.drug for d in doses] == drugs


@pytest.mark.parametrize("sentence,hedged", [
    ("Esketamine increased the risk of dizziness (RR = 1.72, 95% CI 1.20-2.45).", False),  # a result
    ("Ketamine carries a risk of cystitis.", True),
    ("The abuse potential of ketamine was low.", False),  # the noun, not a hedge
    ("Potential side effects were monitored.", True),
    ("This study aims to relate dissociation to the response.", True),
    ("Ketamine may cause nausea.", True),
    ("Esketamine increased the risk of dizziness.", False),  # a result without its statistics
    ("Ketamine may increase the risk of dizziness.", True),
])
def test_a_risk_with_its_statistics_and_an_abuse_potential_are_no_hedges(sentence, hedged):
    from pipeline.nlp.context import is_hedged

    assert is_hedged(sentence) is hedged


def test_a_schedule_after_a_list_of_levels_is_each_levels():
    text = ("AB01 in depression\nPatients were randomized to 100 mg/day or 200 mg/day AB01 or placebo for 21 days. "
            "Others received ketamine 0.5 mg/kg, 0.2 mg/kg or 0.1 mg/kg over 40 minutes twice weekly, then "
            "escitalopram 10 mg daily.")
    doses = next(iter(Extractor(with_model=False).run([("t", None, 1, text, None)]))).doses
    assert [(d.course, d.infusion_minutes, d.frequency) for d in doses] == [
        ("21 days", None, "daily"), ("21 days", None, "daily"), (None, 40.0, "twice weekly"),
        (None, 40.0, "twice weekly"), (None, 40.0, "twice weekly"), (None, None, "daily")]
    other = "Psilocybin\nParticipants took psilocybin 25 mg and 20 mg escitalopram daily for 6 weeks."
    doses = next(iter(Extractor(with_model=False).run([("t", None, 1, other, None)]))).doses
    assert [(d.drug, d.frequency) for d in doses] == [("psilocybin", None), ("escitalopram", "daily")]


def test_nausea_and_vomiting_are_two_effects_and_postoperative_only_when_said(extractor):
    text = ("Esketamine at delivery\nEsketamine given at delivery caused maternal nausea and vomiting (RR 1.9). "
            "Postoperative nausea and vomiting was recorded.")
    got = [m.canonical for m in extractor.one(text).mentions if m.label == "ADVERSE_EVENT"]
    assert got == ["nausea", "vomiting", "postoperative nausea and vomiting"]


@pytest.mark.parametrize("text,effects", [
    # the title's condition goes on after "with": both parts are the disease treated
    ("Ketamine in the treatment of excited delirium with marked agitation in ambulances\n"
     "Agitation settled in most patients.", []),
    ("Ketamine trafficking\nPolice records show that law enforcement seizures of powders rose.", []),
    ("Ketamine anaesthesia in ECT\nAnaesthesia was changed to ketamine because of suboptimal seizures during ECT.", []),
    ("Ketamine uses\nThe drug has many indications, including pain relief, agitation and sedation.", []),
    ("Bupropion toxicity\nThe patient developed seizures after a bupropion overdose.", ["seizures"]),
    # what a drug is given for, a few words on, is no effect of it; a rescue for an effect of the session is one
    ("Macrolide interaction\nAn elderly woman was treated with azithromycin for pneumonia.", []),
    ("Ergot toxicity\nA man used an ergot preparation for the treatment of migraine headaches and then developed "
     "cold, painful legs.", ["painful legs"]),
    ("X\nIn 2020 customs reported many seizures of ketamine and cocaine.", []),
    ("Ketamine in ECT\nTwo patients had spontaneous seizures on the day after their last ECT session.", ["seizures"]),
    ("Psilocybin session safety\nA participant received an antihypertensive for persistent hypertension during "
     "the dosing session.", ["hypertension"]),
    ("Midazolam\nMidazolam given for ketamine-induced emergence delirium in young children.",
     ["emergence delirium"]),
    ("Vasopressin\nOn therapy with vasopressin for recurrent variceal (GV) bleeding, a woman developed bradycardia.",
     ["bradycardia"]),
    ("Haloperidol\nHaloperidol is widely used in the management of agitation in the ward.", []),
    # a treatment an effect required is a rescue, not an indication
    ("Ketamine infusion\nTwo patients required treatment with labetalol for hypertension.", ["hypertension"]),
    ("Ketamine infusion\nOne patient needed additional rescue therapy with ondansetron for nausea.", ["nausea"]),
    ("Ketamine in urology\nOne patient treated with ketamine for depression developed cystitis.", ["cystitis"]),
    ("Ketamine\nPatients who received ketamine for depression reported nausea and headache.", ["nausea", "headache"]),
    ("Ketamine\nPatients experiencing excessive sedation during the infusion were monitored.", ["sedation"]),
    ("Verapamil\nBradycardia and hypotension after verapamil in a patient with pulmonary hypertension.",
     ["Bradycardia", "hypotension"]),  # who was enrolled, after an adjective
])
def test_a_treated_condition_goods_seizures_and_ects_seizures_are_no_effects(extractor, text, effects):
    assert [m.text for m in extractor.one(text).mentions if m.label == "ADVERSE_EVENT"] == effects


def test_a_learned_outcome_form_keeps_its_instrument_but_not_an_items(extractor):
    """The learned vocabulary says "an outcome"; the curated one still names the instrument of a variant spelling.
    A scale's single item is not the scale."""
    text = ("Esketamine and dissociation\nDissociation was rated with the CADSS-6 and mood with the Beck Depression "
            "Inventory II and the MADRS-SI at 40 min.")
    got = {m.text: m.attrs.get("instrument") for m in extractor.one(text).mentions if m.label == "OUTCOME"}
    assert got == {"CADSS-6": "CADSS", "Beck Depression Inventory II": "BDI", "MADRS-SI": None}


def test_a_p_value_makes_an_unstructured_sentence_a_result():
    """`\\b` after "p =" needed a letter next: "(p = 0.03)" never counted as a result cue."""
    from pipeline.nlp.context import sentence_roles

    sentences = ["Title", "Ketamine is used for depression.", "We gave ketamine to 20 adults.",
                 "Scores on the HDRS fell (p = 0.03).", "Mood was better in the ketamine arm (P<.05).", "So it is."]
    assert sentence_roles(sentences, [None] * 6)[3] == "results"


def test_a_header_left_inside_a_sentence_gives_the_mentions_after_it_its_role(extractor):
    """Truncated abstracts lose full stops before headers ("... 0.5 mg/kg RESULTS: ..."): the mentions after the
    header, and in the next sentences up to the next label, are in that section (they kept the role before it)."""
    text = ("Esketamine after surgery\nBACKGROUND: Low mood is common. METHODS: Patients received esketamine 0.5 mg/kg "
            "RESULTS: Depressive symptoms decreased at 24 h (P < 0.05). Remission was more frequent with esketamine. "
            "CONCLUSIONS: Esketamine helps.")
    got = [(m.text, m.section, m.role) for m in extractor.one(text).mentions if m.sent_index > 1]
    assert got == [("esketamine", "METHODS", "methods"), ("0.5 mg/kg", "METHODS", "methods"),
                   ("Depressive symptoms", "RESULTS", "results"), ("24 h", "RESULTS", "results"),
                   ("Remission", "RESULTS", "results"), ("esketamine", "RESULTS", "results"),
                   ("Esketamine", "CONCLUSIONS", "conclusions")]


def test_the_condition_of_an_enrolled_episode_is_no_outcome(extractor):
    """"a depressive episode with active suicidality were enrolled" names who took part, not a measured outcome;
    the outcome measured later is one."""
    text = ("Esketamine in suicidal depression\\nAdults in a depressive episode with active suicidality were enrolled. "
            "Suicidal ideation fell by day 2.")
    got = [m.text for m in extractor.one(text).mentions if m.label == "OUTCOME"]
    assert got == ["Suicidal ideation"]


@pytest.mark.parametrize("text,instrument,kind,construct", [
    ("MADRS", "MADRS", "symptom score", "depression"),
    ("Hamilton Anxiety Rating Scale", "HAM-A", "symptom score", "anxiety"),
    ("visual analogue scale for pain", "VAS", "symptom score", "pain"),
    ("mood visual analogue scale", "VAS", "symptom score", "depression"),  # a generic scale: the words decide
    ("VAS", "VAS", "symptom score", "pain"),
    ("depressive symptoms", None, "symptom score", "depression"),
    ("anxiety scores", None, "anxiety", "anxiety"),
    ("antidepressant response", None, "response", "depression"),
    ("response rate", None, "response", None),  # nothing says of what
    ("incidence of POD", None, "other", "delirium"),
])
def test_an_outcome_names_the_construct_it_measures(text, instrument, kind, construct):
    from pipeline.nlp.extract import Mention
    from pipeline.nlp.normalise.mention import normalise
    m = Mention("pmid:1", "1", 1, 0, None, "results", 0, len(text), text, "OUTCOME", None)
    normalise(m)
    assert (m.attrs["instrument"], m.attrs["kind"], m.attrs["construct"]) == (instrument, kind, construct)


@pytest.mark.parametrize("sentence,expected", [
    # a blocker's dose is the blocker's, not the nearest psychedelic's (ketanserin was not in the vocabulary)
    ("LSD 100 µg was given after ketanserin (40 mg).", [("100 µg", "lsd"), ("40 mg", "ketanserin")]),
    # doses paired with drugs named after them, in order
    ("Total doses averaged 150 mg and 2.5 mg for ketamine and midazolam, respectively.",
     [("150 mg", "ketamine"), ("2.5 mg", "midazolam")]),
    # a brand name is its generic drug
    ("Patients took Cymbalta 30 mg capsules and intranasal esketamine 56 mg.",
     [("30 mg", "duloxetine"), ("56 mg", "esketamine")]),
])
def test_doses_go_to_their_own_drug(sentence, expected):
    ex = Extractor(with_model=False).one("Doses\n" + sentence)
    assert [(d.text, d.drug) for d in ex.doses] == expected


@pytest.mark.parametrize("sentence,expected", [
    ("Psilocybin 20 mg/70 kg was given.", ("20 mg/70 kg", 20, None, "mg/70kg", True, None, 0.285714)),
    ("Esketamine 56- or 84-mg was given.", ("56- or 84-mg", 56, 84, "mg", False, 56, None)),
    ("LSD 100 micrograms was given.", ("100 micrograms", 100, None, "µg", False, 0.1, None)),
])
def test_dose_units_audited_on_the_corpus(sentence, expected):
    d = Extractor(with_model=False).one("Doses\n" + sentence).doses[0]
    assert (d.text, d.value, d.value_max, d.unit, d.per_kg, d.value_mg, d.value_mg_per_kg) == expected


def test_an_amount_per_volume_with_its_substance_between_is_a_concentration():
    assert rules.find_doses("an oil of 50 mg CBD/mL was used") == []


@pytest.mark.parametrize("sentence,expected", [
    # a route that ends a choice of arms is each arm's
    ("Subjects took psilocybin, 30 mg, or niacin, 150 mg, orally.",
     [("psilocybin", "oral"), ("niacin", "oral")]),
    # a vehicle in brackets does not take the route from the drug before it
    ("LSD (25 mcg, in an ethanol solution) or placebo (1 mL ethanol) was given orally.", [("lsd", "oral")]),
    ("LSD (25 mcg in ethanol) or placebo (ethanol, 1 mL) was given orally.", [("lsd", "oral")]),
    ("Psilocybin (25 mg) in an ethanol solution was given orally.", [("psilocybin", "oral")]),
    # "and" is no choice: sertraline's route is not ketamine's
    ("Ketamine 0.5 mg/kg and sertraline 50 mg orally were given.", [("ketamine", None), ("sertraline", "oral")]),
])
def test_routes_of_arms_and_asides(sentence, expected):
    ex = Extractor(with_model=False).one("Doses\n" + sentence)
    assert [(d.drug, d.route) for d in ex.doses] == expected


@pytest.mark.parametrize("text,canonical,mesh", [
    ("learned:memory impairments", "memory impairment", "D008569"),  # a learned spelling of a curated term
    ("deaths", "death", "D003643"),  # an alias: the rules never match it, the tagger's span gets the term
    ("psychosis", "psychotic symptoms", "D011618"),
    ("somnolence", "somnolence", "D006970"),  # was D012893, Sleep Wake Disorders
    ("amnesia", "amnesia", "D000647"),  # was folded into memory impairment
    ("itching", "pruritus", "D011537"),
])
def test_effect_terms_and_mesh_ids_from_the_adverse_event_audit(text, canonical, mesh):
    from pipeline.nlp.normalise.mention import ae_canonical

    assert (ae_canonical(text), lexicon.ae_mesh().get(ae_canonical(text))) == (canonical, mesh)


@pytest.mark.parametrize("sentence", [
    "Subjective effects were rated on the Addiction Research Center Inventory.",
    "Disability was measured with the Headache Impact Test.",
    "Psilocybin was given to patients with cluster headache.",
    "Participants reported positive mood and closeness after MDMA.",
])
def test_names_indications_and_benefits_are_no_adverse_events(extractor, sentence):
    assert [m.text for m in extractor.one("Effects\n" + sentence).mentions if m.label == "ADVERSE_EVENT"] == []


@pytest.mark.parametrize("sentence", [
    # each of these kept its condition as an effect before the version that added the cue
    "We describe a 32 year old hypertensive woman who received ketamine.",  # who she is, not what happened
    "A case of hemorrhage after alteplase therapy for suspected acute myocardial infarction.",  # its indication
    "Infusion for presumed interstitial cystitis was started.",
    "Elderly patients with and without preoperative cognitive impairment were enrolled.",
    "Ketamine was studied in patients suffering from hypertension.",
    "Patients diagnosed with hypertension received ketamine.",
    "She was administered metoclopramide because of nausea.",  # why a drug was given
    "Pre-existing hypertension was present in 58% of patients.",  # brought to the study, not caused by it
    "A man with well-controlled essential hypertension began esketamine.",
    "Many participants had comorbid insomnia.",
    "A 62-year-old man with atrial fibrillation was taking warfarin.",  # who he is
    "A bone marrow aspiration showed increased macrophages.",  # a procedure
    "Fine-needle aspiration cytology showed an adenocarcinoma.",
    "Esketamine was given to model psychotic symptoms in volunteers.",  # what it models
    "Participants completed the Insomnia Severity Index.",  # an instrument's name
    "Older age and treated hypertension at baseline predicted larger rises.",  # brought to the study
    "Psychedelics are being studied as treatments for headache disorders.",  # a class of diseases
])
def test_the_condition_of_who_was_treated_is_no_adverse_event(sentence):
    """GUIDELINES: the disease being treated, and who was enrolled, are not annotated (rules only, so that the
    test reads the context filter and not the tagger)."""
    found = Extractor(with_model=False).one("Effects\n" + sentence).mentions
    assert [m.text for m in found if m.label == "ADVERSE_EVENT" and m.text.lower() != "hemorrhage"] == []


@pytest.mark.parametrize("sentence,effect", [
    ("Two patients were hypertensive after the infusion.", "hypertensive"),  # a predicate, not who they are
    ("Hypertension developed in two patients after ketamine infusion for depression.", "Hypertension"),
    ("Ketamine infusion for depression was followed by hypertension in two patients.", "hypertension"),
    ("Ketamine was discontinued because of nausea.", "nausea"),  # why a drug was stopped: its effect
    ("He received ketamine and was withdrawn from the study due to hypertension.", "hypertension"),
    # from a review of the first version of these cues
    ("Treatment was discontinued in 3 patients receiving esketamine because of dissociation.", "dissociation"),
    ("Of 40 patients receiving ketamine, 3 dropped out due to dissociation.", "dissociation"),
    ("Rescue therapy for nausea was needed in 12% of patients.", "nausea"),  # a rescue, not an indication
    ("Ondansetron injection for nausea was required in 5 patients.", "nausea"),
    ("Hypertensive patients were more frequent after esketamine (18% vs 4%).", "Hypertensive"),  # a count
])
def test_effects_beside_the_new_population_cues_stay(sentence, effect):
    found = Extractor(with_model=False).one("Effects\n" + sentence).mentions
    assert effect in [m.text for m in found if m.label == "ADVERSE_EVENT"]


def test_the_rules_take_addiction_only_as_an_alias():
    """Neither the curated nor the learned forms the rules match hold "addiction" (it named an indication or a
    society in 51 of 54 corpus rows); a tagger's "addiction" still gets the term and MeSH id."""
    from pipeline.nlp.normalise.mention import ae_canonical

    assert "ADVERSE_EVENT" not in lexicon.combined().find_labelled("Psilocybin for addiction.")
    assert (ae_canonical("addiction"), lexicon.ae_mesh()["dependence"]) == ("dependence", "D019966")


@pytest.mark.parametrize("sentence,expected", [
    # (infusion_minutes, frequency, n_doses) of each dose, from the dose audit
    ("Ketamine (0.5mg/kg, 40 minutes) was infused.", [(40, None, None)]),  # a length in the dose's brackets
    ("Patients received ketamine (0.5 mg/kg) or midazolam (0.045 mg/kg) over 40 minutes.",
     [(40, None, None), (40, None, None)]),  # a choice of arms shares its infusion length
    ("Patients received two 25 mg doses of psilocybin.", [(None, None, 2)]),  # a count before the amount
    ("Patients received 2 × 25 mg psilocybin.", [(None, None, 2)]),
    ("Ketorolac 30 mg was given every 6 hours.", [(None, "every 6 hours", None)]),
    ("Esketamine 15 mg/day was given.", [(None, "daily", None)]),  # the unit says how often
    # other sessions are no administrations of the dose
    ("Psilocybin 25 mg with two preparation sessions and one integration session.", [(None, None, None)]),
    ("Esketamine 56 mg in patients who failed 5 treatments.", [(None, None, None)]),
])
def test_schedules_the_dose_audit_found_missing_or_wrong(sentence, expected):
    doses = Extractor(with_model=False).one("Doses\n" + sentence).doses
    assert [(d.infusion_minutes, d.frequency, d.n_doses) for d in doses] == expected


@pytest.mark.parametrize("sentence,qualifiers", [
    ("Patients received up to 2 mg/kg ketamine.", ["at most"]),
    ("Ketamine was infused (0.5 mg/kg; max 50 mg).", [None, "at most"]),
    ("The mean (SD) dose of esketamine was 72.3 mg.", ["mean"]),
    ("A total dose of 180 mg ketamine was given.", ["cumulative"]),
    ("Adverse effects occurred at doses > 0.5 mg/kg.", ["at least"]),
    ("LSD was given at a dose of ~80 µg.", ["approximately"]),
    ("Esketamine 56 mg or 84 mg was given.", [None, None]),  # a dose stated plainly
    ("Ineffability was rated higher with 25 mg than with 10 mg.", [None, None]),  # a comparison, no bound
])
def test_a_dose_says_when_it_is_a_bound_an_estimate_or_a_statistic(sentence, qualifiers):
    assert [d.qualifier for d in Extractor(with_model=False).one("Doses\n" + sentence).doses] == qualifiers


@pytest.mark.parametrize("sentence,expected", [
    # (dose, drug, route, infusion_minutes) for the cases a review of this version's dose rules found
    ("Esketamine 56 mg and 84 mg were superior to oral venlafaxine and sertraline, respectively.",
     [("56 mg", "esketamine", None, None), ("84 mg", "esketamine", None, None)]),  # a comparison, not a pairing
    ("Midazolam 0.05 mg/kg and ketamine 0.5 mg/kg were given. 20% and 50% of the ketamine and midazolam patients "
     "responded, respectively.", [("0.05 mg/kg", "midazolam", None, None), ("0.5 mg/kg", "ketamine", None, None)]),
    ("Doses of 0.5 mg/kg and 0.045 mg/kg were given in the ketamine and midazolam groups, respectively.",
     [("0.5 mg/kg", "ketamine", None, None), ("0.045 mg/kg", "midazolam", None, None)]),
    ("Patients were randomised to psilocybin 25 mg or a ketamine infusion of 0.5 mg/kg over 40 minutes.",
     [("25 mg", "psilocybin", None, None), ("0.5 mg/kg", "ketamine", "intravenous", 40)]),
    ("Ketamine 0.5 mg/kg was given to patients with or without sertraline taken orally.",
     [("0.5 mg/kg", "ketamine", None, None)]),
    ("Ketamine 0.5 mg/kg in one or two doses, after oral midazolam.", [("0.5 mg/kg", "ketamine", None, None)]),
    ("Patients on lithium received an NMDA antagonist (ketamine 0.5 mg/kg) intravenously.",
     [("0.5 mg/kg", "ketamine", "intravenous", None)]),  # a drug in brackets may own the route
    ("Patients received intranasal esketamine 56 mg or intravenous ketamine 0.5 mg/kg over 40 minutes.",
     [("56 mg", "esketamine", "intranasal", None), ("0.5 mg/kg", "ketamine", "intravenous", 40)]),
])
def test_dose_links_the_review_found_overreaching(sentence, expected):
    doses = Extractor(with_model=False).one("Doses\n" + sentence).doses
    assert [(d.text, d.drug, d.route, d.infusion_minutes) for d in doses] == expected


@pytest.mark.parametrize("text,hours,first", [
    ("2, 4 h to 7 days after", 168, 2), ("30, 60 min to 24 h after", 24, 0.5),  # a number takes the next unit
    ("2 hours and 30 minutes after", 2.5, 2.5), ("1 h 30 min", 1.5, 1.5), ("1 h and 30 min post-infusion", 1.5, 1.5),
    ("within a few hours", 24, 24),  # vague, as "within hours"; "a few days" is three
    ("within a few days", 72, 72), ("within a few weeks", 504, 504),
    ("days 7, 14 and 1 month", 720, 168),  # 14 takes the unit written before its list, not the next one
    ("1 h 30 min and 24 h after", 24, 1.5),
])
def test_hours_of_lists_in_two_units_and_of_one_time_in_two_units(text, hours, first):
    assert (rules.timepoint_hours(text), rules.timepoint_first_hours(text)) == \
        (pytest.approx(hours, abs=1e-3), pytest.approx(first, abs=1e-3))


@pytest.mark.parametrize("sentence,expected", [
    ("MADRS was assessed 1 h 30 min and 24 h after the infusion.", [("1 h 30 min", 1.5), ("24 h after", 24)]),
    ("Scores fell at 2 hours 15 minutes post-dose.", [("2 hours 15 minutes post-dose", 2.25)]),
    ("Scores were rated at 1 h, 30 min later and at 2 h.", [("1 h", 1), ("30 min later", 0.5), ("2 h", 2)]),
])
def test_hours_and_the_minutes_past_them_are_one_time_point(sentence, expected):
    found = Extractor(with_model=False).one("Results\n" + sentence).mentions
    assert [(m.text, m.attrs["hours"]) for m in found if m.label == "TIMEPOINT"] == expected


@pytest.mark.parametrize("sentence,expected", [
    ("Participants received 12 mg of RE\u2010104 subcutaneously.", [("12 mg", "re-104")]),  # a code after the dose
    ("Esketamine 56 mg or 10 mg of TS-134 was given.", [("56 mg", "esketamine"), ("10 mg", "ts-134")]),
    ("Patients received 25 mg of COMP360.", [("25 mg", "psilocybin")]),  # a code the vocabulary knows
    ("Ketamine was given. Then 75mg, 125mg or 225mg of EMP-01.",
     [("75mg", "emp-01"), ("125mg", "emp-01"), ("225mg", "emp-01")]),  # a list's code is each dose's
    ("Ketamine 0.5 mg/kg and 12 mg of BPL-003.", [("0.5 mg/kg", "ketamine"), ("12 mg", "5-meo-dmt")]),
])
def test_a_development_code_after_a_dose_is_its_drug(sentence, expected):
    assert [(d.text, d.drug) for d in Extractor(with_model=False).one("Doses\n" + sentence).doses] == expected


@pytest.mark.parametrize("frequency,expected", [
    ("twice weekly", 2), ("twice a week", 2), ("2 times/week", 2), ("3x/week", 3), ("three times weekly", 3),
    ("daily", 7), ("twice daily", 14), ("three times a day", 21), ("every 6 hours", 28), ("every 6 h", 28),
    ("every 3 days", 2.333), ("every third day", 2.333), ("every other day", 3.5), ("every 2 weeks", 0.5),
    ("every other week", 0.5), ("fortnightly", 0.5), ("monthly", 0.233), ("once per month", 0.233),
    ("1-3 times/week", None), ("biweekly", None), (None, None),  # a range; a word read both ways
])
def test_a_frequency_as_administrations_per_week(frequency, expected):
    from pipeline.nlp.normalise.dose import per_week

    assert per_week(frequency) == (pytest.approx(expected, abs=1e-3) if expected is not None else None)


@pytest.mark.parametrize("sentence,expected", [
    ("Ketamine 0.5 mg/kg was infused twice weekly for 4 weeks.", [("twice weekly", 2.0, "4 weeks", 28.0)]),
    ("Esketamine 56 mg was given 2 times/week for 2 months.", [("2 times/week", 2.0, "2 months", 60.0)]),
    ("Patients took esketamine 15 mg/day.", [("daily", 7.0, None, None)]),  # the unit says daily
    ("A single dose of ketamine 0.5 mg/kg was given.", [(None, None, None, None)]),
    ("Six ketamine infusions (0.5 mg/kg) on a Monday-Wednesday-Friday schedule.",
     [("monday-wednesday-friday", 3.0, None, None)]),  # days of the week
    ("Ketamine 0.5 mg/kg on Monday, Wednesday, and Friday for 2 weeks.",
     [("monday, wednesday, and friday", 3.0, "2 weeks", 14.0)]),
    # a choice of schedules is one frequency without a count per week, not the nearer of the two
    ("Patients received twice-weekly or thrice-weekly infusions of ketamine 0.5 mg/kg for 4 weeks.",
     [("twice-weekly or thrice-weekly", None, "4 weeks", 28.0)]),
    ("Patients received daily sertraline and weekly infusions of ketamine 0.5 mg/kg.", [("weekly", 1.0, None, None)]),
    ("Patients had ECT three times weekly and twice-weekly infusions of ketamine 0.5 mg/kg.",
     [("twice-weekly", 2.0, None, None)]),  # "and" joins two treatments' schedules, not a choice
])
def test_doses_carry_their_schedule_as_numbers(sentence, expected):
    doses = Extractor(with_model=False).one("Doses\n" + sentence).doses
    assert [(d.frequency, d.per_week, d.course, d.course_days) for d in doses] == expected


@pytest.mark.parametrize("sentence,expected", [
    ("Ketamine 0.5 mg/kg was given, and pain scores were recorded every 6 hours for 48 hours.", [(None, None)]),
    ("Vital signs were checked every 4 hours after ketamine 0.5 mg/kg.", [(None, None)]),
    ("On day 3 25 mg doses were given.", [(None, None)]),  # the number is the day's
])
def test_a_measurement_schedule_and_a_day_are_no_dose_schedule(sentence, expected):
    doses = Extractor(with_model=False).one("Doses\n" + sentence).doses
    assert [(d.frequency, d.n_doses) for d in doses] == expected


def test_a_drug_name_with_a_hyphen_after_a_slash_is_no_volume():
    assert [h.attrs["value"] for h in rules.find_doses("Patients took 25 mg carbidopa/L-DOPA daily.")] == [25]


def test_who_is_at_risk_and_a_possible_risk_stay_hedged():
    from pipeline.nlp.context import is_hedged

    assert is_hedged("Patients at higher risk of suicide were excluded.")
    assert is_hedged("There is a theoretical increased risk of abuse.")


def test_a_generic_scale_with_words_we_cannot_read_measures_nothing_known():
    from pipeline.nlp.normalise.mention import outcome_construct

    assert outcome_construct("visual analogue scale for nausea", "VAS", "symptom score") is None
    assert outcome_construct("VAS", "VAS", "symptom score") == "pain"


@pytest.mark.parametrize("text,span,dropped", [
    ("They reported reduced well-being.", "well-being", False),  # a benefit lost is a harm
    ("They had positive psychotic symptoms.", "psychotic symptoms", False),
    ("They reported positive mood.", "mood", True),
])
def test_benefits_but_not_their_loss_are_no_adverse_events(text, span, dropped):
    from pipeline.nlp.candidates import bare_modifier

    s = text.index(span)
    assert bare_modifier(text, (s, s + len(span), "ADVERSE_EVENT", None, {}, "model")) is dropped


@pytest.mark.parametrize("text,hours,first", [("two and four weeks", 672, 336),
                                              ("twenty-four and forty-eight hours", 48, 24),  # every compound counts
                                              ("twenty-four hours", 24, 24)])
def test_the_times_of_a_list_in_words(text, hours, first):
    assert rules.timepoint_hours(text) == pytest.approx(hours)
    assert rules.timepoint_first_hours(text) == pytest.approx(first)


@pytest.mark.parametrize("text,routes", [
    ("Esketamine in children\nChildren received intranasal premedication with esketamine 1 mg/kg before surgery.",
     ["intranasal"]),  # the premedication is the study drug
    ("Esketamine after surgery\nPatients received patient-controlled intravenous analgesia (sufentanil + esketamine).",
     ["intravenous"]),
    ("Esketamine after surgery\nPatients received esketamine and intravenous analgesia with sufentanil.", []),
])
def test_a_premedication_or_analgesia_holding_the_study_drug_gives_its_route(text, routes):
    assert Extractor(with_model=False).one(text).routes == routes


def test_a_study_of_a_drugs_users_takes_no_route_from_their_tablets():
    text = ("Brain metabolites in MDMA users\nSixteen male MDMA users (average lifetime use, 650 tablets) and 13 "
            "matched controls had MR spectroscopy in this cross-sectional study.")
    assert Extractor(with_model=False).one(text).routes == []


@pytest.mark.parametrize("sentence,expected", [
    # (dose, drug, route, infusion_minutes), from the second review of this version's dose rules
    ("Ketamine 0.5 mg/kg or midazolam 0.045 mg/kg was infused intravenously over 40 minutes.",
     [("0.5 mg/kg", "ketamine", "intravenous", 40), ("0.045 mg/kg", "midazolam", "intravenous", 40)]),
    ("Psilocybin, 25 mg, or niacin, 100 mg, was given orally.",
     [("25 mg", "psilocybin", "oral", None), ("100 mg", "niacin", "oral", None)]),
    ("Patients received intravenous ketamine (0.5 mg/kg) or midazolam (0.045 mg/kg) over 40 minutes.",
     [("0.5 mg/kg", "ketamine", "intravenous", 40), ("0.045 mg/kg", "midazolam", None, 40)]),  # an unnamed route
    ("Patients received midazolam 2 mg and then 50 mL of ketamine (0.5 mg/kg) intravenously.",
     [("2 mg", "midazolam", None, None), ("0.5 mg/kg", "ketamine", "intravenous", None)]),  # the drug, no vehicle
    ("In this ketamine trial, doses of 0.5 mg/kg and 0.045 mg/kg were given in the ketamine and midazolam groups, "
     "respectively.", [("0.5 mg/kg", "ketamine", None, None), ("0.045 mg/kg", "midazolam", None, None)]),
])
def test_dose_links_the_second_review_found(sentence, expected):
    doses = Extractor(with_model=False).one("Doses\n" + sentence).doses
    assert [(d.text, d.drug, d.route, d.infusion_minutes) for d in doses] == expected


@pytest.mark.parametrize("text,routes", [
    ("Esketamine\nPatients received patient-controlled intravenous analgesia with sufentanil in both groups, and "
     "intranasal esketamine 28 mg.", ["intranasal"]),
    ("Esketamine\nChildren received oral premedication with midazolam instead of esketamine.", []),
])
def test_a_premedication_without_the_study_drug_gives_no_route(text, routes):
    assert Extractor(with_model=False).one(text).routes == routes


@pytest.mark.parametrize("before,expected", [
    ("a total of 3 doses of ", None), ("up to 3 doses of ", None), ("0.5 mg/kg -> ", None),  # counts, an arrow
    ("a total dose of ", "cumulative"),
])
def test_a_qualifier_of_a_count_of_doses_is_not_the_amounts(before, expected):
    from pipeline.nlp.normalise.dose import qualifier

    assert qualifier(before) == expected


def test_a_monitoring_clause_does_not_hide_the_doses_frequency():
    doses = Extractor(with_model=False).one("Doses\nKetamine 0.5 mg/kg was infused, with vital signs monitored, "
                                            "three times weekly for 2 weeks.").doses
    assert [d.frequency for d in doses] == ["three times weekly"]


@pytest.mark.parametrize("sentence,hedged", [
    ("Ketamine was associated with an increased risk of hallucinations.", False),  # a result
    ("Esketamine showed a higher risk of dissociation than placebo.", False),
    ("Esketamine doubled the risk of nausea.", False),
])
def test_a_risk_the_drug_changed_is_a_result(sentence, hedged):
    from pipeline.nlp.context import is_hedged

    assert is_hedged(sentence) is hedged


def test_a_benefit_in_its_own_clause_after_a_loss_is_still_a_benefit():
    from pipeline.nlp.candidates import bare_modifier

    text = "Anxiety was reduced and improved mood was reported."
    s = text.index("improved mood")
    assert bare_modifier(text, (s, s + len("improved mood"), "ADVERSE_EVENT", None, {}, "model"))


@pytest.mark.parametrize("text,hours,first", [
    ("2h‐4h", 4, 2), ("one day to one week", 168, 24),  # the normaliser's own number check missed both
    ("24 h", 24, 24), ("twenty-four hours", 24, 24),
])
def test_the_normaliser_gives_every_list_its_first_time(text, hours, first):
    from pipeline.nlp.extract import Mention
    from pipeline.nlp.normalise.mention import normalise

    # the hours as the rules give them (a range the rules joined keeps its upper end)
    m = Mention("pmid:1", "1", 1, 0, None, "results", 0, len(text), text, "TIMEPOINT", None, {"hours": hours})
    normalise(m)
    assert (m.attrs["hours"], m.attrs["hours_min"]) == (pytest.approx(hours), pytest.approx(first))


def test_a_study_of_microdosers_takes_no_route_from_their_capsules():
    text = ("Microdosing psilocybin\nIn this cross-sectional study, microdosers who took capsules of dried "
            "mushrooms were compared with non-users.")
    assert Extractor(with_model=False).one(text).routes == []


@pytest.mark.parametrize("text,found", [
    ("Ketamine impaired balance early in the session, whereas triazolam impaired coordination.",
     ["impaired balance", "impaired coordination"]),
    ("Ketamine-only administration impaired response speed (two tasks) and impaired memory (p < .001).",
     ["impaired response speed", "impaired memory"]),
    ("A higher dose of ketamine produced a significant impairment in the updating of items in working memory.",
     ["impairment in the updating"]),
    ("Psilocybin-induced deficits in inhibition were measured.", ["deficits in inhibition"]),
    # not the drug as the subject: who was enrolled, a passive, the drug's users
    ("Patients with impaired memory improved after ketamine.", []),
    ("Memory was impaired in the ketamine group.", []),
    ("Ecstasy users are impaired in processing visual information.", []),
])
def test_what_a_drug_impaired_is_an_adverse_effect(text, found):
    drugs = [(h.start, h.end) for h in lexicon.combined().find_labelled(text).get("DRUG", ())]
    assert [text[h.start:h.end] for h in rules.find_impairments(text, drugs)] == found
