"""Analysis over the knowledge graph: networks, distances, predisposition profiles, what-if
scenarios, an evidence table and figures (issue 5).

Everything here reads a store and computes in memory; nothing writes to the user's store. The
theory is Oksamytna, Tansey, von Billerbeck & Gippert (2023): factors *predispose* officials
toward confrontation or conciliation, they do not determine responses, and every output says so.

Modules: :mod:`~kg.analysis.rules` (the CONSTRUCT rules of ``queries/rules/``),
:mod:`~kg.analysis.profile` (profiles in words),
:mod:`~kg.analysis.resolve` (an IRI or a label to a resource), :mod:`~kg.analysis.network` (the
networkx view), :mod:`~kg.analysis.distances` (the rows of CQ1), :mod:`~kg.analysis.whatif`,
:mod:`~kg.analysis.evidence`,
:mod:`~kg.analysis.figures`, and :mod:`~kg.analysis.commands` (the ``iodm`` subcommands).
"""

#: What every profile, what-if and evidence table says, in the paper's words.
PREDISPOSE = (
    'Factors predispose and do not determine: "the factors in our framework predispose IO '
    "officials to respond in a particular manner, but they do not, individually or in "
    'combination, causally determine decisions" (Oksamytna, Tansey, von Billerbeck & Gippert '
    "2023, section 'Decision-Making in International Bureaucracies')."
)

#: The source line of figures and tables.
CITATION = (
    "Oksamytna, Tansey, von Billerbeck & Gippert (2023), International Studies Quarterly 67(4), "
    "sqad099, doi:10.1093/isq/sqad099 (CC BY 4.0)"
)
