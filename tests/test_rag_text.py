"""The answer loop's pure parts: follow-up rewriting, decomposition, citation labels, sentence scoring."""

from __future__ import annotations

from pagelens.analysis import CorpusStats
from pagelens.rag.citations import find_labels, normalise_label, scan_labels, strip_labels
from pagelens.rag.evidence import EvidencePage
from pagelens.rag.extractive import judge_page, lead_of, quote_of
from pagelens.rag.lexical import initialisms, question_terms, sentences
from pagelens.rag.question import QuestionTerms, analyse
from pagelens.rag.rewrite import decompose, message_text, rewrite, split_place

HISTORY = [
    {"role": "user", "content": "Which page shows a colour image with a vertical colour bar labelled A?"},
    {"role": "assistant", "content": "The image with its colour bar [asymptote-modules.pdf p.41]."},
]


def test_next_page_follow_up_points_at_the_page_after_the_last_citation():
    turn = rewrite("and on the next page?", HISTORY)
    assert turn.follow_up
    assert [(a.doc, a.page) for a in turn.anchor_pages] == [("asymptote-modules.pdf", 42)]
    assert "colour" in turn.query and "image" in turn.query
    assert turn.cited_docs == ["asymptote-modules.pdf"]


def test_previous_page_follow_up():
    turn = rewrite("What is on the previous page?", HISTORY)
    assert [(a.doc, a.page) for a in turn.anchor_pages] == [("asymptote-modules.pdf", 40)]


def test_pronoun_follow_up_carries_the_topic_of_the_previous_question():
    turn = rewrite("what about its colour bar?", HISTORY)
    assert turn.follow_up and not turn.anchor_pages
    assert turn.query.startswith("its colour bar") and "image" in turn.carried_terms


def test_a_longer_turn_with_a_possessive_pronoun_is_a_follow_up():
    turn = rewrite("what kind of axis is on its right-hand side?", HISTORY)
    assert turn.follow_up and "colour" in turn.query


def test_a_pronoun_after_a_place_the_chat_never_named_points_inside_the_turn():
    stats = CorpusStats.from_texts(["colour image bar", "python list column sort", "that case"])
    question = "In Python, how do I sort a list by its second column?"
    assert not rewrite(question, HISTORY, stats.idf).follow_up
    # a place the last exchange names, or one that points back itself, keeps the pronoun pointing back
    assert rewrite("In the colour bar, what is its top value?", HISTORY, stats.idf).follow_up
    assert rewrite("In that case, how do I change its width?", HISTORY, stats.idf).follow_up


def test_a_self_contained_question_is_left_alone_even_with_history():
    question = "Which R function imports a Minitab Portable Worksheet?"
    turn = rewrite(question, HISTORY)
    assert not turn.follow_up and turn.query == question


def test_an_opener_before_a_question_with_its_own_subject_starts_a_new_topic():
    question = "And what does value() return for an undefined variable?"
    turn = rewrite(question, HISTORY)
    assert not turn.follow_up and turn.query == question
    assert rewrite("and what about the colour bar?", HISTORY).follow_up


def test_a_first_turn_is_never_a_follow_up():
    assert not rewrite("and on the next page?", []).follow_up


def test_after_an_abstention_a_follow_up_keeps_the_pages_of_its_topic():
    history = [
        *HISTORY,
        {"role": "user", "content": "What does its colour bar stand for?"},
        {"role": "assistant", "content": "The library does not answer this question."},
    ]
    turn = rewrite("Where can I download their code?", history)
    assert turn.follow_up and turn.cited_docs == ["asymptote-modules.pdf"]
    new_topic = "Which R function imports a Minitab Portable Worksheet?"
    switched = [
        *history,
        {"role": "user", "content": new_topic},
        {"role": "assistant", "content": "The library does not answer this question."},
    ]
    assert rewrite("And where can I download their code?", switched).cited_pages == []  # a new topic resets


def test_a_follow_up_reconsiders_the_pages_of_the_document_the_last_answer_led_with():
    history = [
        {"role": "user", "content": "How do I compute a binomial coefficient in Maxima?"},
        {
            "role": "assistant",
            "content": "binomial (x, y) [maxima-combinatorics.html p.1]\n"
            '- "the first argument of the distribution function" [r-intro.pdf p.72]\n'
            '- "binomial (11, 7)" [maxima-combinatorics.html p.2]',
        },
    ]
    turn = rewrite("And what does it give for 11 and 7?", history)
    assert turn.follow_up and len(turn.cited_pages) == 3
    assert [(a.doc, a.page) for a in turn.topic_pages] == [
        ("maxima-combinatorics.html", 1),
        ("maxima-combinatorics.html", 2),
    ]  # not the quote from another document that shared a word of the question
    assert turn.cited_docs == ["maxima-combinatorics.html"]


def test_a_follow_up_keeps_the_focus_unless_it_puts_a_new_thing_in_its_place():
    idf = {"whatev": 5.0, "platform": 4.5, "graphic": 2.0, "devic": 2.5}.get  # by stem
    history = [
        {"role": "user", "content": "Which single R command opens a new graphics device, whatever platform?"},
        {"role": "assistant", "content": "dev.new() opens a new graphics device [r-intro.pdf p.74]."},
    ]
    turn = rewrite("How do I close it?", history, lambda t: idf(t, 1.0))
    assert turn.follow_up and turn.focus == ["whatever", "platform"]  # the question's rarest words
    spss = [
        {"role": "user", "content": "Which R function reads SPSS files?"},
        {"role": "assistant", "content": "read.spss reads SPSS files [r-data.pdf p.1]."},
    ]
    switched = rewrite("What about Stata files?", spss, lambda t: {"spss": 5.0, "stata": 5.0}.get(t, 1.0))
    assert "Stata" in switched.focus and "SPSS" in switched.replaced and "SPSS" not in switched.query


def test_the_place_a_question_names_is_where_to_look_not_what_is_asked():
    assert split_place("What does LD50 mean in the R introduction's eye-disease example?") == (
        "What does LD50 mean",
        "in the R introduction's eye-disease example?",
    )
    assert split_place("In the SNP talk, what do the rows stand for?") == (
        "what do the rows stand for?",
        "In the SNP talk",
    )
    for whole in [
        "How would I make that line red and dotted, as in the manual's marker example?",
        "How do I arrange six plots on one page in 3 rows?",
        "In what order are levels stored?",
    ]:
        assert split_place(whole) == (whole, "")
    stats = CorpusStats.from_texts(
        ["LD50 is the dose at which half die.", "The eye disease example data.", "filler words only"]
    )
    asked, place = split_place("What does LD50 mean in the eye disease example?")
    question = QuestionTerms.of(asked, stats, [place])
    assert question.focus() == ["ld50"] and question.weights["eye"] < question.weights["ld50"]


def test_question_terms_read_meta_words_as_written_and_what_does_x_mean():
    assert question_terms("According to the presentation, which function gives the present value?") == [
        "function",
        "present",
        "valu",
    ]
    assert question_terms("What does LD50 mean in the eye example?") == ["ld50", "eye", "exampl"]
    assert "mean" in question_terms("What does the mean function return?")


def test_message_content_may_be_a_list_of_parts():
    message = {"role": "user", "content": [{"type": "text", "text": "hello"}, {"path": "x.png"}, "world"]}
    assert message_text(message) == "hello  world"


def test_decompose_splits_clauses_and_keeps_the_shared_context():
    parts = decompose(
        "In the R introduction's eruptions example, what bin boundaries are used for the "
        "histogram, and what does the Shapiro-Wilk test say?"
    )
    assert len(parts) == 2
    assert all(p.startswith("In the R introduction's eruptions example") for p in parts)


def test_decompose_compare_numbered_and_several_questions():
    assert decompose("Compare sink() and capture.output() in R") == ["sink() in R", "capture.output() in R"]
    assert decompose("Tell me: 1) what rand(-1) does 2) what lambertw computes") == [
        "Tell me: what rand(-1) does",
        "Tell me: what lambertw computes",
    ]
    assert decompose("What is gnuplot? How do I reset rand?") == [
        "What is gnuplot?",
        "How do I reset rand? (gnuplot)",  # the first part's words it lacks, as context (parts_of)
    ]


def test_decompose_since_when_and_versus():
    assert decompose("What is a PID file, and since when does it exist?") == [
        "What is a PID file",
        "since when does it exist? (PID file)",
    ]
    assert decompose("What is a PID file? And since when?") == [
        "What is a PID file?",
        "And since when? (PID file)",
    ]
    assert decompose("PID files vs lock files?") == ["PID files", "lock files"]
    assert decompose("gzip versus bzip2: which compresses better?") == [
        "gzip which compresses better",
        "bzip2 which compresses better",
    ]
    assert decompose("Which is faster, gzip vs. bzip2?") == ["Which is faster gzip", "Which is faster bzip2"]
    clause = "How does R compare 1 vs 2 digit version numbers?"  # 'vs' inside a clause, not two names
    assert decompose(clause) == [clause]


def test_a_leaning_second_part_borrows_the_first_parts_words():
    parts = decompose("Which gnuplot time function gives the ISO week number, and what range does it return?")
    assert len(parts) == 2 and "gnuplot" in parts[1]


def test_a_single_question_with_and_is_not_split():
    question = "How do I send everything R prints to a file, and then get the output back on screen?"
    assert decompose(question) == [question]


def test_citation_labels_in_several_spellings():
    labels = find_labels("See [r-intro.pdf p.12], [gnuplot.pdf, page 3; a b.pdf p. 4] and [not a label].")
    assert [(d, p) for d, p, _ in labels] == [("r-intro.pdf", 12), ("gnuplot.pdf", 3), ("a b.pdf", 4)]


def test_labels_of_pages_not_shown_are_separated_and_can_be_stripped():
    reply = "Use sink [r-intro.pdf p.12] or [made-up.pdf p.7]."
    scan = scan_labels(reply, {normalise_label("R-Intro.pdf", 12)})
    assert scan.valid == ["r-intro.pdf|12"] and scan.unknown == ["[made-up.pdf p.7]"]
    assert strip_labels(reply, scan.unknown) == "Use sink [r-intro.pdf p.12] or ."


def test_sentences_join_wrapped_lines_and_split_bullets():
    text = "The first sentence\nwraps here. Second one!\n\n• bullet one\n• bullet two"
    assert sentences(text) == [
        "The first sentence wraps here.",
        "Second one!",
        "• bullet one",
        "• bullet two",
    ]


def _page(text: str, page: int) -> EvidencePage:
    return EvidencePage(doc="d.pdf", page=page, doc_id="x", text=text, image_path="")


def test_the_sentence_answering_the_question_wins_and_absent_words_lower_confidence():
    answering = _page(
        "Plots are drawn with plot. The rand(-1) call resets both seeds to their standard "
        "values. Other text follows.",
        1,
    )
    unrelated = _page("Histograms use hist. Colours come from palettes.", 2)
    stats = CorpusStats.from_texts([answering.text, unrelated.text, "filler words only"])
    question = QuestionTerms.of("How do I reset both seeds of rand to their standard value?", stats)
    good, bad = judge_page(question, answering), judge_page(question, unrelated)
    assert "rand(-1)" in good.best.text
    assert good.confidence > 0.8 > 0.2 > bad.confidence
    partial = QuestionTerms.of("How do I reset the seeds of the xoshiro generator in writexl?", stats)
    assert judge_page(partial, answering).confidence < good.confidence


def _kinds(judgement) -> set[str]:
    return {gap.kind for gap in judgement.gaps}


def test_the_judge_names_the_kind_of_answer_the_best_passage_lacks():
    documented = _page(
        "The --max-ppsize option sets the pointer protection stack. Its default is 50000 "
        "locations. Command-line options are read at startup. Environment variables are read "
        "later. The --max-vsize option limits the vector heap.",
        1,
    )
    stats = CorpusStats.from_texts([documented.text, "filler words only", "more filler text"])
    asked = QuestionTerms.of("What is the default value of the --max-ppsize option?", stats)
    near_miss = QuestionTerms.of("What is the default value of the --max-vsize option?", stats)
    answered, missed = judge_page(asked, documented), judge_page(near_miss, documented)
    assert answered.gaps == [] and "50000" in lead_of(answered.best)
    assert _kinds(missed) <= {"number", "default", "focus"} and missed.gaps
    assert missed.confidence < answered.confidence
    signature = _page("pen[] Rainbow(int NColors=32766) a rainbow spectrum", 1)
    stats = CorpusStats.from_texts([signature.text, "filler words only"])
    colors = QuestionTerms.of("How many colors does Rainbow use by default?", stats)
    assert judge_page(colors, signature).gaps == []


def test_a_passage_that_points_back_carries_what_it_points_to():
    referent = "Type set size 0.5, 0.5 and then set term png size 600, 400 and set output before you plot it."
    page = _page(
        f"Scale values less than 1 shrink the plot.\n\n{referent}\n\n"
        "These commands produce an output file that is 600 pixels wide and 400 pixels tall.\n\n"
        "The plot fills a quarter of it.",
        1,
    )
    stats = CorpusStats.from_texts([page.text, "filler words only", "more filler text"])
    judged = judge_page(
        QuestionTerms.of("How do I get an output file 600 pixels wide and 400 tall?", stats), page
    )
    assert judged.best.text.startswith("These commands")
    assert len(referent) > 90 and quote_of(judged.best).startswith(f"{referent} These commands")


def test_a_name_the_question_spells_out_finds_its_abbreviation():
    assert {"npv", "irr"} <= initialisms("Is the net present value or the internal rate of return better?")
    assert "hdi" not in initialisms("How do I compute it?")  # question words spell nothing
    page = _page(
        "Function: irr (val,IO)\n\nIRR is the rate which makes the Net Present Value zero. val is a "
        "list of varying cash flows.\n\nFunction: npv (rate,val)\n\nCalculates the present value of "
        "a value series. val is a list of varying cash flows.",
        1,
    )
    stats = CorpusStats.from_texts([page.text, "filler words only", "more filler text"])
    asked = QuestionTerms.of("How do I compute the net present value of a series of cash flows?", stats)
    assert judge_page(asked, page).best.subject.startswith("Function: npv")


def test_a_lead_stops_at_the_next_entry_of_a_reference():
    page = _page(
        "Function: pv (rate,FV,num)\n\nWe can calculate the present value of a future one.\n\n"
        "(%i1) pv(0.12,1000,3);\n\nFunction: annuity_fv (rate,FV,num)\n\nThe annuity of a future value.",
        1,
    )
    stats = CorpusStats.from_texts([page.text, "filler words only", "more filler text"])
    judged = judge_page(
        QuestionTerms.of("How do I calculate the present value of a future one?", stats), page
    )
    lead = lead_of(judged.best)
    assert lead.startswith("Function: pv (rate,FV,num) — We can calculate") and "pv(0.12,1000,3)" in lead
    assert "annuity_fv" not in lead


def test_near_misses_lack_the_number_or_default_asked_about():
    page = _page(
        "Welch Two Sample t-test data: A and B. 95 percent confidence interval: 0.0138 0.0702. "
        "By default, ctable generates a table float; the caption stays on top. "
        "In 70% of the blocks a perfect path phylogeny is possible. Australia has eight states and "
        "territories. The rand() function produces pseudo-random numbers between 0 and 1. "
        "Optimal partitions can be computed in polynomial time.",
        1,
    )
    stats = CorpusStats.from_texts([page.text, "filler words only", "more filler text"])

    def kinds(question: str) -> set[str]:
        return _kinds(judge_page(QuestionTerms.of(question, stats), page))

    assert "stated_number" in kinds("What is the 99% confidence interval of the t-test on A and B?")
    assert "stated_number" not in kinds("What is the 95% confidence interval of the t-test on A and B?")
    assert "number" in kinds("How many blocks were examined to arrive at the 70% figure?")
    assert "number" not in kinds("How many states and territories does Australia have?")
    assert "number" in kinds("What is the period of the rand() generator's pseudo-random numbers?")
    assert "default" in kinds("What table width does ctable use by default when I don't set the width?")
    assert "default" not in kinds("What float does ctable generate by default?")
    # a place ("where can I download X?") is an answer type of question.py, checked by rag/abstain.py


def test_a_number_the_question_states_is_on_a_page_that_states_a_range_holding_it():
    """ "Stata 14" is on a page that says "versions 13 and later" or "versions 10 to 15" (a range holds it),
    not on one whose range ends before it or that names another version alone."""
    stats = CorpusStats.from_texts(["Stata files", "filler words only", "more filler text"])
    question = QuestionTerms.of("What reads files from Stata 14?", stats)
    for text, holds in (
        ("For Stata versions 13 and later see the package haven.", True),
        ("Files from Stata versions 10 to 15 are read by read_dta.", True),
        ("Files from versions 5 up to 12 of Stata are read by read.dta.", False),
        ("Files from Stata 12 are read by read.dta.", False),
    ):
        found = "stated_number" in _kinds(judge_page(question, _page(text, 1)))
        assert found is not holds, text


def test_a_page_without_the_questions_rarest_words_near_its_best_passage_is_a_focus_gap():
    page = _page("The workshop on algorithms took place in 2006. Many talks were given. It met in Zurich.", 1)
    stats = CorpusStats.from_texts(
        [page.text, "filler words only", "award ceremony for the best paper", "more filler text"]
    )
    award = QuestionTerms.of("Which paper won the best paper award at the 2006 workshop?", stats)
    asked = judge_page(award, page)
    assert "focus" in _kinds(asked)
    answered = judge_page(QuestionTerms.of("Where was the 2006 workshop on algorithms?", stats), page)
    assert "focus" not in _kinds(answered) and answered.confidence > asked.confidence


def test_a_name_no_page_mentions_is_a_gap_on_every_page():
    page = _page(
        "The finance package computes the net present value with npv and the internal rate of "
        "return with irr.",
        1,
    )
    stats = CorpusStats.from_texts([page.text, "filler words only"])
    known = judge_page(
        QuestionTerms.of("Which function of the finance package computes the IRR?", stats), page
    )
    unknown = judge_page(
        QuestionTerms.of("Which function of the finance package computes the MIRR?", stats), page
    )
    assert known.gaps == []
    assert "MIRR (no page mentions it)" in [gap.what for gap in unknown.gaps]
    assert unknown.confidence < 0.5 * known.confidence
    asked = "How do I write a table with write_xlsx()?"
    assert QuestionTerms.of(asked, stats).unknown == ["write_xlsx()"]
    named = CorpusStats.from_texts([page.text, "filler words only"], names=["write_xlsx-manual.pdf"])
    assert QuestionTerms.of(asked, named).unknown == []


def test_answer_kind_reads_numbers_defaults_names_and_subjects_from_the_question():
    from pagelens.rag.answer_kind import AnswerKind

    kind = AnswerKind.of("If I call density() without passing bw, what bandwidth is used?")
    assert kind.default and not kind.number and kind.names == ("density()",)
    assert kind.subject == ("bw", "bandwidth")
    assert kind.gaps("density(x, bw = 'SJ') by default") == []
    assert [gap.what for gap in kind.gaps("density(x, bw = 'SJ')")] == ["a default value of bw/bandwidth"]
    kind = AnswerKind.of("How many pixels wide is the png terminal's image?")
    assert kind.number and not kind.default and kind.subject == ("wide",)
    assert AnswerKind.of("In what year, after 1990 and before 2006, was it made?").stated == ("1990", "2006")
    assert AnswerKind.of("What are the thicknesses of \\toprule and \\midrule in booktabs?").names == (
        "\\toprule",
        "\\midrule",
    )
    assert AnswerKind.of("Which Asymptote module draws Venn diagrams?").names == ("Asymptote", "Venn")


def test_a_fragment_or_a_word_that_presupposes_the_last_turn_makes_a_follow_up():
    for question in (
        "And if the first argument given to the command is a symbol, as in x and 7?",  # a clause, no main one
        "What about a two by two arrangement of the figures instead?",
        "Can I point the program at a differently named settings file instead?",
        "How many colours does the Rainbow one use by default?",
    ):
        assert rewrite(question, HISTORY).follow_up, question
    for question in (
        "How do I make ctable produce a figure float instead of a table float?",  # "instead of" names both
        "How do I set the plot title as well as the axis labels in gnuplot?",
        "Which one of R's apply functions returns a list for every element?",
        "And in gnuplot, which environment variable sets the terminal type at start-up?",  # its own question
    ):
        assert not rewrite(question, HISTORY).follow_up, question


def test_a_turn_whose_words_the_last_answer_holds_continues_it():
    history = [
        {"role": "user", "content": "What is the difference between Lst[[1]] and Lst[1]?"},
        {
            "role": "assistant",
            "content": "Lst[[1]] is the first component; component names select [r.pdf p.35]",
        },
    ]
    idf = {"abbrevi": 4.0, "compon": 3.0, "name": 2.0}.get
    assert rewrite("Can I abbreviate component names?", history, lambda t: idf(t, 1.0)).follow_up
    assert not rewrite("Can I abbreviate file names?", history, lambda t: idf(t, 1.0)).follow_up


def test_only_a_noun_phrase_fragment_or_instead_puts_a_new_focus_in_place_of_the_old():
    history = [
        {"role": "user", "content": "How do I compute a binomial coefficient in Maxima?"},
        {"role": "assistant", "content": "binomial (x, y) [maxima.html p.1]"},
    ]
    idf = lambda t: {"binomi": 5.0, "maxima": 4.0, "symbol": 5.0, "stirl": 5.0}.get(t, 1.0)  # noqa: E731
    clause = rewrite("And if the first argument is a symbol?", history, idf)
    assert clause.follow_up and not clause.replaced and "binomial" in clause.carried_terms
    substituted = rewrite("And what about Stirling numbers?", history, idf)
    assert substituted.replaced and "binomial" not in substituted.carried_terms


def test_a_new_thing_replaces_the_old_one_not_what_was_asked_of_it():
    history = [
        {"role": "user", "content": "What is the default for ServerAliveCountMax?"},
        {"role": "assistant", "content": "The default value is 3. [ssh_config.pdf p.16]"},
    ]
    idf = lambda t: {"serveralivecountmax": 6.0, "serveraliveinterv": 6.0, "default": 2.0}.get(t, 1.0)  # noqa: E731
    turn = rewrite("and for ServerAliveInterval?", history, idf)
    assert turn.replaced == ["ServerAliveCountMax"]
    assert "default" in turn.carried_terms and "default" in turn.query


def test_a_turn_with_a_question_of_its_own_does_not_carry_what_the_last_one_asked():
    history = [
        {"role": "user", "content": "What is the default value of the Massif --depth option?"},
        {"role": "assistant", "content": "--depth=<number> [default: 30] [valgrind-massif.html p.9]"},
    ]
    idf = lambda t: {"massif": 5.0, "depth": 5.0, "cost": 4.0, "increas": 3.0}.get(t, 1.0)  # noqa: E731
    turn = rewrite("And what does increasing it cost?", history, idf)
    assert turn.follow_up and {"Massif", "depth"} <= set(turn.carried_terms)
    assert not {"default", "value"} & set(turn.carried_terms)
    fragment = rewrite("And for --threshold?", history, idf)  # a fragment still asks what the last turn asked
    assert "default" in fragment.carried_terms


def test_a_label_whose_file_name_holds_page_names_the_whole_file():
    assert [(d, p) for d, p, _ in find_labels("the gnu [booktabs-page2.png p.1]")] == [
        ("booktabs-page2.png", 1)
    ]
    history = [
        {"role": "user", "content": "What does a stuffed gnu cost in the booktabs example?"},
        {"role": "assistant", "content": "92.50 [booktabs-page2.png p.1] - 'gnu' [booktabs-page2.png p.1]"},
    ]
    turn = rewrite("Which animal in that table is sold frozen?", history)
    assert [(r.doc, r.page) for r in turn.cited_pages] == [("booktabs-page2.png", 1)]  # once, whole name


def test_an_abstention_is_no_topic_a_turn_continues():
    history = [
        {"role": "user", "content": "Where can I download the authors' code?"},
        {
            "role": "assistant",
            "content": "The library does not answer this question. The closest page lacks it.",
        },
    ]
    assert not rewrite("Which page shows the closest library branch?", history).follow_up


def test_a_turn_without_a_subject_of_its_own_is_about_the_chats_focus():
    history = [
        {"role": "user", "content": "Which tool converts Kelvinator spreadsheets to plain text?"},
        {"role": "assistant", "content": "kelv2txt converts a spreadsheet to text [tools.pdf p.3]."},
    ]
    idf = {"kelvin": 6.0, "spreadsheet": 3.0, "convert": 2.0, "default": 1.0, "valu": 1.5, "gnuplot": 5.0}
    turn = rewrite("What is the default value?", history, lambda t: idf.get(t, 1.0))
    assert turn.follow_up and turn.subject == ["Kelvinator", "spreadsheets"]
    stats = CorpusStats.from_texts(["Kelvinator spreadsheets to text", "the default value", "gnuplot"])
    asked = analyse("What is the default value?", turn, stats)
    assert "kelvin" in asked.parts[0].terms.focus()  # the focus gap looks for the chat's subject too
    # a turn that names a thing nearly as specific as the chat's focus has a subject of its own
    own = rewrite("Which value does gnuplot print by default?", history, lambda t: idf.get(t, 1.0))
    assert not own.follow_up and not own.subject
    # a follow-up whose pronoun points back is about the chat's focus, whatever words of its own it names
    pointed = rewrite("Does it read gnuplot files?", history, lambda t: idf.get(t, 1.0))
    assert pointed.follow_up and pointed.subject == ["Kelvinator", "spreadsheets"]
    # ... not one whose demonstrative names a thing of its own, nor one that puts a new thing in its place
    for own_thing in ("Does that gnuplot reader print by default?", "And what about gnuplot files instead?"):
        turn = rewrite(own_thing, history, lambda t: idf.get(t, 1.0))
        assert turn.follow_up and not turn.subject, own_thing


def test_a_follow_up_keeps_its_question_word_and_what_if_asks_about_the_case_just_discussed():
    history = [
        {"role": "user", "content": "Which tool converts Kelvinator spreadsheets to plain text?"},
        {"role": "assistant", "content": "kelv2txt converts a spreadsheet to text [tools.pdf p.3]."},
    ]
    stats = CorpusStats.from_texts(["Kelvinator spreadsheets to text", "formulas folder", "password"])
    for question, asks in (
        ("And how do I convert a whole folder of them?", "procedure"),  # not "do I convert ...?", a yes/no
        ("Why does it drop the formulas?", "reason"),
    ):
        turn = rewrite(question, history, stats.idf)
        assert turn.follow_up and turn.own.split()[0].lower() in ("how", "why")
        assert analyse(question, turn, stats).asks == asks, question
    assert rewrite("What if the spreadsheet is protected by a password?", history, stats.idf).follow_up
    assert not rewrite("What does the password option of kelv2txt do?", [], stats.idf).follow_up
