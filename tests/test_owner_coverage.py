"""Every duty, responsibility, skill, activity and measure of success either article assigns to
a role is answerable as "who owns this?", with the owner the articles give.

The list is the articles' own items, section by section (their facts, in short words), plus
the situations that follow plainly from them; each is asked as a new hire would ask it.
"""

from __future__ import annotations

import pytest

from bot.matcher import Matcher

SK, UD = "smartkarrot", "unveiling-dynamics"
# (article, section, the item, its owner)
ITEMS = [
    (SK, "What is a Customer Success Manager?", "relations with existing customers", "csm"),
    (
        SK,
        "What is a Customer Success Manager?",
        "helping customers meet their goals every day",
        "csm",
    ),
    (SK, "What is a Customer Success Manager?", "championing the customer journey", "csm"),
    (SK, "What is a Customer Success Manager?", "a value-added role, not a paid service", "csm"),
    (SK, "Roles and Responsibilities of a CSM", "healthy customer relationships", "csm"),
    (SK, "Roles and Responsibilities of a CSM", "onboarding new customers", "csm"),
    (SK, "Roles and Responsibilities of a CSM", "being the customer's advocate", "csm"),
    (SK, "Roles and Responsibilities of a CSM", "customer training", "csm"),
    (SK, "Roles and Responsibilities of a CSM", "analysing customer needs", "csm"),
    (SK, "Roles and Responsibilities of a CSM", "getting customers to upgrade", "both"),
    (SK, "Roles and Responsibilities of a CSM", "trust and transparency with clients", "csm"),
    (SK, "Roles and Responsibilities of a CSM", "customer loyalty", "csm"),
    (SK, "What is a Project Manager?", "implementation", "both"),
    (SK, "What is a Project Manager?", "keeping the project within its time frame", "pm"),
    (SK, "What is a Project Manager?", "potential threats to the company", "pm"),
    (SK, "Roles and Responsibilities of a PM", "motivating the project team", "pm"),
    (SK, "Roles and Responsibilities of a PM", "resource and activity planning", "pm"),
    (SK, "Roles and Responsibilities of a PM", "time management", "pm"),
    (SK, "Roles and Responsibilities of a PM", "tracking and monitoring progress", "pm"),
    (SK, "Roles and Responsibilities of a PM", "analysing reports and documentation", "pm"),
    (SK, "Roles and Responsibilities of a PM", "budget estimation and cost planning", "pm"),
    (SK, "Goals and Objectives", "clients' help toward higher business strategies", "csm"),
    (SK, "Goals and Objectives", "renewals", "both"),
    (SK, "Goals and Objectives", "upsells", "both"),
    (SK, "Goals and Objectives", "cross-sells", "pm"),
    (SK, "Goals and Objectives", "the sales quota", "pm"),
    (SK, "Goals and Objectives", "success metrics tied to the customer's", "csm"),
    (SK, "Managerial Skills", "basic project management tasks", "csm"),
    (SK, "Managerial Skills", "project management tasks", "both"),
    (SK, "Managerial Skills", "risk assessments", "pm"),
    (SK, "Managerial Skills", "detailed project plans", "pm"),
    (SK, "Approachability", "reaching out to customers before problems happen", "csm"),
    (SK, "Approachability", "acting on customer requests", "pm"),
    (SK, "Measure of Success", "the customer's return on investment", "csm"),
    (SK, "Measure of Success", "client renewals as the measure of success", "pm"),
    (SK, "Longevity of Time", "most of the actions near the end of the customer lifecycle", "pm"),
    (SK, "Longevity of Time", "being there at the start of a customer relationship", "both"),
    (SK, "That's a Wrap", "being whom customers turn to at renewal time", "pm"),
    (SK, "That's a Wrap", "working together as a team", "both"),
    (UD, "Understanding the Roles", "making sure customers get value from the product", "csm"),
    (UD, "Understanding the Roles", "addressing customer concerns", "csm"),
    (UD, "Understanding the Roles", "delivering projects on time and on budget", "pm"),
    (UD, "Understanding the Roles", "working with cross-functional teams", "pm"),
    (UD, "Responsibilities and Focus", "customer satisfaction", "csm"),
    (UD, "Responsibilities and Focus", "product adoption", "csm"),
    (UD, "Responsibilities and Focus", "collecting customer feedback", "csm"),
    (UD, "Responsibilities and Focus", "project planning and execution", "pm"),
    (UD, "Responsibilities and Focus", "project milestones", "pm"),
    (UD, "Responsibilities and Focus", "resource management", "pm"),
    (UD, "Responsibilities and Focus", "risk management", "pm"),
    (UD, "Skill Sets", "communication skills", "csm"),
    (UD, "Skill Sets", "empathy", "csm"),
    (UD, "Skill Sets", "product knowledge", "csm"),
    (UD, "Skill Sets", "organisational skills", "pm"),
    (UD, "Skill Sets", "leadership", "pm"),
    (UD, "Skill Sets", "problem solving", "both"),
    (UD, "Skill Sets", "resolving issues that arise during a project", "pm"),
    (UD, "Impact on Business Success", "customer retention as the main business impact", "csm"),
    (SK, "Goals and Objectives", "customer retention", "both"),
    (SK, "Goals and Objectives", "bringing in revenue and keeping customers", "both"),
    (UD, "Impact on Business Success", "brand advocacy", "csm"),
    (UD, "Impact on Business Success", "project success", "pm"),
    (UD, "Impact on Business Success", "operational efficiency", "pm"),
    (UD, "Why is it crucial to dispel false information?", "clearing up misconceptions", "both"),
]
SITUATIONS = [
    ("the customer wants training on the new release, who do i loop in?", "csm"),
    ("the project is two weeks behind, whose problem is that?", "pm"),
    ("who's supposed to keep the project team motivated?", "pm"),
    ("who pushes upgrades?", "both"),
    ("who keeps an eye on progress while the rollout is underway?", "pm"),
    ("whose job is it to onboard the new account?", "csm"),
    ("the customer is unhappy with the product, who should reach out?", "csm"),
    ("who plans the budget and resources for the project?", "pm"),
    ("who should do the risk assessment for the migration?", "pm"),
    ("who gathers feedback from customers?", "csm"),
    ("who drives product adoption?", "csm"),
    ("who owns renewals?", "both"),
    ("who goes after cross-sell opportunities?", "pm"),
    ("upsells and cross-sells, who is responsible?", "both"),
]


# Ways people ask about an item beyond "who is responsible for ...": frames around it, claims
# about a role to confirm, their own role, a need or a gap stated without asking. `{item}` is the
# item, `{role}` a role (each frame naming one is asked with both).
FRAMES = [
    "which role leans hardest on {item}",
    "{item} is a big part of which role?",
    "who's the go-to for {item}",
    "{item} - whose thing is that",
    "quick q, {item}: csm or pm?",
    "im new here. who takes care of {item}",
    "{item}. who?",
    "my manager mentioned {item} today, which of the two roles does that",
    "my lead says the {role} handles {item}, is that right",
    "heard {item} is the {role}'s job. true?",
    "im the {role}, should i be doing {item}?",
    "{item} - thats the {role} right",
    "someone told me {item} belongs to the {role}. sounds off to me",
    "is {item} on the {role} or not",
    "we need somebody for {item}",
    "nobody is doing {item} on this account rn",
    "{item} keeps falling through the cracks on our team :grimacing:",
    "honestly not sure if {item} is my thing or the other role's, im a {role}",
]


def test_every_item_gets_its_owner_in_many_framings(matcher: Matcher) -> None:
    """Every item in every frame, 1,600 questions: at least 93% get the articles' owner (95.9%
    when the frames were written, 73.5% before the changes they led to; the misses are mostly
    shared and disputed items pulled to one side by the role a claim names). Prints every miss."""
    asked, misses = 0, []
    for _, _, item, owner in ITEMS:
        for frame in FRAMES:
            for role in ("csm", "pm") if "{role}" in frame else ("",):
                question = frame.format(item=item, role=role)
                got = matcher.match(question).owner
                asked += 1
                if got != owner:
                    misses.append(f"{owner} -> {got}: {question}")
    print("\n".join(misses))
    assert 1 - len(misses) / asked >= 0.93, f"{len(misses)} of {asked} missed"


@pytest.mark.parametrize(
    ("article", "section", "item", "owner"), ITEMS, ids=[item for _, _, item, _ in ITEMS]
)
def test_every_article_item_has_an_owner_answer(
    matcher: Matcher, article: str, section: str, item: str, owner: str
) -> None:
    match = matcher.match(f"who is responsible for {item}?")
    assert match.owner == owner, (item, match.owner, match.duty and match.duty.id)
    assert match.duty is not None and match.duty.sources
    assert match.entry is not None  # a topic to read more


@pytest.mark.parametrize(("question", "owner"), SITUATIONS)
def test_situations_get_the_owner(matcher: Matcher, question: str, owner: str) -> None:
    assert matcher.match(question).owner == owner


def test_every_cited_section_of_the_items_exists(matcher: Matcher) -> None:
    articles = matcher.knowledge.articles
    for article, section, _, _ in ITEMS:
        assert section in articles[article].sections
