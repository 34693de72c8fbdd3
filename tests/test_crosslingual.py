"""Documents in several languages: language per page and region, analysis per language (stop words,
stemmer, accents, German compounds), questions translated with the FreeDict dictionaries that
`scripts/setup.sh --test` installs, and the evaluation's language pairs. Real PDFs made with PyMuPDF."""

from __future__ import annotations

import json
from pathlib import Path

import pymupdf
import pytest
from multilingual_corpus import ENGLISH, GERMAN, QUESTIONS, write_corpus, write_pdf

from pagelens import Library, Settings
from pagelens.analysis import analyze
from pagelens.eval.run import format_report, run_eval
from pagelens.lanes.text.translation import respelled
from pagelens.language import detect, page_languages

DICTD = Path("/usr/share/dictd")
NEEDED = ("freedict-eng-deu", "freedict-deu-eng", "freedict-eng-fra", "freedict-fra-eng")


@pytest.fixture(scope="module")
def dictionaries() -> Settings:
    """Settings reading Debian's FreeDict files. Their parsed tables go to the default cache, which is
    keyed by the files' sizes and times: the first run on a machine parses English-German and
    German-English (about 10 s CPU each), later runs open the tables."""
    missing = [name for name in NEEDED if not (DICTD / f"{name}.index").exists()]
    assert not missing, f"run scripts/setup.sh --test: {missing} are not installed in {DICTD}"
    return Settings(dictionaries=[str(DICTD)])


@pytest.fixture(scope="module")
def library(tmp_path_factory, dictionaries: Settings):
    folder = tmp_path_factory.mktemp("multilingual")
    where = write_corpus(folder / "docs")
    with Library(folder / "library", settings=dictionaries.replace(library=folder / "library")) as lib:
        report = lib.add([folder / "docs"])
        assert report.ok, report.files
        yield lib, where


def test_detects_the_language_of_short_texts():
    assert (
        detect("Die Wärmeleitfähigkeit eines Werkstoffs bestimmt, wie schnell ein Topfgriff heiß wird.")
        == "de"
    )
    assert detect("La lune attire les océans deux fois par jour.") == "fr"
    assert detect("Copper conducts electricity well.") == "en"
    assert detect("x = 42") == ""  # too few letters to tell


def test_every_page_knows_its_language_and_hits_show_it(library):
    lib, where = library
    assert lib._catalog.languages() == {"de": len(GERMAN), "en": len(ENGLISH), "fr": 6}
    assert {p.language for p in lib.pages("deutsch.pdf")} == {"de"}
    hits = lib.search("Honigbienen Obstbäume", k=3)
    assert (hits[0].doc, hits[0].page) == where["bienen"]
    assert hits[0].language == "de"


def test_stop_words_stemmer_and_accents_follow_the_language():
    assert analyze("Die Verteilung der Häufigkeiten", language="de") == ["verteil", "haufig"]
    assert analyze("la fréquence des éruptions", language="fr") == ["frequenc", "erupt"]
    assert analyze("frequency", language="en") == analyze("fréquence", language="fr")  # accents folded
    assert analyze("die", language="en") == ["die"]  # an English verb; German drops it as an article


def test_a_german_compound_and_an_umlaut_are_found_by_their_parts(library):
    """`Häufigkeitsverteilung` on the page; the query names its parts, one written without the umlaut."""
    lib, where = library
    hits = lib.search("Verteilung der Haufigkeit", k=3)
    assert (hits[0].doc, hits[0].page) == where["wartezeiten"]


def test_an_english_question_reaches_a_german_page_only_through_the_dictionary(library, tmp_path):
    lib, where = library
    question = "Which material conducts heat better than wood?"  # the page: Wärmeleitfähigkeit, Kupfer, Holz
    hits = lib.search(question, k=5)
    assert (hits[0].doc, hits[0].page) == where["waerme"]
    notes = lib.search_notes(question)
    assert any(note.startswith("translated into German:") and "wood → holz" in note for note in notes)

    without = lib.settings.replace(library=lib.path, dictionaries=[str(tmp_path)])
    lib.close()
    try:
        with Library(lib.path, settings=without) as bare:
            hits = bare.search(question, k=5)
            assert (hits[0].doc, hits[0].page) != where["waerme"]
            missing = "no English–German dictionary installed: install dict-freedict-eng-deu (or dict-freedict-deu-eng)"
            assert missing in bare.search_notes(question)
            steps = bare.ask(question).steps
            assert any(step.kind == "search" and missing in step.detail for step in steps)
    finally:
        lib.__init__(lib.path, settings=lib.settings)  # reopen for the module's other tests


def test_a_german_compound_the_dictionary_lacks_is_translated_by_its_parts(library):
    """The words "Imkerausrüstung" and "Handyfotos" are in no German-English dictionary entry; their parts are
    ("Imker" beekeeper, "Ausrüstung" equipment; "Handy", "Fotos"), so a German question with them reaches
    the English page on beekeeping equipment and the one on phone photos (without the split: the German
    page on bees, a French page)."""
    lib, where = library
    for question, page, part in [
        ("Was kostet eine Imkerausrüstung?", "beekeeping", "imkerausrüstung (imker) → apiarist"),
        ("Wie sichere ich meine Handyfotos?", "photos", "handyfotos (fotos) → pictur"),
    ]:
        hits = lib.search(question, k=5)
        assert (hits[0].doc, hits[0].page) == where[page], (question, hits[:2])
        assert any(part in note for note in lib.search_notes(question)), lib.search_notes(question)


def test_questions_in_every_direction_find_their_page(library):
    lib, where = library
    first = {q.text: (hits[0].doc, hits[0].page) for q in QUESTIONS for hits in [lib.search(q.text, k=5)]}
    right = [q.text for q in QUESTIONS if first[q.text] == where[q.page]]
    assert len(right) >= len(QUESTIONS) - 2, set(first) - set(right)
    german_question = "Wie werden Briefe in der Post sortiert?"
    assert first[german_question] == where["post"]


def test_a_page_mixing_two_languages(tmp_path, dictionaries):
    german = (
        "Die Sicherung der Datenbank wird jede Nacht erstellt. Zur Wiederherstellung spielt man zuerst "
        "die letzte vollständige Sicherung ein und danach das Protokoll."
    )
    english = (
        "Summary: the database is backed up every night; to restore it, load the last full backup and "
        "then replay the log up to the chosen moment."
    )
    languages = page_languages(german + "\n" + english, [german, english])
    assert languages.page in {"de", "en"} and set(languages.regions) == {"", "de", "en"} - {languages.page}

    doc = pymupdf.open()
    page = doc.new_page(width=420, height=595)
    page.insert_textbox(pymupdf.Rect(40, 40, 380, 250), german, fontsize=11, fontname="helv")
    page.insert_textbox(pymupdf.Rect(40, 300, 380, 560), english, fontsize=11, fontname="helv")
    doc.save(tmp_path / "mixed.pdf")
    write_pdf(tmp_path / "other.pdf", [ENGLISH["photos"], GERMAN["miete"]])
    settings = dictionaries.replace(library=tmp_path / "lib")
    with Library(tmp_path / "lib", settings=settings) as lib:
        assert lib.add([tmp_path / "mixed.pdf", tmp_path / "other.pdf"]).ok
        stored = lib.pages("mixed.pdf")[0]
        assert sorted(stored.languages) == ["de", "en"]
        assert {r.language for r in stored.regions} == {"", ({"de", "en"} - {stored.language}).pop()}
        for question in ("replay the log after the last full backup", "letzte vollständige Sicherung"):
            hit = lib.search(question, k=1)[0]
            assert (hit.doc, hit.page) == ("mixed.pdf", 1), question
        assert lib.search("replay the log after the last full backup", k=1)[0].region_language == "en"


def test_eval_reports_crosslingual_queries_per_language_pair(tmp_path, dictionaries):
    where = write_corpus(tmp_path / "set" / "docs")
    with (tmp_path / "set" / "queries.jsonl").open("w", encoding="utf-8") as out:
        for n, q in enumerate(QUESTIONS[:3] + QUESTIONS[8:10]):
            doc, page = where[q.page]
            record = {
                "qid": f"q{n}",
                "query": q.text,
                "gold": [{"doc": doc, "page": page}],
                "type": "crosslingual",
            }
            out.write(json.dumps(record) + "\n")
    report = run_eval(tmp_path / "set", settings=dictionaries, library_dir=tmp_path / "lib", progress=False)
    assert report.language_pair_counts == {"en->de": 3, "en->fr": 2}
    assert report.by_language_pair["en->de"]["ndcg@5"] > 0.5
    assert "  en->de" in format_report(report)


def test_the_app_shows_a_hit_s_and_a_page_s_language(library):
    from pagelens.ui.present import hits_html
    from pagelens.ui.viewer import ViewerState, viewer_html

    lib, where = library
    question = "Which fruit trees do honey bees pollinate?"
    hits = lib.search(question, k=3)
    assert '<span class="pl-hit-lang">German</span>' in hits_html(hits, question, show_lanes=False)
    doc, page = where["bienen"]
    assert "Text of this page (in German)" in viewer_html(lib, ViewerState(doc=doc, page=page))


def test_answers_quote_a_page_in_another_language_and_say_which(library):
    """An English question answered from a German page, a German one from an English page: the quote is
    the page's own text, its label followed by the page's language."""
    lib, where = library
    answer = lib.ask("Which material conducts heat better than wood?")
    assert answer.answerable
    assert (answer.citations[0].doc, answer.citations[0].page) == where["waerme"]
    assert "Kupfer leitet Wärme" in answer.text and "[deutsch.pdf p.2] (German)" in answer.text
    answer = lib.ask("Wie werden Briefe in der Post sortiert?")
    assert answer.answerable
    assert (answer.citations[0].doc, answer.citations[0].page) == where["post"]
    assert "Letters are sorted by postcode" in answer.text and "(English)" in answer.text


def test_the_answer_type_asked_is_found_in_a_page_in_another_language(library):
    """A time asked in English and given in French ("au mois de mars") is found through the words'
    translations: the French page is not judged as lacking the answer asked for, and it answers."""
    lib, where = library
    answer = lib.ask("When does the municipal council vote on the budget?")
    assert answer.answerable and "answer_type" not in {g.kind for g in answer.gaps}, answer.gaps
    assert (answer.citations[0].doc, answer.citations[0].page) == where["impots"]
    assert "au mois de mars" in answer.text


def test_a_passage_in_another_language_is_compared_with_the_question_through_its_translations(dictionaries):
    """wordllama compares English with English: a German sentence scores with an English question as an
    unrelated one does, unless it is read through its words' translations."""
    from pagelens.bilingual import dictionaries as installed
    from pagelens.rag.extractive import glosser, unit_similarity
    from pagelens.rag.units import page_units
    from pagelens.types import Region

    answer, other = "Alte Sicherungen werden nach vierzehn Tagen gelöscht.", "Der Drucker steht im Keller."
    structure = page_units([Region("text", (0, 0, 1, 1), answer), Region("text", (0, 2, 1, 3), other)])
    question = "After how many days are old backups deleted?"
    plain = unit_similarity(question, [structure])
    read = unit_similarity(question, [structure], ["de"], glosser("en", installed(dictionaries)))
    assert read[answer] > plain[answer] + 0.2 and read[answer] > read[other] + 0.2, (plain, read)


def test_a_library_made_before_languages_gets_them_when_its_text_lane_re_indexes(tmp_path, dictionaries):
    """An older library: no languages in its catalog and a text lane of analyzer version 3. Opening it
    re-indexes the lane from the stored pages, detects their languages and keeps them in the catalog, so
    questions are translated and hits show their language."""
    import sqlite3

    write_pdf(tmp_path / "de.pdf", [GERMAN["waerme"], GERMAN["bienen"]])
    write_pdf(tmp_path / "en.pdf", [ENGLISH["wiring"], ENGLISH["moon"]])
    settings = dictionaries.replace(library=tmp_path / "lib")
    with Library(tmp_path / "lib", settings=settings) as lib:
        assert lib.add([tmp_path / "de.pdf", tmp_path / "en.pdf"]).ok
    with sqlite3.connect(tmp_path / "lib" / "catalog.sqlite") as db:
        db.execute("UPDATE pages SET language = ''")
        spec = json.loads(db.execute("SELECT spec FROM lanes WHERE name = 'text'").fetchone()[0])
        db.execute("UPDATE lanes SET spec = ? WHERE name = 'text'", (json.dumps({**spec, "analyzer": "3"}),))
    with Library(tmp_path / "lib", settings=settings) as lib:
        assert lib._catalog.languages() == {"de": 2, "en": 2}
        hit = lib.search("Which material conducts heat better than wood?", k=1)[0]
        assert (hit.doc, hit.page, hit.language) == ("de.pdf", 1, "de")


def test_a_passage_holds_the_question_words_it_translates(dictionaries):
    """The dictionaries are not symmetric: German "sendende" glosses as "air, beam, broadcast", while
    English "send" translates to "sendend". A German passage holds the English question's "send" when it
    holds one of that word's translations, and holds nothing the question does not ask."""
    from pagelens.bilingual import dictionaries as installed
    from pagelens.rag.extractive import glosser

    passage = "Mit --stop wird das an den Prozess zu sendende Signal spezifiziert."
    question = "Which signal does the daemon send when it stops?"
    assert "send" not in glosser("en", installed(dictionaries))(passage, "de")
    read = glosser("en", installed(dictionaries), question)(passage, "de")
    assert "send" in read and "daemon" not in read, read


def test_a_number_written_as_a_word_of_the_page_s_language_is_a_number(dictionaries):
    """ "zwei" glosses as "bi, deuce, twain" (the three senses of four that sort first): read as its digits,
    the German passage holds the number of seconds the English question asks for."""
    from pagelens.bilingual import dictionaries as installed
    from pagelens.number_words import number_of
    from pagelens.rag.answer_kind import AnswerKind
    from pagelens.rag.extractive import glossed, glosser

    question = "How many seconds does the command wait between runs?"
    read = glossed(
        "Der Befehl wartet zwischen den Läufen zwei Sekunden.",
        "de",
        glosser("en", installed(dictionaries), question),
    )
    assert "zwei/2/" in read and AnswerKind.of(question).gaps(read) == [], read
    assert (number_of("Vierzehn,", "de"), number_of("cinquante", "fr"), number_of("ein", "de")) == (
        "14",
        "50",
        "",
    )


def test_a_question_word_spelled_like_a_word_of_the_passage_is_held(dictionaries):
    """No FreeDict dictionary pairs English "default" with French "par défaut" (fra-eng glosses "défaut" as
    "damage, absence, lack"): spelled alike, the words are one (cognate), and the French passage holds the
    question's "default"; a word spelled otherwise ("error", "erreur") is left to the dictionaries."""
    from pagelens.bilingual import dictionaries as installed
    from pagelens.lanes.text.translation import cognate
    from pagelens.rag.extractive import glosser

    passage = "Le nombre d'erreurs est par défaut de 50."
    question = "After how many errors does the program stop by default?"
    assert "default" not in glosser("en", installed(dictionaries))(passage, "fr")
    assert "default" in glosser("en", installed(dictionaries), question)(passage, "fr")
    assert cognate("interv", "intervall") and not cognate("error", "erreur") and not cognate("file", "fil")


def test_a_default_named_by_a_rare_sense_of_a_word_of_the_page_is_read(dictionaries):
    """German "Vorgabe" is "default" in one of its 18 senses, and "default" is "Vorgabe" in one of its 21,
    so neither direction's most given translations pair them ("Vorgabe" glosses as "allow, object,
    requirement"). Each naming the other, the words are one meaning (translation.mutual): the answer-kind
    check reads the German sentence as stating the default the English question asks for, and the
    question is answered from it. A translation that German-English does not give back as "default"
    ("säumig", of "säumig werden") does not stand for it."""
    from pagelens.bilingual import dictionaries as installed
    from pagelens.lanes.text.translation import translations
    from pagelens.rag.answer_kind import AnswerKind
    from pagelens.rag.extractive import glossed, glosser

    question = "How long does the daemon wait for the disk by default?"
    found = translations(question, "en", "de", installed(dictionaries), max_terms=4, every=True)
    assert "vorgab" in found["default"] and "saumig" not in found["default"]
    assert "vorgab" not in translations(question, "en", "de", installed(dictionaries), max_terms=4)["default"]
    read = glossed("Die Vorgabe ist 45 Sekunden.", "de", glosser("en", installed(dictionaries), question))
    assert "Vorgabe/" in read and "default" in read and AnswerKind.of(question).gaps(read) == [], read


def _ask_pages(tmp_path, dictionaries, name: str, pages: list[str], question: str):
    """The answer to `question` from a library holding one PDF, `name`, of these pages' texts."""
    docs = tmp_path / "docs"
    docs.mkdir()
    write_pdf(docs / name, pages)
    settings = dictionaries.replace(library=tmp_path / "library")
    with Library(tmp_path / "library", settings=settings) as lib:
        assert lib.add([docs]).ok
        return lib.ask(question)


def test_a_german_page_stating_a_default_as_vorgabe_answers(tmp_path, dictionaries):
    """End to end: a German manual page whose option's default is written "Die Vorgabe ist 45 Sekunden."
    answers the English question for that default, citing the page, where the page's best passage lacked
    a default before and the answer was abstained on (confidence under 0.1)."""
    answer = _ask_pages(
        tmp_path,
        dictionaries,
        "flushd.de.pdf",
        [
            "flushd(8)\nflushd schreibt gepufferte Daten regelmäßig auf die Festplatte und prüft, ob die "
            "Festplatte jeden Schreibvorgang bestätigt.\n--sync-timeout Sekunden\nSetzt die Zeit, die "
            "flushd auf die Bestätigung der Festplatte wartet. Die Vorgabe ist 45 Sekunden. Wird diese Zeit "
            "überschritten, bricht flushd den Schreibvorgang mit einem Fehler ab.\n--quiet\nUnterdrückt "
            "alle Meldungen von flushd.",
            "flushd(8)\nDateien\n/etc/flushd.conf enthält die Einstellungen von flushd, eine Zeile je "
            "Einstellung. Kommentare beginnen mit einem Doppelkreuz.",
        ],
        "How long does flushd wait for the disk's confirmation by default?",
    )
    assert answer.answerable and "45" in answer.text, (answer.confidence, answer.text)
    assert [(c.doc, c.page) for c in answer.citations][:1] == [("flushd.de.pdf", 1)]


def test_a_french_default_a_few_small_words_from_its_subject_is_near_it(dictionaries):
    """French says in 16 words what English says in 12 ("Modifie le nombre d'erreurs au delà duquel frobd
    s'arrête. Il est par défaut égal à 50."): counted in all its words, "défaut" and "50" are 9 and 12 words
    from "erreurs", past `near_words` 8; counted without the page's stop words (le, au, duquel, il, est,
    par, à), 5 and 7. The English question's default and number are found beside its subject."""
    from pagelens.analysis import stopwords
    from pagelens.bilingual import dictionaries as installed
    from pagelens.rag.answer_kind import AnswerKind
    from pagelens.rag.extractive import glossed, glosser

    question = "After how many errors does frobd stop by default?"
    text = "Modifie le nombre d’erreurs au delà duquel frobd s’arrête. Il est par défaut égal à 50."
    read = glossed(text, "fr", glosser("en", installed(dictionaries), question))
    kind = AnswerKind.of(question)
    assert [g.kind for g in kind.gaps(read, text)] == ["number", "default"], read
    assert kind.gaps(read, text, stopwords("fr")) == [], read
    # English words are all counted: a question about an English page is read as before
    english = (
        "Changes the number of errors after which the program and all of its many helpers stop at once; 50."
    )
    assert [g.kind for g in kind.gaps(english, english, frozenset())] == ["number", "default"]


def test_a_french_page_stating_a_default_in_more_words_answers(tmp_path, dictionaries):
    """End to end: the French option's default stated two sentences on, in French's longer wording, answers
    the English question, citing the page (abstained on before: number and default gaps)."""
    answer = _ask_pages(
        tmp_path,
        dictionaries,
        "frobd.fr.pdf",
        [
            "frobd(8)\nfrobd vérifie les paquets installés et signale chaque erreur qu’il trouve.\n"
            "--max-erreurs=nombre\nModifie le nombre d’erreurs au delà duquel frobd s’arrête. Il est par "
            "défaut égal à 50.\n--silencieux\nN’affiche aucun message.",
            "frobd(8)\nFichiers\n/etc/frobd.conf contient les réglages de frobd, un par ligne.",
        ],
        "After how many errors does frobd stop by default?",
    )
    assert answer.answerable and "50" in answer.text, (answer.confidence, answer.text)
    assert [(c.doc, c.page) for c in answer.citations][:1] == [("frobd.fr.pdf", 1)]


def test_a_question_word_is_also_stemmed_as_the_page_s_language_stems_it():
    """A name written alike in both languages is cut differently by each stemmer: the question's own words,
    stemmed as a French page indexes them, are its alternatives (a stem both cut alike is no pair)."""
    assert respelled("What does pinger show for each machine in /home?", "en", "fr") == [
        ("pinger", "ping"),
        ("home", "hom"),
    ]
    assert respelled("Where is sources.list.d?", "en", "fr") == []  # a token whole: its parts are not


def test_a_name_on_a_french_page_is_found_as_french_stems_it(tmp_path, dictionaries):
    """`pinger` is `ping` on a French page and `pinger` in the English question: without the question's
    words stemmed as French stems them, an English page on the same topic leads; with them, the French
    page that names the command does, and a page holding both forms counts the word once."""
    docs = tmp_path / "docs"
    docs.mkdir()
    write_pdf(
        docs / "outils.fr.pdf",
        [
            "pinger(1)\npinger envoie un paquet à chaque machine du réseau et affiche le temps de réponse "
            "de chacune. La liste des machines est lue dans /etc/pinger.conf.",
            "sauvegarde(8)\nLe démon copie chaque nuit les répertoires des utilisateurs vers le serveur de "
            "sauvegarde.",
        ],
    )
    write_pdf(
        docs / "notes.pdf",
        [
            "Network monitoring\nA monitoring tool sends a packet to each machine on the network and shows "
            "how long each machine takes to answer.",
            "Backups\nThe backup daemon copies every user's folders to the backup server each night.",
        ],
    )
    question = "What does pinger show for each machine?"
    firsts = []
    for weight in (1.0, 0.0):
        folder = tmp_path / f"library-{weight}"
        settings = dictionaries.replace(library=folder, text_params={"translation_respelled_weight": weight})
        with Library(folder, settings=settings) as lib:
            assert lib.add([docs]).ok
            hit = lib.search(question, k=1)[0]
            firsts.append((hit.doc, hit.page))
    assert firsts == [("outils.fr.pdf", 1), ("notes.pdf", 1)]
