"""Every number that steers matching, in one frozen object.

Scores are built from ratios (how much of the question an example covers, how much of it an
entry's vocabulary explains) and from word weights scaled to 0..1 against the rarest possible
word, so they mean the same on a knowledge base of 20 entries or of 20,000: a curator who adds
entries does not re-tune the threshold. Chosen on the dev questions (tests/data/dev.yaml); see
the README's "Matching" section and `csm-vs-pm eval --sweep`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    """Weights, thresholds and limits for one matcher."""

    # --- the decision -----------------------------------------------------------------------
    # Below this score (0-100) the bot declines.
    threshold: float = 42.0
    # A runner-up this close to the answer's score is offered as "did you mean".
    suggestion_margin: float = 8.0
    # ... and never when it scores below this, however close (a floor for weak matches).
    suggestion_floor: float = 35.0
    max_suggestions: int = 3
    # Curators are shown the entry a question came closest to (`report --suggest`) only from
    # this score up: below it, the question belongs to no entry.
    closest_floor: float = 25.0
    # A question asking "who?" is answered with a duty's owner when the best duty scores at
    # least this close to the best entry.
    who_margin: float = 12.0
    # ... and from further behind when the question offers both roles as the choice ("time
    # management, csm or pm?"): the role words are then the options, not what is asked about,
    # yet they are what the entries comparing the roles match best. Unless an entry fits at
    # least `roles_entry_fit`: then the question is about the roles themselves ("which role
    # matters more, csm or pm?").
    who_margin_both_roles: float = 28.0
    # ... for a duty that fits at least this well by itself: one that barely clears the who
    # threshold (a word or two in common) is no reason to pass over the entry that fits.
    both_roles_duty_fit: float = 33.0
    roles_entry_fit: float = 75.0
    # ... and at least this without the role words: "is customer support a csm thing or a pm
    # thing" fits the entry comparing the roles by the role words alone, the choice it offers.
    roles_entry_fit_without_roles: float = 65.0
    # ... and a yes/no question naming a role ("is onboarding a pm task?") when a duty scores
    # at least this close: it may as well be asking about the topic itself.
    yes_no_margin: float = 12.0
    # A question asking "who?" may be answered with a duty from this score up: it names a task,
    # and the owner of the closest task is a better answer than none.
    who_threshold: float = 30.0
    # ... and from this lower score up when it is a duty of the entry the question matches,
    # and that entry clears the threshold: the entry vouches for the topic, the duty says who.
    topic_who_threshold: float = 20.0
    # A question that does not ask "who?" is answered with a duty's owner only when the duty
    # fits this well: a lone shared word ("what time is it" and "time management") is not enough.
    duty_without_who: float = 75.0
    # A message in which no sentence opens a question ("being the friendly face the client
    # trusts", "the one carrying a sales number every quarter", "budget overrun -> ?") asks who
    # does what it describes when a duty is ranked first from this score up, this far ahead of
    # every entry.
    described_duty: float = 55.0
    described_duty_lead: float = 5.0

    # --- word weights -------------------------------------------------------------------------
    # Function words count, but only this much of their weight.
    stopword_factor: float = 0.1
    # The role tokens (csm, pm) always weigh at least this much (1.0 = the rarest word).
    role_weight: float = 0.7
    # A word the knowledge base has never seen: most likely what makes a question off topic.
    unknown_weight: float = 1.0
    # Up to this many content words, every unknown word counts in full; beyond, less, since
    # the more a person writes, the more of it is context rather than the question.
    context_free_terms: int = 4
    # A last sentence that asks without a question mark is scored alone too when it has at
    # least this many content words or roles ("who handles it" alone is too little to go on).
    unmarked_question_terms: int = 3
    # A who-clause after context in the same sentence ("kicking off a migration next month, who
    # should be spotting the risks") is scored alone too when it names at least this many
    # content words besides its who-phrase.
    who_clause_terms: int = 2
    # A question mark may end details that follow the question they belong to by this many
    # sentences at most ("whose scorecard is tied to the customer — roi, results — not ours?").
    detail_sentences: int = 2
    # An asking sentence that points back at the context ("who should fix that?") is scored
    # alone too only when its other content words weigh at least this much (term weights run
    # from 0 to 1): "who identifies risks and plans how to mitigate them?" names a task itself.
    own_task_weight: float = 1.5
    # A message opening with its only question ("who leads a mixed team toward one goal?") is
    # scored on that question alone too when at least this many words of context follow it
    # ("asking because people keep looking at me in meetings ...", "the client wants a
    # timeline deck by friday"), also when it asks who; a short tail ("the full list", "asking
    # for our bonus plan") is part of the question.
    context_after_opening: int = 7
    # A sentence of this many words at most comparing two jobs ("account manager vs csm —
    # who owns the renewal?") heads the question after it: it is part of what is asked.
    comparison_words: int = 8
    # A subject's term in the context declines a message whose asking sentence weighs under
    # `own_task_weight` and is about it (an unrelated subject, the sentence naming no role:
    # "vpn disconnects every 10 min. any fix?"; a not-covered one, the sentence pointing back:
    # "i mean CSM as in Certified ScrumMaster. does that overlap with a pm?"), unless the
    # message fits a document at least this well ("the standup ran long over the pizza order.
    # who keeps the project team motivated?").
    context_subject_fit: float = 75.0

    # --- the three signals ----------------------------------------------------------------------
    question_weight: float = 0.5
    coverage_weight: float = 0.4
    fuzzy_weight: float = 0.1
    # Recall (how much of an example question the question covers) counts this many times more
    # than precision, so a long question with context still matches a short example.
    recall_beta: float = 2.0
    # How much an entry vouches for a word that only its answer (not its questions) uses.
    answer_term_credit: float = 0.3

    # --- meaning (static word vectors) -----------------------------------------------------
    # Duties are ranked by a blend of their score and how close in meaning the question is to
    # their closest example: this much of the meaning, the rest the score. Meaning only chooses
    # among duties: a duty never scores above the best duty's own score, so it cannot make a
    # question fit better than its words do.
    meaning_weight: float = 0.5
    # Cosine similarities are read on this scale: at the floor or below, 0; at the ceiling, 100.
    meaning_floor: float = 0.2
    meaning_ceiling: float = 0.9
    # A duty scoring under this can answer only when the question's closest example of it is
    # at least this close in meaning (cosine): a weak word match alone is not a duty.
    meaning_veto_score: float = 40.0
    meaning_veto_cosine: float = 0.75

    # --- roles --------------------------------------------------------------------------------
    # A question about one role should not be answered by the entry about the other role.
    other_role_factor: float = 0.55
    # A question about both roles prefers a comparison to a single-role entry.
    single_role_factor: float = 0.85

    # --- spelling -----------------------------------------------------------------------------
    # Words shorter than this are not corrected ("pm" vs "am").
    min_correctable_length: int = 4
    correction_cutoff: float = 70.0
    # Up to this length a word may be one edit away (not a changed letter alone); longer, two.
    short_word: int = 7
    # Up to this length only a swap of two neighbouring letters is corrected.
    tiny_word: int = 4

    # --- speed --------------------------------------------------------------------------------
    # Example questions of each kind (entry, duty, subject) rescored with rapidfuzz and
    # coverage after the cheap overlap pass: the best this many by overlap.
    rescore_pool: int = 30
    # With up to this many example questions in all, the best of each kind are chosen among all
    # of them (fewer array operations); with more, among those sharing a term with the question.
    all_questions_up_to: int = 5_000
    # A knowledge base whose terms times documents stay under this keeps its document credit
    # as a dense matrix too (8 bytes a cell): faster coverage, bounded memory.
    dense_credit_cells: int = 2_000_000


DEFAULT_TUNING = Tuning()
